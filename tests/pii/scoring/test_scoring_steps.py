"""Denominate, screen and impute on small hand-computed matrices."""

import numpy as np
import pytest

from pii.scoring.denominate import denominate
from pii.scoring.impute import ImputeSpec, impute, impute_column, parse_impute
from pii.scoring.screen import screen_units
from pii.scoring.structure import Node, Structure

NAN = np.nan


def small_structure() -> Structure:
    return Structure.from_nodes(
        [Node("i1", 1, "IDX", 1.0, 1, denominator="Pop"), Node("i2", 1, "IDX", 1.0, 1), Node("IDX", 2, None, 1.0, 1)],
        denominators=("Pop",),
    )


def test_denominate_divides_and_blanks_zero_denominators():
    # i1 / Pop: 10/2 = 5, 20/4 = 5, 30/0 -> missing; i2 untouched
    x = np.array([[10.0, 1.0], [20.0, 2.0], [30.0, 3.0]])
    out, log = denominate(x, ["i1", "i2"], small_structure(), {"Pop": np.array([2.0, 4.0, 0.0])})
    np.testing.assert_array_equal(out[:, 0], [5.0, 5.0, NAN])
    assert out[:, 1].tobytes() == x[:, 1].tobytes()
    assert len(log) == 1 and log[0].code == "i1" and log[0].n_affected == 1
    with pytest.raises(KeyError, match="Pop"):
        denominate(x, ["i1", "i2"], small_structure(), {})


def test_screen_by_availability():
    # availability: A 4/4, B 3/4 = 0.75, C 1/4
    x = np.array([[1, 2, 3, 4], [1, NAN, 3, 4], [NAN, NAN, NAN, 4]], dtype=float)
    keep, log = screen_units(x, ["A", "B", "C"], 0.75)
    np.testing.assert_array_equal(keep, [True, True, False])  # equality is kept, as COINr
    removed = [e for e in log if e.action == "unit removed"]
    assert [e.code for e in removed] == ["C"] and removed[0].values["availability"] == 0.25
    keep_all, log_none = screen_units(x, ["A", "B", "C"], None)
    assert keep_all.all() and log_none == []
    with pytest.raises(ValueError):
        screen_units(x, ["A", "B", "C"], 1.5)


def test_impute_mean_and_median():
    col = np.array([1.0, NAN, 3.0, 8.0])
    np.testing.assert_array_equal(impute_column(col, "mean"), [1, 4, 3, 8])  # (1+3+8)/3
    np.testing.assert_array_equal(impute_column(col, "median"), [1, 3, 3, 8])


def test_impute_by_group():
    col = np.array([1.0, NAN, 10.0, NAN, 20.0, NAN])
    groups = ["a", "a", "b", "b", "b", None]
    # a: mean(1) = 1; b: mean(10, 20) = 15; unit with no group stays missing
    np.testing.assert_array_equal(impute_column(col, "mean", groups), [1, 1, 10, 15, 20, NAN])
    col2 = np.array([NAN, NAN, 10.0, NAN, 20.0, 40.0])
    # group a has no observed value -> stays missing; b median(10, 20) = 15
    np.testing.assert_array_equal(impute_column(col2, "median", [*groups[:5], "b"]), [NAN, NAN, 10, 20, 20, 40])


def test_impute_matrix_logs_counts():
    x = np.array([[1.0, NAN], [NAN, NAN], [3.0, 5.0]])
    out, log = impute(x, ["i1", "i2"], "mean")
    np.testing.assert_array_equal(out, [[1, 5], [2, 5], [3, 5]])
    assert [(e.code, e.n_affected) for e in log] == [("i1", 1), ("i2", 2)]
    same, no_log = impute(x, ["i1", "i2"], None)
    np.testing.assert_array_equal(same, x)
    assert no_log == []
    with pytest.raises(KeyError, match="Group_X"):
        impute(x, ["i1", "i2"], "group_mean:Group_X", {})


def test_parse_impute():
    assert parse_impute(None) is None and parse_impute("none") is None
    assert parse_impute("median") == ImputeSpec("median")
    assert parse_impute("group_mean:Group_Region") == ImputeSpec("mean", "Group_Region")
    assert str(parse_impute("group_median:G")) == "group_median:G"
    for bad in ("avg", "group_mean", "group_mean:", "knn:G"):
        with pytest.raises(ValueError, match="unknown impute spec"):
            parse_impute(bad)
