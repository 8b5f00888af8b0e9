"""Monte Carlo rank uncertainty and the what-if analysis."""

import numpy as np
import polars as pl
import pytest

from pii.scoring import rank_uncertainty, score_coinr_tables, what_if

# two indicators on 0..100 (so normalised = raw), equal weights, one level up
# scores (x1 + x2)/2: U0 50, U1 10, U2 35, U3 55, U4 50, U5 80
IMETA = pl.DataFrame(
    {
        "iCode": ["x1", "x2", "IDX", "Pop"],
        "Level": [1, 1, 2, None],
        "Parent": ["IDX", "IDX", None, None],
        "Weight": [1.0, 1.0, 1.0, None],
        "Direction": [1, 1, 1, None],
        "Type": ["Indicator", "Indicator", "Aggregate", "Denominator"],
    }
)
IDATA = pl.DataFrame(
    {
        "uCode": [f"U{k}" for k in range(6)],
        "x1": [0.0, 20.0, 40.0, 60.0, 80.0, 100.0],
        "x2": [100.0, 0.0, 30.0, 50.0, 20.0, 60.0],
        "Pop": [2.0] * 6,
    }
)


def test_whatif_by_hand_min_max():
    # U2 scores 35, rank 5 (U5 80, U3 55, U0 50, U4 50 above). One more point of x1 or x2 is
    # worth 0.5 index points. Rank <= 4 needs score >= 50 (joining U0/U4): +30 on either
    # indicator; rank <= 2 needs 55: +40; rank <= 0 is impossible.
    out = what_if(IDATA, IMETA, "U2", method="none")
    assert out["iCode"].to_list() == ["x1", "x2"]
    assert out["index_rank"].to_list() == [5, 5] and out["index_score"].to_list() == [35.0, 35.0]
    np.testing.assert_allclose(out["points_per_unit"].to_numpy(), [0.5, 0.5], rtol=1e-9)
    np.testing.assert_allclose(out["gain_1_rank"].to_numpy(), [30.0, 30.0], atol=1e-6)
    np.testing.assert_allclose(out["gain_3_ranks"].to_numpy(), [40.0, 40.0], atol=1e-6)
    assert out["gain_5_ranks"].null_count() == 2


def test_whatif_direction_and_denominator():
    # x2 flipped (100 - x2, lower is better) gives the same normalised scores;
    # x1 stored as a numerator over Pop = 2, so raw units are twice as large.
    meta = IMETA.with_columns(
        pl.when(pl.col("iCode") == "x2").then(-1).otherwise(pl.col("Direction")).alias("Direction"),
        pl.when(pl.col("iCode") == "x1").then(pl.lit("Pop")).otherwise(None).alias("Denominator"),
    )
    data = IDATA.with_columns(pl.col("x1") * 2, (100 - pl.col("x2")).alias("x2"))
    out = what_if(data, meta, "U2", method="none")
    np.testing.assert_allclose(out["points_per_unit"].to_numpy(), [0.25, 0.5], rtol=1e-9)
    np.testing.assert_allclose(out["gain_1_rank"].to_numpy(), [60.0, 30.0], atol=1e-6)
    assert out["direction"].to_list() == [1, -1]


def test_whatif_best_unit_and_errors():
    out = what_if(IDATA, IMETA, "U5", method="none")  # already first: nothing to gain
    assert out["gain_1_rank"].null_count() == 2
    with pytest.raises(ValueError, match="not in the scored data"):
        what_if(IDATA, IMETA, "ZZ")


def test_whatif_with_treatment_matches_rerun():
    # with COINr treatment the reported gain must really achieve the rank when re-run
    i = np.arange(30.0)
    data = pl.DataFrame(
        {
            "uCode": [f"U{k:02d}" for k in range(30)],
            "x1": np.round(5 + 4 * np.sin(i * 0.7), 3),
            "x2": np.round(50 + 10 * np.cos(i), 3),
            "Pop": [1.0] * 30,
        }
    )
    data = data.with_columns(pl.when(pl.col("uCode") == "U03").then(90.0).otherwise(pl.col("x1")).alias("x1"))
    out = what_if(data, IMETA, "U10", method="coinr").row(0, named=True)
    gain = out["gain_1_rank"]
    assert gain is not None and gain > 0
    bumped = data.with_columns(
        pl.when(pl.col("uCode") == "U10").then(pl.col("x1") + gain * (1 + 1e-9)).otherwise(pl.col("x1")).alias("x1")
    )
    res = score_coinr_tables(bumped, IMETA, method="coinr")
    assert res.score()["rank"][10] <= out["index_rank"] - 1


def test_uncertainty_deterministic_and_consistent():
    a = rank_uncertainty(IDATA, IMETA, n_reps=60, seed=11)
    b = rank_uncertainty(IDATA, IMETA, n_reps=60, seed=11)
    assert a.equals(b)
    assert not a.equals(rank_uncertainty(IDATA, IMETA, n_reps=60, seed=12))
    assert a.columns == ["uCode", "nominal_rank", "median_rank", "p05_rank", "p95_rank"]
    nominal = score_coinr_tables(IDATA, IMETA, method="coinr").score()
    assert dict(zip(a["uCode"], a["nominal_rank"], strict=True)) == dict(
        zip(nominal["uCode"], nominal["rank"], strict=True)
    )
    assert (a["p05_rank"] <= a["median_rank"]).all() and (a["median_rank"] <= a["p95_rank"]).all()
    assert a["p05_rank"].min() >= 1 and a["p95_rank"].max() <= 6


def test_uncertainty_without_variation_is_the_nominal_rank():
    out = rank_uncertainty(
        IDATA, IMETA, n_reps=5, seed=0, weight_jitter=0.0, vary_treatment=False, vary_aggregation=False
    )
    nominal = out["nominal_rank"].cast(pl.Float64)
    assert out["median_rank"].equals(nominal.alias("median_rank"))
    assert out["p05_rank"].equals(nominal.alias("p05_rank"))
    # U1 (score 10) is last whatever the weights, U5 (80) first
    jittered = rank_uncertainty(IDATA, IMETA, n_reps=200, seed=3)
    ranks = dict(zip(jittered["uCode"], jittered["p95_rank"], strict=True))
    assert ranks["U5"] == 1.0 and dict(zip(jittered["uCode"], jittered["p05_rank"], strict=True))["U1"] == 6.0
