"""The published what-if gains are rounded up to 6 significant digits: never below the search's answer (the
improvement still gains the ranks), at most one unit of the 6th digit above it, the same for inputs that
differ in their last bits."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from assets.pii.whatif import GAIN_DIGITS, ceil_significant


def _ceil(values: list[float | None]) -> list[float | None]:
    frame = pl.DataFrame({"g": values}, schema={"g": pl.Float64})
    return frame.select(ceil_significant("g", GAIN_DIGITS))["g"].to_list()


def test_rounded_up_to_six_digits() -> None:
    values = [0.0123456789, 123.4561, 5.0, 1.23456789e-9, 7.0000001, 98765.4321]
    got = _ceil(values)
    assert got == pytest.approx([0.0123457, 123.457, 5.0, 1.23457e-09, 7.00001, 98765.5], rel=1e-12)
    for x, y in zip(values, got, strict=True):
        assert y >= x  # never less improvement than the search found
        assert y - x <= 10.0 ** (math.floor(math.log10(x)) - GAIN_DIGITS + 1) * (1 + 1e-9)


def test_nulls_and_non_positive_values_unchanged() -> None:
    assert _ceil([None, 0.0, -2.5]) == [None, 0.0, -2.5]


def test_last_bit_noise_does_not_change_the_published_value() -> None:
    rng = np.random.default_rng(9)
    values = (10.0 ** rng.uniform(-4, 4, 2000)).tolist()
    nudged = np.nextafter(np.array(values), np.inf).tolist()
    same = sum(a == b for a, b in zip(_ceil(values), _ceil(nudged), strict=True))
    assert same >= 1998  # a flip needs a value within one ulp of a 6-digit boundary
