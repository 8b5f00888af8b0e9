"""The corpus of bad inputs (cases.yaml): each file, placed at its source's landing path, must give exactly
the expected quarantine entries and observations, with messages that name the file, and conserve rows."""

from __future__ import annotations

import copy
from collections import Counter
from pathlib import Path

import pytest

from pii.ingest.landing import LandingError, safe_resolve
from pii.ingest.read_limits import MAX_XLSX_ENTRIES, MAX_XLSX_UNCOMPRESSED
from pii.ingest.results import REASON_CODES
from tests.corpus.build_corpus import BUILDERS, FILES_DIR, build
from tests.corpus.harness import Outcome, load_cases, problems, run_case

CASES = load_cases()
IDS = [c["id"] for c in CASES]


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    path = tmp_path / "landing"
    path.mkdir()
    return path


def test_committed_files_equal_what_the_script_builds(tmp_path: Path) -> None:
    names = build(tmp_path)
    assert sorted(p.name for p in FILES_DIR.iterdir()) == names, "run: python -m tests.corpus.build_corpus"
    drifted = [n for n in names if (tmp_path / n).read_bytes() != (FILES_DIR / n).read_bytes()]
    assert not drifted, f"committed corpus files differ from build_corpus.py: {drifted}"


def test_corpus_is_large_small_and_fully_described() -> None:
    files = [c["file"] for c in CASES if "file" in c]
    assert len(files) >= 30 and len(set(files)) == len(files)
    assert set(files) == set(BUILDERS), "every corpus file has exactly one case"
    assert all((FILES_DIR / f).stat().st_size < 16_000 for f in files)
    assert len(set(IDS)) == len(IDS)


def test_zip_bomb_limits_are_the_documented_defaults() -> None:
    assert MAX_XLSX_ENTRIES == 10_000
    assert MAX_XLSX_UNCOMPRESSED == 500 * 1024 * 1024


def _check_messages(outcome: Outcome) -> list[str]:
    """Every message names its file, and the sheet / row / column when the entry has them; codes are known."""
    bad = []
    for q in outcome.quarantine:
        parts = [q["file_path"]]
        parts += [f"sheet '{q['sheet']}'"] if q["sheet"] else []
        parts += [f"row {q['row_number']}"] if q["row_number"] else []
        parts += [f"column {q['column_ref']}"] if q["column_ref"] else []
        bad += [f"{q['reason']!r} does not name {p!r}" for p in parts if p not in q["reason"]]
        if q["reason_code"] not in REASON_CODES:
            bad.append(f"reason code {q['reason_code']!r} is not in REASON_CODES")
    return bad


def _check_conservation(outcome: Outcome) -> list[str]:
    disposed = Counter((d["file_path"], d["sheet"], d["row_number"]) for d in outcome.dispositions)
    if disposed != Counter(outcome.raw_rows) or max(disposed.values()) != 1:
        return [f"row conservation broken: raw {len(outcome.raw_rows)} rows, dispositions {sum(disposed.values())}"]
    return []


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_case(case: dict, landing: Path) -> None:
    outcome = run_case(case, landing)
    found = problems(case, outcome) + _check_messages(outcome) + _check_conservation(outcome)
    assert not found, f"{case['id']} ({case['what']}):\n" + "\n".join(found)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_case_can_fail(case: dict, landing: Path) -> None:
    """Each case's expectation is sharp: one more value, or one more quarantine entry, is noticed."""
    outcome = run_case(case, landing)
    more_values = copy.deepcopy(case)
    more_values["expect"]["observations"] = more_values["expect"].get("observations", 0) + 1
    assert problems(more_values, outcome)
    more_quarantine = copy.deepcopy(case)
    more_quarantine["expect"].setdefault("quarantine", []).append({"reason_code": "out_of_range", "row": 999})
    assert problems(more_quarantine, outcome)
    assert case["expect"].get("quarantine") or case["expect"].get("values") or case["expect"].get("records"), (
        "a case must pin quarantine entries or specific values")


@pytest.mark.parametrize("rel", ["../outside.csv", "2024/papi/../../../etc/passwd", "/etc/passwd"])
def test_file_name_leaving_the_landing_folder_is_refused(landing: Path, rel: str) -> None:
    with pytest.raises(LandingError, match="leaves the landing folder"):
        safe_resolve(landing, rel)
