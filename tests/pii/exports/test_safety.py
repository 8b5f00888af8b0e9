"""Formula-like text: which texts count, and how CSV exports defuse them."""

from __future__ import annotations

import polars as pl
import pytest

from pii.exports.safety import is_formula_like, neutralise_text_columns


@pytest.mark.parametrize("text", ["=1+1", "+84 24", "-2", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("x")'])
def test_formula_starts_are_caught(text: str) -> None:
    assert is_formula_like(text)


@pytest.mark.parametrize("text", ["Hà Nội", "1-2", "", " =1", "Bà Rịa – Vũng Tàu", "'=1"])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert not is_formula_like(text)


def test_csv_neutralising_prefixes_formula_like_text_only() -> None:
    frame = pl.DataFrame({"name": ["=1+1", "Hà Nội", None, "-x", "@a"], "value": [-1.5, 2.0, None, -3.0, 0.0]})
    safe = neutralise_text_columns(frame)
    assert safe["name"].to_list() == ["'=1+1", "Hà Nội", None, "'-x", "'@a"]
    assert safe["value"].to_list() == frame["value"].to_list()  # negative numbers are numbers, not text
