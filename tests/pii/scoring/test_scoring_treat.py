"""Outlier treatment: hand-computed cases and values published by COINr."""

import numpy as np
import pytest

from pii.scoring.treat import (
    COINR_TREAT,
    GII_TREAT,
    TreatSpec,
    check_skew_kurt,
    kurt,
    log_ct,
    log_ct_plus,
    log_gii,
    skew,
    treat,
    treat_vector,
    winsorise,
)

# numbers 1..10 plus two outliers: the example in COINr's docs
X_DOC = np.array([*range(1, 11), 30, 100], dtype=float)


def test_skew_kurt_hand_computed():
    # x = 1,2,3,4,10: mean 4, d = -3,-2,-1,0,6, sum d^2 = 50, sum d^3 = 180, sum d^4 = 1394
    # skew = sqrt(5)*180/50^1.5 * sqrt(5*4)/3 = 12/sqrt(50) = 1.2*sqrt(2)   (Excel SKEW)
    # r = 5*1394/50^2 = 2.788; kurt = (6*(2.788-3)+6)*4/(3*2) = 3.152        (Excel KURT)
    x = np.array([1, 2, 3, 4, 10], dtype=float)
    assert skew(x) == pytest.approx(1.2 * np.sqrt(2), abs=1e-12)
    assert kurt(x) == pytest.approx(3.152, abs=1e-12)
    # NaNs are dropped (COINr na.rm = TRUE)
    assert skew(np.r_[x, np.nan]) == pytest.approx(skew(x), abs=1e-15)


def test_skew_kurt_undefined():
    assert np.isnan(skew(np.array([1.0, 2.0])))  # fewer than 3 values
    assert np.isnan(kurt(np.array([1.0, 2.0, 3.0])))  # fewer than 4 values
    assert np.isnan(skew(np.full(6, 7.0)))  # no spread
    assert check_skew_kurt(np.full(6, 7.0), 2, 3.5)[0] is None


def test_published_skew_kurt_of_doc_example():
    # COINr docs/articles/treat.html and docs/reference/Treat.numeric.html:
    # skew(x) 3.063241, kurt(x) 9.741391, check_SkewKurt(x)$Pass FALSE
    passed, sk, kt = check_skew_kurt(X_DOC, 2, 3.5)
    assert passed is False
    assert sk == pytest.approx(3.063241, abs=5e-7)
    assert kt == pytest.approx(9.741391, abs=5e-7)


def test_published_treat_winmax_2():
    # COINr docs/articles/treat.html: Treat(x, f1 = "winsorise", f1_para = list(winmax = 2))
    # winsorises one point; check_SkewKurt(l_treat$x): Pass TRUE, Skew 1.712038, Kurt 1.815781
    res = treat_vector(X_DOC, TreatSpec(winmax=2, log=None))
    assert res.action == "winsorised"
    assert res.nwin == 1
    np.testing.assert_array_equal(res.x, [*range(1, 11), 30, 30])
    assert res.skew_win == pytest.approx(1.712038, abs=5e-7)
    assert res.kurt_win == pytest.approx(1.815781, abs=5e-7)


def test_published_winsorise_example():
    # COINr docs/reference/winsorise.html: winsorise(c(1:10, 30, 100)) ->
    # x = 1..10, 30, 30; nwin = 1; treated = "winhi" at position 12 only
    x, nwin, flags = winsorise(X_DOC, winmax=5, skew_thresh=2, kurt_thresh=3.5)
    np.testing.assert_array_equal(x, [*range(1, 11), 30, 30])
    assert nwin == 1
    np.testing.assert_array_equal(flags, [0] * 11 + [1])


def test_coinr_unit_test_cases():
    # COINr tests/testthat/test-treat.R: c(1:10, 100) winsorised -> the 100 becomes 10
    x = np.array([*range(1, 11), 100], dtype=float)
    res = treat_vector(x, COINR_TREAT)
    assert res.x[-1] == 10 and res.passed is True
    np.testing.assert_array_equal(res.x[:10], x[:10])
    # c(1:20, 100, 200) with winmax 1 still fails after winsorising ...
    x = np.array([*range(1, 21), 100, 200], dtype=float)
    res = treat_vector(x, TreatSpec(winmax=1, log=None))
    assert res.action == "winsorised: still fails"
    # ... so the second function is applied to the UNTREATED x: log_CT = log(x - 1 + 0.01*199)
    res = treat_vector(x, TreatSpec(winmax=1, log="ct"))
    assert res.action.startswith("log_ct")
    np.testing.assert_allclose(res.x, np.log(x - 1 + 1.99), rtol=0, atol=1e-14)


def test_ties_are_winsorised_together_and_counted():
    # 1..15 plus two tied outliers 100, 100 (skew 2.52, kurt 5.13: fails):
    # one step moves both to 15 -> nwin 2, and then it passes
    x = np.array([*range(1, 16), 100, 100], dtype=float)
    res = treat_vector(x, COINR_TREAT)
    np.testing.assert_array_equal(res.x, [*range(1, 16), 15, 15])
    assert res.nwin == 2 and res.passed is True
    np.testing.assert_array_equal(res.flags, [0] * 15 + [1, 1])
    # the tie group is replaced whole even if that exceeds winmax (COINr behaviour)
    assert treat_vector(x, TreatSpec(winmax=1)).nwin == 2


def test_negative_skew_winsorises_low_side():
    x = -X_DOC
    res = treat_vector(x, COINR_TREAT)
    np.testing.assert_array_equal(res.x, -np.array([*range(1, 11), 30, 30], dtype=float))
    np.testing.assert_array_equal(res.flags, [0] * 11 + [-1])


def test_winmax_zero_goes_straight_to_log_of_untreated_values():
    res = treat_vector(X_DOC, TreatSpec(winmax=0, log="ct"))
    lo, hi = 1.0, 100.0
    np.testing.assert_allclose(res.x, np.log(X_DOC - lo + 0.01 * (hi - lo)), rtol=0, atol=1e-14)
    assert res.nwin == 0


def test_log_formulas_by_hand():
    x = np.array([1.0, 2.0, 3.0, 10.0])
    # GII: ln[(max-1)(x-min)/(max-min)+1] with min 1, max 10 -> ln[(x-1)+1] = ln x
    np.testing.assert_allclose(log_gii(x), np.log(x), rtol=0, atol=1e-14)
    # COINr log_CT: ln(x - 1 + 0.09)
    np.testing.assert_allclose(log_ct(x), np.log(x - 1 + 0.09), rtol=0, atol=1e-14)
    # log_CT_plus mirrors for negative skew: -ln(max + a - x) with a = 0.09
    y = -x
    np.testing.assert_allclose(log_ct_plus(y), -np.log(-1 + 0.09 - y), rtol=0, atol=1e-14)


def test_gii_method_uses_gii_thresholds_and_log():
    assert (GII_TREAT.skew_thresh, GII_TREAT.kurt_thresh, GII_TREAT.winmax, GII_TREAT.log) == (2.25, 3.5, 5, "gii")
    # a vector needing more than 5 winsorised points falls back to the GII log of raw values
    x = np.round(1000 / (np.arange(63.0) + 1) ** 2.5, 4)
    res = treat_vector(x, GII_TREAT)
    assert res.action.startswith("log_gii")
    np.testing.assert_allclose(res.x, log_gii(x), rtol=0, atol=1e-14)


def test_untreated_when_statistics_undefined():
    res = treat_vector(np.array([5.0, 5.0, 5.0, 5.0, 5.0]))
    assert res.action.startswith("untreated")
    res = treat_vector(np.array([1.0, 2.0, 100.0]))
    assert res.action.startswith("untreated") or res.action.startswith("none")
    np.testing.assert_array_equal(res.x, [1.0, 2.0, 100.0])


def test_treat_matrix_and_log():
    x = np.column_stack([X_DOC, np.arange(12.0)])
    out, log, flags = treat(x, ["out", "ok"], COINR_TREAT)
    assert out[-1, 0] == 30 and flags[-1, 0] == 1
    assert out[:, 1].tobytes() == x[:, 1].tobytes()  # untouched column bit-identical
    by_code = {e.code: e for e in log}
    assert by_code["out"].action == "winsorised" and by_code["out"].n_affected == 1
    assert by_code["out"].values["skew_raw"] == pytest.approx(3.063241, abs=5e-7)
    assert by_code["ok"].action == "none: passes"
    # treatment off copies the data
    off, log_off, _ = treat(x, ["out", "ok"], None)
    assert off.tobytes() == x.tobytes() and log_off == []


def test_bad_log_kind_rejected():
    with pytest.raises(ValueError, match="log must be"):
        TreatSpec(log="box-cox")
