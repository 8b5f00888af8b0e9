"""Run one corpus case through ingestion and compare the outcome with what cases.yaml expects.

A case names a file (or a ``generate`` function), the source it pretends to be, its data year and
optional overrides of the source (``source_override``: kind/format/file_pattern; ``spec_override``: keys
of the spec replaced). The file is placed at the source's landing path (or at ``path``) in a fresh landing
folder, with any ``extra_files`` beside it ({path, file: a corpus file | text}); then ``find_files`` →
``read_raw`` → ``conform_raw`` run for every file of the source exactly as the raw and staging assets run
them, and the inventory of the whole folder adds its unrecognised files' quarantine entries as the
conformed step does. ``expect.inventory`` pins every file of the folder: path, status (``matched`` or
the reason code it is refused / quarantined under, ``notes``), and optionally suggestion and message.
"""

from __future__ import annotations

import dataclasses
import math
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import yaml

from pii.catalog import Source, load_sources, revalidated
from pii.ingest.conform import conform_raw, read_raw
from pii.ingest.inventory import quarantine_entries, take_inventory
from pii.ingest.landing import find_files
from pii.ingest.microdata import RAW_TEMP, conform_landing_file, store_microdata
from pii.ingest.results import ConformResult
from pii.ingest.set_based import conform_and_store, is_set_based, raw_columns_for
from pii.ingest.tabular import load_tabular
from pii.provinces import default_registry
from tests.corpus.build_corpus import FILES_DIR
from tests.corpus.generated import GENERATORS

CASES_PATH = Path(__file__).resolve().parent / "cases.yaml"


def load_cases() -> list[dict]:
    return yaml.safe_load(CASES_PATH.read_text(encoding="utf-8"))["cases"]


def source_for(case: dict) -> Source:
    """The case's source, validated as sources.yaml entries are (``spec_override``: a null value drops a key)."""
    source = load_sources()[case["source_id"]]
    spec = {k: v for k, v in {**source.spec, **case.get("spec_override", {})}.items() if v is not None}
    return revalidated(dataclasses.replace(source, **case.get("source_override", {}), spec=spec))


@dataclass
class Outcome:
    rel_path: str  # where the case's own file was placed
    raw_rows: list[tuple[str, str, int]]  # (file, sheet, row) of every raw row of every file read
    quarantine: list[dict]
    observations: list[dict]
    records: list[dict]
    dispositions: list[dict]
    inventory: list[dict]  # every file under the landing folder: path, status, suggestion, message


def _place(landing: Path, rel: str, spec: dict) -> None:
    (landing / rel).parent.mkdir(parents=True, exist_ok=True)
    if "text" in spec:
        (landing / rel).write_text(spec["text"], encoding="utf-8")
    else:
        shutil.copyfile(FILES_DIR / spec["file"], landing / rel)


def _inventory(landing: Path, source: Source) -> tuple[list[dict], list[dict]]:
    """(every file of the folder as the register would list it, the unrecognised files' quarantine entries)."""
    sources = {**load_sources(), source.source_id: source}
    inventory = take_inventory(landing, sources.values())
    listed = [{"path": f.rel_path, "status": f.error_code if f.error else "matched", "suggestion": "",
               "message": f.error or ""} for f in inventory.matched]
    listed += [{"path": u.rel_path, "status": u.status, "suggestion": u.suggestion, "message": u.reason}
               for u in inventory.unmatched]
    return sorted(listed, key=lambda e: e["path"]), quarantine_entries(inventory)


def run_case(case: dict, landing: Path) -> Outcome:
    """Place the case's files in ``landing`` and ingest every file of its source found there."""
    source = source_for(case)
    rel = case.get("path") or source.path_for(case["data_year"])
    if "generate" in case:
        GENERATORS[case["generate"]](landing, rel)
    else:
        _place(landing, rel, case)
    for extra in case.get("extra_files", []):
        _place(landing, extra["path"], extra)
    files = find_files(landing, source)
    if "path" not in case and "extra_files" not in case:
        assert [f.rel_path for f in files] == [rel], f"{case['id']}: find_files gave {files}"
    if is_set_based(source):  # record lists as CSV/Parquet, microdata: read and conformed in DuckDB (issue 9)
        return _run_set_based(source, files, rel, landing)
    raws = [read_raw(source, f) for f in files]
    result = ConformResult()
    for raw in raws:
        result.extend(conform_raw(source, raw, default_registry()))
    listed, unrecognised = _inventory(landing, source)
    rows = [(f, s, int(n)) for raw in raws for f, s, n in raw.select("file_path", "sheet", "row_number").rows()]
    return Outcome(rel, rows, result.quarantine + unrecognised, result.observations, result.records,
                   result.dispositions, listed)


def _run_set_based(source: Source, files: list, rel: str, landing: Path) -> Outcome:
    """The set-based path (pii/ingest/tabular.py + set_based.py, microdata.py) on an in-memory DuckDB, as the raw
    and staging assets run it. Counted rows have no per-row disposition there (meta.disposition_counts): they are
    listed here as the raw rows no other disposition names, after checking that their number is the count."""
    conn = duckdb.connect()
    for schema in ("raw", "staging", "quarantine", "meta"):
        conn.execute(f"CREATE SCHEMA {schema}")
    if source.kind == "microdata":  # read file by file into a temporary table, as staging/<source_id> does
        rows = []
        for f in files:
            conform_landing_file(conn, source, f, default_registry())
            read = conn.execute(f"SELECT file_path, row_number FROM {RAW_TEMP}").fetchall()
            rows += [(p, "", int(n)) for p, n in read]
            store_microdata(conn, source, file_paths=[f.rel_path])
    else:
        for f in files:
            load_tabular(conn, source, f, raw_columns_for(source))
        if files:
            conform_and_store(conn, source, default_registry())
        table = f"raw.{source.source_id}"
        rows = ([(f, "", int(n)) for f, n in conn.execute(f"SELECT file_path, row_number FROM {table}").fetchall()]
                if files else [])

    def dicts(sql: str) -> list[dict]:
        exists = conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema || '.' || "
                              "table_name = ?", [sql.split(" FROM ")[1].split()[0]]).fetchall()[0][0]
        return conn.sql(sql).pl().to_dicts() if exists else []

    quarantine = dicts("SELECT * FROM quarantine.rows")
    dispositions = dicts("SELECT * FROM meta.row_dispositions")
    counted = sum(d["rows"] for d in dicts("SELECT * FROM meta.disposition_counts") if d["disposition"] == "counted")
    named = {(d["file_path"], d["sheet"], d["row_number"]) for d in dispositions}
    rest = [r for r in rows if r not in named]
    if len(rest) == counted:
        dispositions += [{"file_path": f, "sheet": s, "row_number": n, "disposition": "counted"} for f, s, n in rest]
    records = dicts("SELECT * FROM staging.record_rows")
    observations = dicts("SELECT * FROM staging.microdata_observations")
    listed, unrecognised = _inventory(landing, source)
    return Outcome(rel, rows, quarantine + unrecognised, observations, records, dispositions, listed)


def _qkey(entry: dict) -> tuple:
    return entry["reason_code"], entry["sheet"], entry["row_number"], entry["column_ref"], entry["file_path"]


def _want(e: dict, outcome: Outcome) -> tuple:
    return e["reason_code"], e.get("sheet", ""), e.get("row", 0), e.get("column", ""), e.get("path", outcome.rel_path)


def quarantine_problems(expected: list[dict], outcome: Outcome) -> list[str]:
    """Exact match of (reason_code, sheet, row, column, file), then message and suggestion substrings."""
    got = sorted(_qkey(q) for q in outcome.quarantine)
    want = sorted(_want(e, outcome) for e in expected)
    if got != want:
        return [f"quarantine entries differ: expected {want}, got {got}"]
    problems = []
    for e in expected:
        key = _want(e, outcome)
        entry = next(q for q in outcome.quarantine if _qkey(q) == key)
        if e.get("message", "") not in entry["reason"]:
            problems.append(f"{key}: message {entry['reason']!r} lacks {e['message']!r}")
        if e.get("suggestions", "") not in entry["suggestions"]:
            problems.append(f"{key}: suggestions {entry['suggestions']!r} lack {e['suggestions']!r}")
    return problems


def inventory_problems(expected: list[dict] | None, outcome: Outcome) -> list[str]:
    """Every file of the folder with its status, exactly; suggestion and message substrings when given."""
    if expected is None:
        return []
    got = [(e["path"], e["status"]) for e in outcome.inventory]
    want = sorted((e["path"], e["status"]) for e in expected)
    if got != want:
        return [f"inventory differs: expected {want}, got {got}"]
    problems = []
    for e, entry in zip(sorted(expected, key=lambda e: e["path"]), outcome.inventory, strict=True):
        if e.get("suggestion", entry["suggestion"]) != entry["suggestion"]:
            problems.append(f"{e['path']}: suggestion {entry['suggestion']!r}, expected {e['suggestion']!r}")
        if e.get("message", "") not in entry["message"]:
            problems.append(f"{e['path']}: message {entry['message']!r} lacks {e['message']!r}")
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
            + value_problems(expect.get("values", []), outcome) + count_problems(expect, outcome)
            + inventory_problems(expect.get("inventory"), outcome))
