"""The vectorised column-pair metric gives GX's own answer row for row, and a suite run through GX with it
reports the same unexpected pairs, rows and counts."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from great_expectations.expectations.metrics.column_pair_map_metrics.column_pair_values_in_set import (
    ColumnPairValuesInSet,
)

from pii.quality.gx_metrics import pairs_in_set
from pii.quality.gx_suite import load_suite, validate

# GX's row-by-row implementation, unwrapped from its registration decorator.
GX_ROW_LOOP = inspect.unwrap(ColumnPairValuesInSet._pandas)

FRAMES = {
    "text": (pd.Series(["p63", "p34", None, "p63", "p99"], dtype="str"),
             pd.Series(["01", "01", "01", None, "01"], dtype="str")),
    "int and text": (pd.Series([2024, 2025, 2024, 2023]), pd.Series(["a", "b", "b", "a"], dtype=object)),
    "nullable int and float": (pd.Series([1, None, 3, 4], dtype="Int64"), pd.Series([1.5, 2.0, np.nan, 4.0])),
}
SETS = {
    "text": [["p63", "01"], ["p34", "01"], [None, "01"]],
    "int and text": [[2024, "a"], [2025, "b"]],
    "nullable int and float": [[1, 1.5], [None, 2.0], [3, None], [4, 4]],
}


@pytest.mark.parametrize("name", sorted(FRAMES))
def test_same_answer_as_gx_row_loop(name: str) -> None:
    a, b = FRAMES[name]
    expected = GX_ROW_LOOP(ColumnPairValuesInSet, a, b, value_pairs_set=SETS[name])
    got = pairs_in_set(a, b, SETS[name])
    assert got.tolist() == expected.tolist()
    assert got.index.equals(expected.index)
    assert pairs_in_set(a, b, None).all()


def test_suite_reports_unexpected_pairs(tmp_path: Path) -> None:
    path = tmp_path / "t.pairs.json"
    path.write_text(json.dumps({"name": "t.pairs", "expectations": [{
        "type": "expect_column_pair_values_to_be_in_set",
        "kwargs": {"column_A": "boundary", "column_B": "province_code",
                   "value_pairs_set": [["p63", "01"], ["p34", "01"]]},
        "meta": {"id": "pair_known", "severity": "critical"}}]}), encoding="utf-8")
    frame = pd.DataFrame({"boundary": ["p63", "p34", "p63", "p34", "p63"],
                          "province_code": ["01", "01", "99", "01", "98"]})
    frame.index.name = "table_row"
    [outcome] = validate(load_suite(path), frame)
    assert not outcome.success
    assert (outcome.unexpected_count, outcome.element_count) == (2, 5)
    assert sorted(map(tuple, outcome.examples)) == [("p63", "98"), ("p63", "99")]
    assert sorted(r["table_row"] for r in outcome.example_rows) == [2, 4]
