"""The GX suites take their value sets (measure codes, provinces per boundary, framework indicators) from
reference/ at validation time, so adding a measure or a province needs no edit of any suite."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pandas as pd

from pii.catalog import load_measures
from pii.paths import EXPECTATIONS_DIR, REFERENCE_DIR
from pii.quality.gx_suite import load_suite, parameters_used, suite_path, validate
from pii.quality.reference_sets import PARAMETER_NAMES, reference_parameters


def _literals(value: Any) -> set[str]:
    """Every string written literally anywhere in a suite's kwargs."""
    if isinstance(value, dict):
        return set().union(*(_literals(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_literals(v) for v in value)) if value else set()
    return {value} if isinstance(value, str) else set()


def test_no_suite_holds_a_reference_value_set() -> None:
    measures = set(load_measures())
    for path in sorted(EXPECTATIONS_DIR.glob("*.json")):
        for e in json.loads(path.read_text(encoding="utf-8"))["expectations"]:
            written = _literals(e["kwargs"])
            assert not written & measures, f"{path.name} ({e['meta']['id']}) lists measure codes by hand"
            assert not {w for w in written if len(w) == 2 and w.isdigit()}, (
                f"{path.name} ({e['meta']['id']}) lists province codes by hand")


def test_parameters_are_the_reference_files() -> None:
    with (REFERENCE_DIR / "provinces.csv").open(encoding="utf-8", newline="") as f:
        pairs = sorted([r["boundary"], r["code"]] for r in csv.DictReader(f))
    params = reference_parameters()
    assert params["measure_codes"] == sorted(load_measures())
    assert params["province_codes_by_boundary"] == pairs and len(pairs) == 63 + 34
    assert params["boundaries"] == ["p34", "p63"]
    assert [2025, "4.2.3"] in params["framework_indicator_codes"]
    used = {p for t in ("staging.measure_values", "core.indicator_values")
            for e in json.loads(suite_path(t).read_text(encoding="utf-8"))["expectations"]
            for p in parameters_used(e["kwargs"])}
    assert used == set(params)
    assert tuple(sorted(params)) == PARAMETER_NAMES  # the names definitions check suites against, without reading


def test_suite_checks_values_against_reference(tmp_path: Path) -> None:
    """A catalog measure and a valid province pass; a code reference/ does not know fails, by name."""
    suite = load_suite(suite_path("staging.measure_values"))
    frame = pd.DataFrame({
        "province_code": ["01", "99", "01"], "boundary": ["p63", "p63", "p34"], "year": [2024, 2024, 2025],
        "measure_code": ["population", "population", "no_such_measure"], "value": [1.0, 2.0, 3.0],
        "unit": ["persons"] * 3, "is_preliminary": [False] * 3, "source_id": ["gso_yearbook"] * 3,
        "file_path": ["f"] * 3, "file_sha256": ["0" * 64] * 3, "sheet": ["S"] * 3, "row_number": [5, 6, 7],
        "column_ref": ["C"] * 3, "edition_year": [2024] * 3, "evidence": [None] * 3,
    })
    outcomes = {o.id: o for o in validate(suite, frame)}
    assert not outcomes["measure_in_catalog"].success and outcomes["measure_in_catalog"].examples == ["no_such_measure"]
    assert not outcomes["province_valid_for_boundary"].success
    assert outcomes["province_valid_for_boundary"].unexpected_count == 1
    assert outcomes["boundary_known"].success
