"""Normalisation and aggregation on hand-computed values (plus COINr's published ones)."""

import numpy as np
import pytest

from pii.scoring.aggregate import AggregateSpec, aggregate, aggregate_level, aggregation_plan
from pii.scoring.normalise import NormaliseSpec, normalise, normalise_vector, rank_min
from pii.scoring.structure import Node, Structure

NAN = np.nan


def test_minmax_with_direction():
    x = np.array([2.0, 4.0, 6.0, 10.0, NAN])
    # (x - 2)/8 * 100
    np.testing.assert_array_equal(normalise_vector(x, 1)[0], [0, 25, 50, 100, NAN])
    # direction -1: -x in [-10, -2] -> (-x + 10)/8 * 100
    np.testing.assert_array_equal(normalise_vector(x, -1)[0], [100, 75, 50, 0, NAN])
    # onto [1, 100]: 1 + 99 * [0, .25, .5, 1]
    out = normalise_vector(x, 1, NormaliseSpec("minmax", (1.0, 100.0)))[0]
    np.testing.assert_allclose(out, [1, 25.75, 50.5, 100, NAN])


def test_coinr_normalise_unit_tests():
    # COINr tests/testthat/test-normalise.R: 1:10 onto l_u = c(2, 7); z-score with m_sd = c(5, 2)
    x = np.arange(1.0, 11.0)
    mm = normalise_vector(x, 1, NormaliseSpec("minmax", (2.0, 7.0)))[0]
    assert (mm.min(), mm.max()) == (2.0, 7.0)
    z = normalise_vector(x, 1, NormaliseSpec("zscore", (5.0, 2.0)))[0]
    assert z.mean() == pytest.approx(5.0) and z.std(ddof=1) == pytest.approx(2.0)


def test_zscore_and_rank_by_hand():
    # mean 2, sample sd 1
    np.testing.assert_allclose(normalise_vector(np.array([1.0, 2.0, 3.0]), 1, NormaliseSpec("zscore"))[0], [-1, 0, 1])
    np.testing.assert_allclose(
        normalise_vector(np.array([1.0, 2.0, 3.0]), 1, NormaliseSpec("zscore", (10.0, 2.0)))[0], [8, 10, 12]
    )
    np.testing.assert_array_equal(rank_min(np.array([3.0, 1.0, 3.0, NAN, 2.0])), [3, 1, 3, NAN, 2])
    np.testing.assert_array_equal(normalise_vector(np.array([3.0, 1.0, 2.0]), -1, NormaliseSpec("rank"))[0], [1, 3, 2])


def test_constant_indicator_is_nan_and_logged():
    x = np.column_stack([np.full(3, 4.0), [1.0, 2.0, 3.0]])
    out, log = normalise(x, ["flat", "ok"], [1, 1])
    assert np.isnan(out[:, 0]).all()
    np.testing.assert_array_equal(out[:, 1], [0, 50, 100])
    assert log[0].code == "flat" and log[0].action == "constant indicator"
    out50, _ = normalise(x, ["flat", "ok"], [1, 1], NormaliseSpec(constant_value=50.0))
    np.testing.assert_array_equal(out50[:, 0], [50, 50, 50])


def two_level() -> Structure:
    return Structure.from_nodes([Node("c1", 1, "P", 1.0, 1), Node("c2", 1, "P", 3.0, 1), Node("P", 2, None, 1.0, 1)])


def test_weighted_mean_skips_missing_and_rescales():
    # A: (1*40 + 3*80)/4 = 70; B: c1 missing -> 60; C: nothing -> missing
    x = np.array([[40.0, 80.0], [NAN, 60.0], [NAN, NAN]])
    scores, log = aggregate(x, two_level())
    np.testing.assert_array_equal(scores["P"], [70, 60, NAN])
    assert log[0].code == "P" and log[0].n_affected == 1


def test_data_threshold():
    x = np.array([[40.0, 80.0], [NAN, 60.0]])
    # B has 1 of 2 children = 0.5: below 0.6 -> missing; equal to 0.5 -> kept (COINr: NA if share < thresh)
    np.testing.assert_array_equal(aggregate(x, two_level(), AggregateSpec(dat_thresh=0.6))[0]["P"], [70, NAN])
    np.testing.assert_array_equal(aggregate(x, two_level(), AggregateSpec(dat_thresh=0.5))[0]["P"], [70, 60])


def test_published_a_amean_example():
    # COINr docs/reference/a_amean.html: a_amean(1:10, 10:1) = 4
    nodes = [Node(f"x{k}", 1, "P", float(11 - k), 1) for k in range(1, 11)] + [Node("P", 2, None, 1.0, 1)]
    plan = aggregation_plan(Structure.from_nodes(nodes))[0]
    assert aggregate_level(np.arange(1.0, 11.0)[None, :], plan)[0, 0] == pytest.approx(4.0, abs=1e-12)


def test_coinr_dat_thresh_unit_test():
    # COINr tests/testthat/test-aggregate.R: a row with 4 of 5 missing and dat_thresh 0.5 -> NA
    nodes = [Node(f"x{k}", 1, "P", float(k), 1) for k in range(1, 6)] + [Node("P", 2, None, 1.0, 1)]
    plan = aggregation_plan(Structure.from_nodes(nodes))[0]
    x = np.array([[NAN, NAN, NAN, NAN, 5.0], [1.0, 2.0, 3.0, 4.0, 5.0]])
    out = aggregate_level(x, plan, dat_thresh=0.5)[:, 0]
    assert np.isnan(out[0]) and out[1] == pytest.approx(np.average([1, 2, 3, 4, 5], weights=[1, 2, 3, 4, 5]))


def test_geometric_mean_by_hand():
    # 4 = 2^2, 16 = 2^4 with weights 1, 3: 2^((2 + 12)/4) = 2^3.5
    x = np.array([[4.0, 16.0], [NAN, 16.0]])
    out = aggregate(x, two_level(), AggregateSpec("geometric"))[0]["P"]
    np.testing.assert_allclose(out, [2**3.5, 16.0], rtol=1e-14)
    with pytest.raises(ValueError, match=r"positive values.*c1"):
        aggregate(np.array([[0.0, 16.0]]), two_level(), AggregateSpec("geometric"))


def test_bottom_up_three_levels_with_per_level_methods():
    st = Structure.from_nodes(
        [
            Node("a", 1, "P1", 1.0, 1),
            Node("b", 1, "P1", 1.0, 1),
            Node("c", 1, "P2", 1.0, 1),
            Node("P1", 2, "I", 1.0, 1),
            Node("P2", 2, "I", 1.0, 1),
            Node("I", 3, None, 1.0, 1),
        ]
    )
    x = np.array([[1.0, 9.0, 4.0]])
    # level 2 arithmetic: P1 = 5, P2 = 4; level 3 geometric: sqrt(5*4)
    scores = aggregate(x, st, AggregateSpec(("arithmetic", "geometric")))[0]
    assert (scores["P1"][0], scores["P2"][0]) == (5.0, 4.0)
    assert scores["I"][0] == pytest.approx(np.sqrt(20.0), rel=1e-14)
