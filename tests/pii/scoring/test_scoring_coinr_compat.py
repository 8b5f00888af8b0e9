"""Agreement with COINr's numbers at COINr's default settings (to 1e-6).

The expected values below were produced by running COINr 1.1.x's own R
functions - ``skew``, ``kurt``, ``check_SkewKurt``, ``winsorise``, ``log_CT``
(R/treat.R), ``n_minmax`` (R/normalise.R) and ``a_amean`` (R/aggregate.R),
copied verbatim into a scratch script outside this repository and glued as
``Treat.numeric``/``Normalise``/``Aggregate.coin`` do - under R 4.2.2, on the
formula-generated data of ``coinr_example()``. They are computed values, not
values published in COINr's documentation; the published ones are tested in
test_scoring_treat.py and test_scoring_normalise_aggregate.py. The same
scratch setup was also run on 800 random vectors (ties, NAs, both skew signs,
winmax 2 and 5, log fallback), all identical to treat_vector's output.
"""

import numpy as np
import polars as pl
import pytest

from pii.scoring import score_coinr_tables


def coinr_example() -> tuple[pl.DataFrame, pl.DataFrame]:
    i = np.arange(63.0)
    a = np.round(50 + 10 * np.sin(i * 1.3), 4)  # passes the check
    b = np.round(5 + 4 * np.sin(i * 0.7), 4)
    b[4] = 95.0  # one outlier: 1 point winsorised
    c = np.round(5 + 4 * np.cos(i * 0.9), 4)
    c[2] = c[9] = 80.0  # tied outliers: 2 points in one step
    d = np.round(1000 / (i + 1) ** 2.5, 4)  # 5 points not enough: log_CT of raw values
    e = np.round(65 + 3 * np.sin(i * 2.1), 4)
    e[7] = 2.0  # low outlier, negative skew
    f = np.round(0.5 + 0.4 * np.sin(i * 1.7), 4)
    f[11] = 9.5
    f[3] = f[12] = np.nan  # missing values
    idata = pl.DataFrame({"uCode": [f"U{k:02d}" for k in range(63)], "a": a, "b": b, "c": c, "d": d, "e": e, "f": f})
    idata = idata.with_columns(pl.col("f").fill_nan(None))
    imeta = pl.DataFrame(
        {
            "iCode": ["a", "b", "c", "d", "e", "f", "P1", "P2", "IDX"],
            "Level": [1, 1, 1, 1, 1, 1, 2, 2, 3],
            "Parent": ["P1", "P1", "P1", "P2", "P2", "P2", "IDX", "IDX", None],
            "Weight": [1.0, 2.0, 1.0, 1.0, 1.0, 0.5, 2.0, 1.0, 1.0],
            "Direction": [1, 1, -1, 1, -1, 1, 1, 1, 1],
            "Type": ["Indicator"] * 6 + ["Aggregate"] * 3,
        }
    )
    return idata, imeta


# uCode: (P1, P2, IDX) from COINr's functions in R
R_AGGREGATES = {
    "U00": (37.3087801147134, 68.68417541885061, 47.7672452160924),
    "U01": (70.4824105031558, 45.30031755790925, 62.0883795214069),
    "U02": (68.6470204425217, 62.35437415111834, 66.5494716787206),
    "U03": (74.8680200782644, 38.24809613787275, 62.6613787648005),
    "U04": (75.7173775304190, 24.01070638687766, 58.4818204825719),
    "U05": (46.6411902959716, 62.28208049141262, 51.8548203611186),
    "U06": (32.4748484359225, 25.88808848940933, 30.2792617870847),
    "U07": (16.4959186699088, 47.60009386558478, 26.8639770684674),
    "U08": (16.0174024805666, 59.47163499257372, 30.5021466512357),
    "U09": (28.1950251473217, 33.92650391273776, 30.1055180691270),
    "U10": (83.6199834586911, 2.84881539944125, 56.6962607722744),
    "U11": (98.7958142435372, 59.62683177376126, 85.7394867536119),
    "U12": (75.5250030814101, 23.15670344192603, 58.0689032015821),
    "U59": (63.1816382008803, 47.64130799741890, 58.0015281330598),
    "U60": (44.0121622513978, 31.50507096963048, 39.8431318241420),
    "U61": (18.2692737997585, 14.37611788585170, 16.9715551617895),
    "U62": (15.7948725759042, 40.10515773660491, 23.8983009628044),
}
# treated values from R: (uCode, code, value)
R_TREATED = [
    ("U00", "b", 5.0),
    ("U00", "c", 9.0),
    ("U00", "d", 6.91767390933285),
    ("U00", "e", 65.0),
    ("U01", "d", 5.22974235238941),
    ("U02", "c", 9.0),
    ("U02", "d", 4.30565818841872),
    ("U62", "d", 2.30255339249159),
    ("U62", "b", 2.8002),
]
# normalised values from R: (uCode, code, value)
R_NORMALISED = [
    ("U02", "b", 99.3888888888889),
    ("U03", "c", 97.48364883717950136),
    ("U04", "b", 100.0),
    ("U04", "e", 0.465435127724127),
    ("U07", "c", 0.00767960680413647),
    ("U07", "e", 100.0),
    ("U09", "b", 50.4684343434344),
    ("U11", "f", 100.0),
    ("U04", "f", 74.724586880320487),
]


@pytest.fixture(scope="module")
def result():
    idata, imeta = coinr_example()
    return score_coinr_tables(idata, imeta, method="coinr")


def test_treatment_decisions_match_coinr(result):
    log = result.treatment_log
    actions = dict(zip(log["code"], log["action"], strict=True))
    nwin = dict(zip(log["code"], log["n_winsorised"], strict=True))
    # R: a pass 0 / b win 1 / c win 2 / d log (after 5) / e win 1 / f win 1
    assert actions == {
        "a": "none: passes",
        "b": "winsorised",
        "c": "winsorised",
        "d": "log_ct: still fails",
        "e": "winsorised",
        "f": "winsorised",
    }
    assert [nwin[c] for c in "abcdef"] == [0, 1, 2, 5, 1, 1]


def test_treated_values_match_coinr(result):
    treated = result.data["Treated"]
    for unit, code, expected in R_TREATED:
        got = treated.filter(pl.col("uCode") == unit)[code].item()
        assert got == pytest.approx(expected, abs=1e-6), (unit, code)


def test_normalised_values_match_coinr(result):
    norm = result.data["Normalised"]
    for unit, code, expected in R_NORMALISED:
        got = norm.filter(pl.col("uCode") == unit)[code].item()
        assert got == pytest.approx(expected, abs=1e-6), (unit, code)
    assert norm.filter(pl.col("uCode") == "U03")["f"].is_null().item()  # missing stays missing


def test_aggregates_match_coinr(result):
    pos = {u: k for k, u in enumerate(result.units)}
    for unit, (p1, p2, idx) in R_AGGREGATES.items():
        k = pos[unit]
        assert result.scores["P1"][k] == pytest.approx(p1, abs=1e-6), unit
        assert result.scores["P2"][k] == pytest.approx(p2, abs=1e-6), unit
        assert result.scores["IDX"][k] == pytest.approx(idx, abs=1e-6), unit
