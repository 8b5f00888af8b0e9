"""A file's number convention (pii.parsing.number_convention) and units typed in cells (pii.parsing.units)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pii.parsing.number_convention import (
    NumberConvention,
    NumberFormatError,
    ValueCell,
    decide_convention,
    declared_decimal,
    shown_mark,
)
from pii.parsing.numbers import parse_number
from pii.parsing.units import canonical_unit, same_unit, split_unit


def _file(*texts: str, declared: str | None = None) -> NumberConvention:
    return decide_convention([ValueCell(t, f"row {i}, column C") for i, t in enumerate(texts, 1)], declared)  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "mark"), [
    ("4,95", ","), ("1.234,5", ","), ("1.234.567", ","), ("0,125", ","), ("1234,567", ","), ("1 234,5", ","),
    ("1,2e-3", ","), (",5", ","), ("12,5 %", ","), ("1.234,5 người", ","),
    ("4.95", "."), ("1,234.5", "."), ("1,234,567", "."), ("0.125", "."), ("1.2E+03", "."),
    ("42", None), ("1 234", None), ("1.234", None), ("3,911", None), ("abc", None), ("..", None), ("NaN", None),
])
def test_the_decimal_mark_a_cell_shows_by_itself(text: str, mark: str | None) -> None:
    assert shown_mark(text) == mark


def test_one_shown_mark_decides_the_file_and_two_way_cells_follow_it() -> None:
    vi = _file("3,911", "4,95", "1.234")
    assert vi.decimal == "," and vi.shown == ((",", "'4,95' (row 2, column C)"),)
    assert [vi.read(t).value for t in ("3,911", "1.234", "1,234.5")] == [3.911, 1234.0, 1234.5]
    en = _file("3,911", "0.5")
    assert en.decimal == "." and en.read("3,911").value == 3911.0


def test_a_file_that_shows_nothing_reads_no_two_way_cell() -> None:
    undecided = _file("3,911", "4,102", "12")
    assert undecided.decimal is None
    reading = undecided.read("3,911")
    assert reading.value is None and reading.problem == "ambiguous_number"
    assert reading.message.startswith("'3,911' is 3911 if ',' separates thousands but 3.911 if ',' is the decimal mark")
    assert "no other number in the file shows" in reading.message
    assert undecided.read("12").value == 12.0 and undecided.read("4,95").value == 4.95  # one reading: read


def test_a_file_writing_decimals_both_ways_reads_no_two_way_cell() -> None:
    mixed = _file("1.234,5", "1,234.5", "2.500")
    assert mixed.decimal is None
    assert mixed.read("1.234,5").value == 1234.5 and mixed.read("1,234.5").value == 1234.5
    message = mixed.read("2.500").message
    assert "the file writes decimals both ways ('1.234,5' (row 1, column C) with ',', '1,234.5' (row 2, column C) " \
           "with '.')" in message


def test_a_declaration_decides_unless_the_file_contradicts_it() -> None:
    assert _file("3,911", declared=",").read("3,911").value == 3.911
    assert _file("3,911", "4,95", declared=",").decimal == ","
    contradicted = _file("3,911", "0.5", declared=",")
    assert contradicted.decimal is None
    assert "sources.yaml declares ',' as this source's decimal mark but the file writes '0.5' (row 2, column C)" in (
        contradicted.read("3,911").message)


@pytest.mark.parametrize(("text", "value", "unit"), [
    ("12 %", 12.0, "%"), ("12%", 12.0, "%"), ("1.234 người", 1234.0, "người"), ("5 tỷ đồng", 5.0, "tỷ đồng"),
    ("12 DN", 12.0, "DN"), ("12DN", 12.0, "DN"), ("7,5 điểm", 7.5, "điểm"), ("(5) tỷ", -5.0, "tỷ"),
    ("3 tr.đ/người", 3.0, "tr.đ/người"), ("1O", 10.0, ""), ("12", 12.0, ""),
])
def test_a_unit_after_the_number_is_returned_with_it(text: str, value: float, unit: str) -> None:
    reading = NumberConvention(",").read(text)
    assert (reading.value, reading.unit, reading.problem) == (value, unit, None)


@pytest.mark.parametrize("text", ["inf", "-inf", "NaN", "∞", "Infinity", "#NUM!", "khoảng 5", "5 (ước tính)", "abc"])
def test_non_numbers_are_not_a_number_under_any_convention(text: str) -> None:
    for convention in (NumberConvention(","), NumberConvention("."), NumberConvention(None)):
        reading = convention.read(text)
        assert reading.value is None and not reading.missing and reading.problem == "not_a_number"
        assert reading.message.startswith(f"cannot read '{text}' as a number (")


def test_missing_markers_stay_missing() -> None:
    assert NumberConvention(None).read("..").missing and NumberConvention(",").read("-").missing


@pytest.mark.parametrize(("fmt", "expected"), [
    ("auto", None), ({"decimal": ","}, ","), ({"decimal": ",", "thousands": "."}, ","),
    ({"decimal": ".", "thousands": ","}, "."), ({"decimal": ",", "thousands": " "}, ","),
])
def test_number_format_declarations(fmt: object, expected: str | None) -> None:
    assert declared_decimal({"number_format": fmt}, "sources.yaml: source 'papi'") == expected
    assert declared_decimal({}, "x") is None


@pytest.mark.parametrize("fmt", ["vi", {"decimal": ";"}, {"decimal": ",", "thousands": ","}, {"decimal": ",", "x": 1}])
def test_invalid_number_format_names_source_and_key(fmt: object) -> None:
    with pytest.raises(NumberFormatError, match=r"sources.yaml: source 'papi': number_format"):
        declared_decimal({"number_format": fmt}, "sources.yaml: source 'papi'")


@pytest.mark.parametrize(("written", "expected", "same"), [
    ("tỷ đồng", "billion VND", True), ("Tỷ Đồng", "billion VND", True), ("ty dong", "billion VND", True),
    ("triệu đồng", "billion VND", False), ("đ", "billion VND", False), ("người", "persons", True),
    ("người", "Nghìn người", False), ("nghìn người", "Nghìn người", True), ("DN", "enterprises", True),
    ("%", "%", True), ("phần trăm", "%", True), ("%", "enterprises", False), ("ha", "ha", True),
    ("km", "ha", False), ("điểm", "PCI sub-index 0-10", True), ("triệu đồng / người", "million VND per worker", True),
])
def test_units_compare_by_meaning(written: str, expected: str, same: bool) -> None:
    assert same_unit(written, expected) is same


def test_unknown_units_are_their_folded_text() -> None:
    assert canonical_unit("Km²") == "km²" and canonical_unit("Billion VND") == "billion VND"


@pytest.mark.parametrize(("text", "split"), [
    ("1.234 người", ("1.234", "người")), ("12DN", ("12", "DN")), ("12 %", ("12", "%")), ("12", None),
    ("khoảng 5", None), ("1.234 (*)", None),
])
def test_split_unit(text: str, split: tuple[str, str] | None) -> None:
    assert split_unit(text) == split


# --- properties -------------------------------------------------------------------------------------------------

# Small amounts too: below 1,000 a number with 3 decimals ("1.234") is the two-way case.
amounts = st.one_of(st.decimals(min_value=Decimal("-999.9999"), max_value=Decimal("999.9999"), places=4),
                    st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), allow_nan=False, places=4))
written = st.tuples(amounts, st.integers(min_value=0, max_value=4), st.booleans())


def _write(value: Decimal, digits: int, grouped: bool, decimal: str) -> str:
    """``value`` as a person using ``decimal`` as decimal mark writes it (with or without thousands groups)."""
    text = f"{value:,.{digits}f}" if grouped else f"{value:.{digits}f}"
    return text.translate(str.maketrans({",": ".", ".": ","})) if decimal == "," else text


@given(st.lists(written, min_size=1, max_size=6), st.sampled_from([",", "."]), st.booleans())
@example([(Decimal("1.234"), 3, False)], ".", False)  # en "1.234": 1234 under a Vietnamese default
@example([(Decimal("3.911"), 3, True), (Decimal("12"), 0, True)], ",", False)  # the ';' CSV of the defect
def test_numbers_written_in_one_convention_read_back_as_written_or_are_refused(
    cells: list[tuple[Decimal, int, bool]], decimal: str, declare: bool,
) -> None:
    """Read back under the file's own convention a number is the same number; a two-way cell in a file that
    shows nothing is ambiguous_number — never another value (never 1,000 times off)."""
    texts = [_write(v, d, g, decimal) for v, d, g in cells]
    convention = _file(*texts, declared=decimal if declare else None)
    assert convention.decimal in (decimal, None)
    for (value, digits, _), text in zip(cells, texts, strict=True):
        reading = convention.read(text)
        if reading.value is None:
            assert not declare and reading.problem == "ambiguous_number", (text, reading)
        else:
            assert reading.value == float(f"{value:.{digits}f}"), (text, convention)


numberish = st.text(alphabet="0123456789.,", min_size=1, max_size=9)


@given(st.lists(numberish, min_size=1, max_size=8), st.sampled_from([None, ",", "."]))
def test_no_cell_is_ever_rescaled_silently(texts: list[str], declared: str | None) -> None:
    """A cell with one reading keeps it in every file; a two-way cell is read only under a decimal mark that
    another cell of the file (or the spec) shows, with nothing showing the other mark; else ambiguous_number."""
    convention = _file(*texts, declared=declared)
    shown = {mark for mark, _ in convention.shown} | ({declared} if declared else set())
    for text in texts:
        alone = parse_number(text, locale_hint=None)
        reading = convention.read(text)
        if alone.value is not None:
            assert reading.value == alone.value
        elif alone.ambiguous:
            assert (reading.value is not None) == (len(shown) == 1)
            if reading.value is not None:
                hint = "vi" if shown == {","} else "en"
                assert reading.value == parse_number(text, locale_hint=hint).value
            else:
                assert reading.problem == "ambiguous_number"
        else:
            assert reading.value is None
