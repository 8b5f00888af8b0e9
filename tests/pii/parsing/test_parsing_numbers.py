"""Tests for pii.parsing.numbers."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pii.parsing.numbers import (
    MISSING_MARKERS,
    NumberParseError,
    ParsedNumber,
    parse_number,
    parse_number_strict,
)

SPACES = [" ", "\u00a0", "\u202f", "\u2009"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("1.234.567,89", 1234567.89),
        ("1,234,567.89", 1234567.89),
        ("1.234.567", 1234567.0),
        ("1,234,567", 1234567.0),
        ("12,5", 12.5),
        ("12.5", 12.5),
        ("0,125", 0.125),
        ("0.125", 0.125),
        ("1234.567", 1234.567),
        ("1234,567", 1234.567),
        (",5", 0.5),
        (".5", 0.5),
        ("42", 42.0),
        ("007", 7.0),
        ("  1.234,5\t", 1234.5),
        ("1\u00a0234,5", 1234.5),
        ("1\u202f234\u202f567", 1234567.0),
        ("1\u2009234.75", 1234.75),
        ("1 234 567", 1234567.0),
        ("6.705826759338379", 6.705826759338379),
        ("1.2E+03", 1200.0),
        ("1,2e-3", 0.0012),
        ("-1.5e2", -150.0),
        ("-1.234,5", -1234.5),
        ("−1.234,5", -1234.5),
        ("+12,5", 12.5),
        ("(1.234)", -1234.0),
        ("( 12,5 )", -12.5),
        ("- 3", -3.0),
        ("\u200b15\ufeff", 15.0),
    ],
)
def test_parse_number_values(text: str, expected: float) -> None:
    parsed = parse_number(text)
    assert parsed.error is None, parsed.error
    assert parsed.value == expected
    assert not parsed.is_missing
    assert not parsed.is_percent


@pytest.mark.parametrize(
    ("text", "hint", "expected"),
    [
        ("1.234", "vi", 1234.0),
        ("1,234", "vi", 1.234),
        ("1.234", "en", 1.234),
        ("1,234", "en", 1234.0),
        ("999.999", "vi", 999999.0),
        ("999,999", "en", 999999.0),
        ("-1.234", "vi", -1234.0),
    ],
)
def test_ambiguous_three_digit_group_follows_locale_hint(text: str, hint: str, expected: float) -> None:
    parsed = parse_number(text, locale_hint=hint)  # type: ignore[arg-type]
    assert parsed.value == expected
    assert parsed.warnings == ()
    assert len(parsed.notes) == 1 and f"locale_hint={hint!r}" in parsed.notes[0]


@pytest.mark.parametrize("text", ["1.234", "1,234", "12.500"])
def test_ambiguous_without_hint_is_an_error(text: str) -> None:
    parsed = parse_number(text, locale_hint=None)
    assert parsed.value is None
    assert parsed.error is not None and "ambiguous" in parsed.error
    with pytest.raises(NumberParseError, match="ambiguous"):
        parse_number_strict(text, locale_hint=None)


@pytest.mark.parametrize("text", ["1.234,5", "12,5", "0,125", "1234.567", "1.234.567"])
def test_unambiguous_text_needs_no_hint(text: str) -> None:
    assert parse_number(text, locale_hint=None).value == parse_number(text, locale_hint="vi").value
    assert parse_number(text, locale_hint=None).notes == ()


def test_invalid_locale_hint_is_rejected() -> None:
    with pytest.raises(ValueError, match="locale_hint"):
        parse_number("1", locale_hint="fr")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12,5%", 12.5), ("12,5 %", 12.5), ("-3.5%", -3.5), ("(12,5%)", -12.5), ("(12,5)%", -12.5), ("100%", 100.0)],
)
def test_percent(text: str, expected: float) -> None:
    parsed = parse_number(text)
    assert parsed.value == expected
    assert parsed.is_percent


@pytest.mark.parametrize("marker", [*sorted(MISSING_MARKERS), "KXĐ", "N/A", "NA", "X", " - ", "\u00a0", "…"])
def test_missing_markers(marker: str) -> None:
    parsed = parse_number(marker)
    assert parsed == ParsedNumber(marker, None, is_missing=True)
    assert parse_number_strict(marker).is_missing


@pytest.mark.parametrize(("text", "expected"), [("l0.000", 10000.0), ("1O", 10.0), ("I.5OO", 1500.0), ("o,5", 0.5)])
def test_lookalike_letters_become_digits_with_warning(text: str, expected: float) -> None:
    parsed = parse_number(text)
    assert parsed.value == expected
    assert len(parsed.warnings) == 1 and "look-alike" in parsed.warnings[0]


@pytest.mark.parametrize("text", ["Hà Nội", "lO", "Ool", "l0 apples", "Long An"])
def test_letters_outside_numbers_are_errors(text: str) -> None:
    parsed = parse_number(text)
    assert parsed.value is None
    assert parsed.error == "not a number"
    assert parsed.warnings == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.234(*)", 1234.0), ("1.234 (*)", 1234.0), ("12,5*", 12.5), ("12,5**", 12.5), ("1.234 (1)", 1234.0),
     ("1.234 (12)", 1234.0), ("45,6¹", 45.6), ("(1.234) (2)", -1234.0), ("12,5%(*)", 12.5)],
)
def test_footnote_markers_are_stripped_with_warning(text: str, expected: float) -> None:
    parsed = parse_number(text)
    assert parsed.value == expected
    assert any("footnote" in w for w in parsed.warnings)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("abc", "not a number"),
        ("1.234(1)", "glued"),
        ("#N/A", "spreadsheet error"),
        ("#DIV/0!", "spreadsheet error"),
        ("12 34", "groups of 3"),
        ("1.23.45", "groups are not 3 digits"),
        ("1,234.567,8", "more than once"),
        ("1,2.5", "groups are not 3 digits"),
        ("12.", "not a number"),
        ("1e999", "floating-point range"),
        ("(-5)", "sign inside"),
        ("%", "without digits"),
        ("5 đ", "not a number"),
    ],
)
def test_errors_carry_reason(text: str, reason: str) -> None:
    parsed = parse_number(text)
    assert parsed.value is None and not parsed.is_missing and not parsed.ok
    assert reason in (parsed.error or "")
    with pytest.raises(NumberParseError) as info:
        parse_number_strict(text)
    assert repr(text) in str(info.value)
    assert reason in str(info.value)
    assert info.value.raw == text
    assert isinstance(info.value, ValueError)


def test_note_combines_error_warnings_and_notes() -> None:
    assert parse_number("abc").note == "not a number"
    assert parse_number("12,5").note == ""
    assert parse_number("l0.000").note == (
        "look-alike letters read as digits: 'l0.000' -> '10.000'; "
        "'10.000': '.' read as thousands separator (locale_hint='vi')"
    )


def test_en_dash_minus_is_accepted_with_warning() -> None:
    parsed = parse_number("–5")
    assert parsed.value == -5.0
    assert parsed.warnings == ("en dash '–' read as a minus sign",)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3, 3.0), (-2.5, -2.5), (0, 0.0), (Decimal("1.5"), 1.5), (Fraction(1, 4), 0.25), (10**20, 1e20)],
)
def test_numbers_pass_through(value: object, expected: float) -> None:
    parsed = parse_number(value)  # type: ignore[arg-type]
    assert parsed.value == expected and parsed.ok and not parsed.is_missing


def test_none_is_missing() -> None:
    parsed = parse_number(None)
    assert parsed.is_missing and parsed.value is None and parsed.ok


# NaN used to count as a missing marker; issue 8 refuses it with inf everywhere (a program's output, not a source's).
@pytest.mark.parametrize("text", ["inf", "-inf", "+Inf", "Infinity", "−infinity", "∞", "-∞", "NaN", "nan", " -NaN "])
def test_non_finite_text_is_refused(text: str) -> None:
    parsed = parse_number(text)
    assert parsed.value is None and not parsed.is_missing
    assert "not a finite number" in (parsed.error or "")


@pytest.mark.parametrize(("value", "reason"), [(float("inf"), "infinite"), (float("nan"), "NaN"), (True, "boolean"),
                                               (b"1", "bytes")])
def test_non_numbers_are_errors(value: object, reason: str) -> None:
    parsed = parse_number(value)  # type: ignore[arg-type]
    assert parsed.value is None and reason in (parsed.error or "")


# --- properties -------------------------------------------------------------

amounts = st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, places=4)
places = st.integers(min_value=0, max_value=4)


def _en(value: Decimal, digits: int) -> str:
    return f"{value:,.{digits}f}"


def _vi(value: Decimal, digits: int) -> str:
    return _en(value, digits).translate(str.maketrans({",": ".", ".": ","}))


@given(amounts, places)
def test_vi_formatted_numbers_round_trip(value: Decimal, digits: int) -> None:
    expected = float(f"{value:.{digits}f}")
    assert parse_number(_vi(value, digits), locale_hint="vi").value == expected


@given(amounts, places)
def test_en_formatted_numbers_round_trip(value: Decimal, digits: int) -> None:
    expected = float(f"{value:.{digits}f}")
    assert parse_number(_en(value, digits), locale_hint="en").value == expected


@given(amounts, places, st.lists(st.sampled_from(SPACES), min_size=4, max_size=4), st.sampled_from([",", "."]))
def test_unicode_spaces_as_thousands_separators_do_not_change_value(
    value: Decimal, digits: int, spaces: list[str], decimal_mark: str
) -> None:
    text = _en(value, digits)
    groups = iter(spaces)
    spaced = "".join(next(groups) if c == "," else c for c in text).replace(".", decimal_mark)
    assume(any(c in spaced for c in SPACES))  # below 1000 there is no group to space
    parsed = parse_number(spaced, locale_hint=None)  # no hint needed: spaces settle it
    assert parsed.value == float(f"{value:.{digits}f}"), spaced
    assert parsed.notes == ()


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_python_float_repr_round_trips_exactly_with_en_hint(x: float) -> None:
    assert parse_number(repr(x), locale_hint="en").value == x


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_python_float_repr_round_trips_with_vi_hint_unless_ambiguous(x: float) -> None:
    text = repr(x)
    int_part, _, frac = text.lstrip("-").partition(".")
    assume(not (len(frac) == 3 and len(int_part) <= 3 and not int_part.startswith("0")))
    assert parse_number(text, locale_hint="vi").value == x


@given(amounts, places)
def test_parentheses_percent_and_footnote_decorations(value: Decimal, digits: int) -> None:
    text = _vi(value.copy_abs(), digits)
    base = parse_number(text).value
    assert base is not None
    assert parse_number(f"({text})").value == -base
    pct = parse_number(f"{text}%")
    assert pct.value == base and pct.is_percent
    foot = parse_number(f"{text}(*)")
    assert foot.value == base and foot.warnings


@given(st.text(max_size=30))
def test_never_raises_and_is_consistent(text: str) -> None:
    parsed = parse_number(text)
    assert (parsed.value is None) == (parsed.is_missing or parsed.error is not None)
    assert not (parsed.is_missing and parsed.error)
    if parsed.value is not None:
        assert math.isfinite(parsed.value)
    if parsed.error is not None:
        with pytest.raises(NumberParseError):
            parse_number_strict(text)
