"""The exact what-if path (min-max, no treatment, arithmetic) equals the general re-run path."""

import numpy as np
import polars as pl
import pytest

from pii.scoring import score_coinr_tables
from pii.scoring.methods import get_method
from pii.scoring.whatif import what_if, what_if_all
from pii.scoring.whatif_fast import is_linear

# three levels, unequal weights, a lower-is-better indicator and one denominated indicator
IMETA = pl.DataFrame(
    {
        "iCode": ["x1", "x2", "x3", "x4", "x5", "P1", "P2", "IDX", "Pop"],
        "Level": [1, 1, 1, 1, 1, 2, 2, 3, None],
        "Parent": ["P1", "P1", "P2", "P2", "P2", "IDX", "IDX", None, None],
        "Weight": [1.0, 2.0, 1.0, 1.0, 0.5, 1.0, 1.5, 1.0, None],
        "Direction": [1, -1, 1, 1, -1, 1, 1, 1, None],
        "Type": ["Indicator"] * 5 + ["Aggregate"] * 3 + ["Denominator"],
        "Denominator": [None, None, None, "Pop", None, None, None, None, None],
    }
)
COLS = ["points_per_unit", "gain_1_rank", "gain_3_ranks", "gain_5_ranks"]


def random_case(seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 14))
    x = np.round(rng.normal(size=(n, 5)) * 10, 3)
    if seed % 3 == 0:
        x[rng.integers(n), rng.integers(5)] = np.nan  # a gap: the engine rescales over present children
    if seed % 4 == 0:
        x[:2, 0] = np.nanmin(x[:, 0])  # a tie at the minimum
    if seed % 5 == 0:
        x[:2, 2] = np.nanmax(x[:, 2])  # a tie at the maximum
    data = {f"x{j + 1}": x[:, j] for j in range(5)}
    frame = pl.DataFrame({"uCode": [f"u{i:02d}" for i in range(n)], **data, "Pop": rng.uniform(0.5, 3, n)})
    return frame.with_columns(pl.col(c).fill_nan(None) for c in data)


def assert_same(fast: pl.DataFrame, general: pl.DataFrame, span_tol: float = 1e-5) -> None:
    assert fast.select("uCode", "iCode", "index_rank").equals(general.select("uCode", "iCode", "index_rank"))
    for col in COLS:
        a, b = fast[col].to_numpy().astype(float), general[col].to_numpy().astype(float)
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=col)
        ok = ~np.isnan(a)
        # finite differences of the general path carry rounding noise; bisection stops at 1e-9 of the range
        np.testing.assert_allclose(a[ok], b[ok], rtol=1e-4, atol=span_tol, err_msg=col)


@pytest.mark.parametrize("seed", range(30))
def test_fast_equals_general_on_random_small_cases(seed):
    data = random_case(seed)
    fast = what_if_all(data, IMETA, method="none", path="fast")
    general = what_if_all(data, IMETA, method="none", path="general", rel_step=1e-9)
    assert_same(fast, general)


def test_auto_picks_fast_only_for_the_linear_method():
    assert is_linear(get_method("none"))
    assert not is_linear(get_method("coinr"))
    assert not is_linear(get_method("none", impute="mean"))
    data = random_case(1)
    with pytest.raises(ValueError, match="fast what-if needs"):
        what_if_all(data, IMETA, method="coinr", path="fast")
    assert what_if_all(data, IMETA, method="none").equals(what_if_all(data, IMETA, method="none", path="fast"))


# one indicator on 0..100 so normalised = raw; x2 fixed; IDX = (x1 + x2)/2
SIMPLE = pl.DataFrame(
    {
        "iCode": ["x1", "x2", "IDX"], "Level": [1, 1, 2], "Parent": ["IDX", "IDX", None],
        "Weight": [1.0, 1.0, 1.0], "Direction": [1, 1, 1], "Type": ["Indicator", "Indicator", "Aggregate"],
    }
)


def test_unique_minimum_moves_the_normalisation_of_everyone():
    # IDX: u0 (0 + 37.5)/2 = 18.75, u1 (20 + 25)/2 = 22.5, u2 75, u3 50. u0 is the unique minimum of x1
    # (10): raising it moves the minimum L with it up to 30 (u1's value), so its own x1 score stays 0
    # (points_per_unit 0) while u1's (30 - L)/(110 - L) x 100 falls; u1 drops to 18.75 at L = 130/7.
    data = pl.DataFrame({"uCode": ["u0", "u1", "u2", "u3"], "x1": [10.0, 30.0, 60.0, 110.0],
                         "x2": [30.0, 20.0, 80.0, 0.0]})
    fast = what_if(data, SIMPLE, "u0", method="none", path="fast").row(0, named=True)
    general = what_if(data, SIMPLE, "u0", method="none", path="general", rel_step=1e-9).row(0, named=True)
    assert fast["points_per_unit"] == 0.0 and abs(general["points_per_unit"]) < 1e-6
    assert fast["index_rank"] == 4 and fast["gain_1_rank"] == pytest.approx(130 / 7 - 10, abs=1e-6)
    assert fast["gain_1_rank"] == pytest.approx(general["gain_1_rank"], abs=1e-6)
    # re-score with the engine: the reported improvement achieves the rank
    bumped = data.with_columns(pl.when(pl.col("uCode") == "u0").then(pl.col("x1") + fast["gain_1_rank"])
                               .otherwise(pl.col("x1")).alias("x1"))
    assert score_coinr_tables(bumped, SIMPLE, method="none").score()["rank"][0] <= fast["index_rank"] - 1


def test_extremes_by_hand():
    # IDX: a (100 + 0)/2 = 50, b (50 + 80)/2 = 65, c (0 + 100)/2 = 50 -> ranks a 2, b 1, c 2
    data = pl.DataFrame({"uCode": ["a", "b", "c"], "x1": [100.0, 50.0, 0.0], "x2": [0.0, 80.0, 100.0]})
    out = what_if_all(data, SIMPLE, method="none", path="fast").filter(pl.col("iCode") == "x1")
    a, b, c = out.iter_rows(named=True)
    # a is the best on x1: no room, and pushing past the maximum leaves its own score unchanged
    assert a["points_per_unit"] == 0.0 and a["gain_1_rank"] is None
    # b is already first: an interior slope of 0.5 index points per point of x1, nothing to climb
    assert b["points_per_unit"] == pytest.approx(0.5) and b["gain_1_rank"] is None
    # c is the unique minimum: the minimum L follows it, its own x1 score stays 0 (slope 0) while b's
    # (50 - L)/(100 - L) x 100 falls; b drops to 50 (c's score) at L = 37.5, where c shares rank 1
    assert c["points_per_unit"] == 0.0
    assert c["gain_1_rank"] == pytest.approx(37.5, abs=1e-6)
    general = what_if_all(data, SIMPLE, method="none", path="general", rel_step=1e-9).filter(pl.col("iCode") == "x1")
    assert_same(out, general)


def test_constant_others_fall_back_to_the_general_path():
    # every other unit equal on x1: improving u0 to their value would make x1 constant (NaN, skipped)
    data = pl.DataFrame({"uCode": ["u0", "u1", "u2", "u3"], "x1": [1.0, 5.0, 5.0, 5.0],
                         "x2": [90.0, 10.0, 20.0, 30.0]})
    fast = what_if_all(data, SIMPLE, method="none", path="fast")
    general = what_if_all(data, SIMPLE, method="none", path="general", rel_step=1e-9)
    assert_same(fast, general)


def test_denominated_indicator_reports_raw_numerator_units():
    data = random_case(7)
    fast = what_if_all(data, IMETA, method="none", path="fast").filter(pl.col("iCode") == "x4")
    general = what_if_all(data, IMETA, method="none", path="general", rel_step=1e-9).filter(pl.col("iCode") == "x4")
    assert_same(fast, general)
    assert fast["gain_1_rank"].drop_nulls().len() > 0
