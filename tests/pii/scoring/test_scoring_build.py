"""A full run on a 4-unit example computed by hand, and the Build mechanics."""

import numpy as np
import polars as pl
import pytest

from pii.scoring import Build, get_method, pii_imeta, score_coinr_tables
from pii.scoring.structure import Structure

NAN = np.nan

# i1, i2 -> P1 (weights 1, 1); i3 -> P2; P1, P2 -> IDX (weights 1, 3)
# i2 is "lower is better"; i3 is divided by Pop.
IMETA = pl.DataFrame(
    {
        "iCode": ["i1", "i2", "i3", "P1", "P2", "IDX", "Pop", "Group_R"],
        "Level": [1, 1, 1, 2, 2, 3, None, None],
        "Parent": ["P1", "P1", "P2", "IDX", "IDX", None, None, None],
        "Weight": [1.0, 1.0, 1.0, 1.0, 3.0, 1.0, None, None],
        "Direction": [1, -1, 1, 1, 1, 1, None, None],
        "Type": ["Indicator"] * 3 + ["Aggregate"] * 3 + ["Denominator", "Group"],
        "Denominator": [None, None, "Pop", None, None, None, None, None],
    }
)
IDATA = pl.DataFrame(
    {
        "uCode": ["A", "B", "C", "D"],
        "uName": ["Alpha", "Beta", "Gamma", "Delta"],
        "Group_R": ["n", "n", "s", "s"],
        "Pop": [10.0, 10.0, 10.0, 20.0],
        "i1": [0.0, 5.0, 10.0, None],
        "i2": [1.0, 2.0, 3.0, 5.0],
        "i3": [10.0, 20.0, 30.0, 40.0],
    }
)


def test_full_run_by_hand():
    # Denominated i3 = [1, 2, 3, 2]. No indicator fails the skew/kurtosis check.
    # Normalised: i1 [0, 50, 100, -]; i2 (dir -1) [100, 75, 50, 0]; i3 [0, 50, 100, 50]
    # P1 = mean(i1, i2): [50, 62.5, 75, 0]; P2 = i3
    # IDX = (P1 + 3 P2)/4: [12.5, 53.125, 93.75, 37.5] -> ranks C, B, D, A
    res = score_coinr_tables(IDATA, IMETA, method="coinr")
    w = res.wide()
    np.testing.assert_allclose(w["i2"].to_numpy(), [100, 75, 50, 0])
    np.testing.assert_allclose(w["P1"].to_numpy(), [50, 62.5, 75, 0])
    np.testing.assert_allclose(w["IDX"].to_numpy(), [12.5, 53.125, 93.75, 37.5])
    assert res.ranks_wide()["IDX"].to_list() == [4, 2, 1, 3]
    assert res.score()["rank"].to_list() == [4, 2, 1, 3]
    np.testing.assert_array_equal(res.data["Denominated"]["i3"].to_numpy(), [1, 2, 3, 2])
    assert list(res.data) == ["Raw", "Denominated", "Screened", "Imputed", "Treated", "Normalised", "Aggregated"]


def test_log_records_every_step_in_order():
    log = score_coinr_tables(IDATA, IMETA).log
    assert log["step"].unique(maintain_order=True).to_list() == ["denominate", "treat", "normalise", "aggregate"]
    treat_rows = log.filter(pl.col("step") == "treat")
    assert treat_rows["code"].to_list() == ["i1", "i2", "i3"]
    assert set(treat_rows["action"].to_list()) == {"none: passes"}
    assert log.filter(pl.col("code") == "i3", pl.col("step") == "denominate")["detail"].item() == "divided by 'Pop'"
    assert log.filter(pl.col("code") == "P1")["detail"].item() == "arithmetic mean of 2 children"


def test_screening_then_rescoring_by_hand():
    # D has 2 of 3 indicators (0.667) -> removed at threshold 0.9. Over A, B, C:
    # i1 [0, 50, 100]; i2 [100, 50, 0]; i3 [0, 50, 100]; P1 = [50, 50, 50]
    # IDX = (P1 + 3 i3)/4 = [12.5, 50, 87.5]
    res = score_coinr_tables(IDATA, IMETA, screen_threshold=0.9)
    assert res.units == ["A", "B", "C"]
    np.testing.assert_allclose(res.scores["IDX"], [12.5, 50, 87.5])
    assert res.log.filter(pl.col("action") == "unit removed")["code"].to_list() == ["D"]


def test_group_imputation_via_group_column():
    # D's i1 gets the mean of its group "s" = C's 10 -> normalised 100
    res = score_coinr_tables(IDATA, IMETA, impute="group_mean:Group_R")
    assert res.data["Imputed"]["i1"].to_list() == [0.0, 5.0, 10.0, 10.0]
    assert res.scores["i1"][3] == 100.0


def test_steps_must_run_in_order_and_results_need_aggregation():
    b = Build(IDATA, IMETA)
    with pytest.raises(RuntimeError, match="must follow"):
        b.treat()
    b.denominate().screen().impute()
    with pytest.raises(RuntimeError, match="aggregate"):
        b.result()
    res = b.treat(None).normalise().aggregate().result()
    np.testing.assert_allclose(res.scores["IDX"], [12.5, 53.125, 93.75, 37.5])


def test_bad_idata_is_reported():
    with pytest.raises(ValueError, match=r"no column for indicator.*i3"):
        score_coinr_tables(IDATA.drop("i3"), IMETA)
    with pytest.raises(ValueError, match=r"duplicates.*A"):
        score_coinr_tables(pl.concat([IDATA, IDATA.head(1)]), IMETA)
    with pytest.raises(ValueError, match=r"denominator.*Pop"):
        score_coinr_tables(IDATA.drop("Pop"), IMETA)
    with pytest.raises(ValueError, match="'i2' is not numeric"):
        score_coinr_tables(IDATA.with_columns(pl.col("i2").cast(pl.String) + "x"), IMETA)


def test_named_methods():
    assert get_method("coinr").treat.skew_thresh == 2.0
    assert get_method("gii").treat.log == "gii"
    assert get_method("none").treat is None
    assert get_method("none", impute="mean").impute == "mean"
    with pytest.raises(ValueError, match="unknown method"):
        get_method("oecd")


def test_long_output_and_strengths():
    res = score_coinr_tables(IDATA, IMETA)
    long = res.long()
    assert long.columns == ["uCode", "level", "code", "raw_value", "treated_value", "score", "rank"]
    row = long.filter(pl.col("uCode") == "D", pl.col("code") == "i3").row(0, named=True)
    # raw value is the iData value; treated value is after denomination (40/20)
    assert (row["level"], row["raw_value"], row["treated_value"], row["score"], row["rank"]) == (1, 40.0, 2.0, 50.0, 2)
    top = long.filter(pl.col("code") == "IDX", pl.col("uCode") == "C").row(0, named=True)
    assert top["raw_value"] is None and top["rank"] == 1
    sw = res.strengths_weaknesses(n=1)
    # A: i1 rank 3, i2 rank 1, i3 rank 4 -> strength i2, weakness i3
    a = sw.filter(pl.col("uCode") == "A")
    assert a["iCode"].to_list() == ["i2", "i3"] and a["rank"].to_list() == [1, 4]


def test_pii_top_levels_and_efficiency():
    # 7 pillars with one indicator each; input = mean(P1..P5), output = mean(P6, P7)
    codes = [f"x{k}" for k in range(1, 8)]
    lower = pl.DataFrame(
        {
            "iCode": codes + [f"P{k}" for k in range(1, 8)],
            "Level": [1] * 7 + [2] * 7,
            "Parent": [f"P{k}" for k in range(1, 8)] + [None] * 7,
            "Weight": [1.0] * 14,
            "Direction": [1] * 14,
            "Type": ["Indicator"] * 7 + ["Aggregate"] * 7,
        }
    )
    meta = pii_imeta(lower, [f"P{k}" for k in range(1, 6)], ["P6", "P7"])
    st = Structure.from_imeta(meta)
    assert st.top == "PII" and st.children("INPUT") == ("P1", "P2", "P3", "P4", "P5")
    data = pl.DataFrame({"uCode": ["u1", "u2", "u3"], **{c: [0.0, float(k), 10.0] for k, c in enumerate(codes)}})
    res = score_coinr_tables(data, meta, method="none")
    # u2 normalised scores: x_k = k*10 (k = 0..6): input = mean(0,10,20,30,40) = 20; output = mean(50, 60) = 55
    assert res.scores["INPUT"][1] == pytest.approx(20.0)
    assert res.scores["OUTPUT"][1] == pytest.approx(55.0)
    assert res.scores["PII"][1] == pytest.approx(37.5)
    assert res.efficiency()["efficiency"].to_list()[1] == pytest.approx(55.0 / 20.0)
    assert np.isnan(res.efficiency()["efficiency"].to_numpy()[0])  # input 0 -> no ratio
