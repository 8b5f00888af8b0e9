"""Run one corpus case through ingestion and compare the outcome with what cases.yaml expects.

A case names a file (or a ``generate`` function), the source it pretends to be, its data year and
optional overrides of the source (``source_override``: kind/format/file_pattern; ``spec_override``: keys
of the spec replaced). The file is placed at the source's landing path in a fresh landing folder, then
``find_files`` → ``read_raw`` → ``conform_raw`` run exactly as the raw and staging assets run them.
"""

from __future__ import annotations

import dataclasses
import math
import shutil
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import yaml

from pii.catalog import Source, load_sources
from pii.ingest.conform import conform_raw, read_raw
from pii.ingest.landing import find_files
from pii.provinces import default_registry
from tests.corpus.build_corpus import FILES_DIR
from tests.corpus.generated import GENERATORS

CASES_PATH = Path(__file__).resolve().parent / "cases.yaml"
QKEY = ("reason_code", "sheet", "row", "column")


def load_cases() -> list[dict]:
    return yaml.safe_load(CASES_PATH.read_text(encoding="utf-8"))["cases"]


def source_for(case: dict) -> Source:
    source = load_sources()[case["source_id"]]
    spec = {**source.spec, **case.get("spec_override", {})}
    return dataclasses.replace(source, **case.get("source_override", {}), spec=spec)


@dataclass
class Outcome:
    rel_path: str
    raw_rows: list[tuple[str, int]]
    quarantine: list[dict]
    observations: list[dict]
    records: list[dict]
    dispositions: list[dict]


def run_case(case: dict, landing: Path) -> Outcome:
    """Place the case's file in ``landing`` and ingest it; exactly one landing file must be found."""
    source = source_for(case)
    rel = source.path_for(case["data_year"])
    if "generate" in case:
        GENERATORS[case["generate"]](landing, rel)
    else:
        (landing / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(FILES_DIR / case["file"], landing / rel)
    files = find_files(landing, source)
    assert [f.rel_path for f in files] == [rel], f"{case['id']}: find_files gave {files}"
    raw = read_raw(source, files[0])
    result = conform_raw(source, raw, default_registry())
    rows = [(s, int(n)) for s, n in raw.select("sheet", "row_number").rows()]
    return Outcome(rel, rows, result.quarantine, result.observations, result.records, result.dispositions)


def _qkey(entry: dict) -> tuple:
    return entry["reason_code"], entry["sheet"], entry["row_number"], entry["column_ref"]


def quarantine_problems(expected: list[dict], outcome: Outcome) -> list[str]:
    """Exact match of (reason_code, sheet, row, column), then message and suggestion substrings."""
    got = sorted(_qkey(q) for q in outcome.quarantine)
    want = sorted((e["reason_code"], e.get("sheet", ""), e.get("row", 0), e.get("column", "")) for e in expected)
    if got != want:
        return [f"quarantine entries differ: expected {want}, got {got}"]
    problems = []
    for e in expected:
        key = (e["reason_code"], e.get("sheet", ""), e.get("row", 0), e.get("column", ""))
        entry = next(q for q in outcome.quarantine if _qkey(q) == key)
        if e.get("message", "") not in entry["reason"]:
            problems.append(f"{key}: message {entry['reason']!r} lacks {e['message']!r}")
        if e.get("suggestions", "") not in entry["suggestions"]:
            problems.append(f"{key}: suggestions {entry['suggestions']!r} lack {e['suggestions']!r}")
    return problems


def value_problems(expected: list[dict], outcome: Outcome) -> list[str]:
    problems = []
    for e in expected:
        hits = [o for o in outcome.observations if all(o[k] == e[k] for k in e if k != "value")]
        if len(hits) != 1 or not math.isclose(hits[0]["value"], e["value"], rel_tol=1e-9):
            problems.append(f"expected one observation {e}, got {hits}")
    return problems


def count_problems(expect: dict, outcome: Outcome) -> list[str]:
    problems = []
    for key, got in (("observations", len(outcome.observations)), ("records", len(outcome.records))):
        if expect.get(key, 0) != got:
            problems.append(f"expected {expect.get(key, 0)} {key}, got {got}")
    if "dispositions" in expect:
        got_d = pl.DataFrame(outcome.dispositions)["disposition"].value_counts() if outcome.dispositions else None
        counts = {} if got_d is None else dict(got_d.iter_rows())
        if counts != expect["dispositions"]:
            problems.append(f"expected dispositions {expect['dispositions']}, got {counts}")
    absent = set(expect.get("absent_provinces", [])) & {o["province_code"] for o in outcome.observations}
    if absent:
        problems.append(f"provinces {sorted(absent)} should have no observation")
    return problems


def problems(case: dict, outcome: Outcome) -> list[str]:
    """Everything in the outcome that differs from the case's ``expect`` (empty: the case passes)."""
    expect = case["expect"]
    return (quarantine_problems(expect.get("quarantine", []), outcome)
            + value_problems(expect.get("values", []), outcome) + count_problems(expect, outcome))
