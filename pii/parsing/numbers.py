"""Parse numbers as typed in Vietnamese and English spreadsheets and reports.

Provincial departments type figures by hand, in both Vietnamese ("1.234,5")
and English ("1,234.5") conventions, so the same text can mean two things.
The rules, in the order they are applied:

* Missing markers ("", "-", "–", "—", "--", "..", "...", "…", "x", "KXĐ",
  "n/a", "NA") give ``is_missing=True, value=None``. Spreadsheet error
  values ("#N/A", "#DIV/0!", "#NUM!", ...) are errors, not missing: they signal
  a broken formula that someone must fix. "inf", "-inf", "Infinity", "∞" and
  "NaN" (text or float) are errors too: no statistic is infinite, and "NaN" is
  what a program writes, not a source's missing marker.
* Footnote markers: a trailing "(*)", "*" or superscript digit, or "(1)"/"(12)"
  separated from the number by whitespace, is stripped with a warning.
  "1.234(1)" without the space is an error (footnote or typo? we can't tell).
* Sign: leading "-", U+2212 "−" or "+"; an en dash "–" as minus is accepted
  with a warning; "(1.234)" is negative (accounting style).
* Percent: a trailing "%" sets ``is_percent``; the value is kept as written
  ("12,5%" -> 12.5, not 0.125).
* Look-alike letters: "l"/"I" for 1 and "O"/"o" for 0 are replaced only when
  the text consists solely of digits, separators and those letters and holds
  at least one real digit ("l0.000" -> 10000, with a warning).
* Spaces (ordinary, U+00A0, U+202F, U+2009) are thousands separators and must
  split groups of exactly 3 digits; a remaining "." or "," is then decimal.
* Scientific notation "1.2E+03" / "1,2e-3" is accepted.
* Separators: with both "." and ",", the right-most is the decimal mark. A
  separator occurring more than once is a thousands separator. A single
  separator is a decimal mark unless exactly 3 digits follow it; with exactly
  3 digits it is still decimal if the integer part starts with 0 or has more
  than 3 digits ("0,125", "1234.567"). Otherwise ("1.234", "1,234") it is
  ambiguous and ``locale_hint`` decides: "vi" (default) -> "." thousands /
  "," decimal, so "1.234" -> 1234 and "1,234" -> 1.234; "en" -> the reverse;
  None -> error (``ambiguous=True``). Every such decision is recorded in
  ``notes``. ``decimal_mark`` says which mark the text itself shows to be the
  decimal mark ("12,5", "1.234,5" and "1.234.567" show ","), so a caller can
  decide a whole file's convention from its unambiguous cells
  (pii/parsing/number_convention.py).
* The value is built as a canonical decimal string and passed to ``float`` so
  that Python float reprs round-trip exactly ("6.705826759338379").
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

LocaleHint = Literal["vi", "en"] | None

MISSING_MARKERS = frozenset(
    {"", "-", "−", "–", "—", "--", "..", "...", "…", "x", "kxđ", "kxd", "n/a", "na"}
)
NON_FINITE = frozenset({"inf", "infinity", "nan", "∞"})  # refused with or without a sign
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_SPACE_CLASS = "[ \u00a0\u202f\u2009]"
_STAR_FOOTNOTE = re.compile(r"^(?P<body>.*?\S)\s*(?:\(\*+\)|\*+|[⁰¹²³⁴⁵⁶⁷⁸⁹]+)$")
_NUM_FOOTNOTE = re.compile(r"^(?P<body>.*\S)\s+\(\d{1,2}\)$")
_GLUED_FOOTNOTE = re.compile(r"^.*\d\(\d{1,2}\)$")
_LOOKALIKES = str.maketrans({"l": "1", "I": "1", "O": "0", "o": "0"})
_LOOKALIKE_TEXT = re.compile(r"[0-9lIOo., \u00a0\u202f\u2009]+")
_SPACED = re.compile(rf"(\d{{1,3}})((?:{_SPACE_CLASS}\d{{3}})+)([.,]\d+)?")
_SCIENTIFIC = re.compile(r"(?:\d+(?:[.,]\d+)?|[.,]\d+)[eE][+-]?\d+")
_PLAIN = re.compile(r"\d+(?:[.,]\d+)*|[.,]\d+")


class NumberParseError(ValueError):
    """Raised by :func:`parse_number_strict`; the message quotes the raw text."""

    def __init__(self, raw: object, reason: str) -> None:
        self.raw = raw
        self.reason = reason
        super().__init__(f"cannot parse {raw!r} as a number: {reason}")


@dataclass(frozen=True)
class ParsedNumber:
    """Result of parsing one cell. ``error`` is set (and value None) on failure."""

    raw: object
    value: float | None
    is_missing: bool = False
    is_percent: bool = False
    warnings: tuple[str, ...] = ()  # things a data steward should look at
    notes: tuple[str, ...] = ()  # informational: how an ambiguity was resolved
    error: str | None = None
    decimal_mark: str | None = None  # "," or "." when the text itself shows its decimal mark
    ambiguous: bool = False  # the value depends on locale_hint ("1.234": 1234 or 1.234)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def note(self) -> str:
        """One human-readable line for logs/quarantine: error, warnings, notes."""
        return "; ".join([*([self.error] if self.error else []), *self.warnings, *self.notes])


class _Fail(Exception):
    """Internal: carries the reason a text is not a number."""


class _Ambiguous(_Fail):
    """Internal: the text reads two ways and no locale_hint decides."""


@dataclass(frozen=True)
class _Canonical:
    text: str  # "digits[.digits]" or a plain exponent form
    decimal_mark: str | None = None
    ambiguous: bool = False


def parse_number(
    text: str | float | int | None, *, locale_hint: LocaleHint = "vi"
) -> ParsedNumber:
    """Parse one cell; never raises for bad input (see ``error`` instead)."""
    if locale_hint not in ("vi", "en", None):
        raise ValueError(f"locale_hint must be 'vi', 'en' or None, not {locale_hint!r}")
    if text is None:
        return ParsedNumber(text, None, is_missing=True)
    if isinstance(text, bool):  # bool is an int subclass; True is not a statistic
        return ParsedNumber(text, None, error="boolean is not a number")
    if isinstance(text, (numbers.Real, Decimal)):
        value = float(text)
        if math.isnan(value):
            return ParsedNumber(text, None, error="NaN is not a number")
        if math.isinf(value):
            return ParsedNumber(text, None, error="infinite value")
        return ParsedNumber(text, value)
    if not isinstance(text, str):
        return ParsedNumber(text, None, error=f"unsupported type {type(text).__name__}")
    warnings: list[str] = []
    notes: list[str] = []
    try:
        result = _parse_text(text, locale_hint, warnings, notes)
    except _Fail as exc:
        return ParsedNumber(text, None, warnings=tuple(warnings), error=str(exc),
                            ambiguous=isinstance(exc, _Ambiguous))
    if result is None:
        return ParsedNumber(text, None, is_missing=True, warnings=tuple(warnings))
    value, is_percent, canonical = result
    return ParsedNumber(
        text, value, is_percent=is_percent, warnings=tuple(warnings), notes=tuple(notes),
        decimal_mark=canonical.decimal_mark, ambiguous=canonical.ambiguous,
    )


def parse_number_strict(
    text: str | float | int | None, *, locale_hint: LocaleHint = "vi"
) -> ParsedNumber:
    """Like :func:`parse_number` but raise :class:`NumberParseError` on failure.

    Missing markers are not failures: they return ``is_missing=True``.
    """
    parsed = parse_number(text, locale_hint=locale_hint)
    if parsed.error is not None:
        raise NumberParseError(text, parsed.error)
    return parsed


def _parse_text(
    raw: str, hint: LocaleHint, warnings: list[str], notes: list[str]
) -> tuple[float, bool, _Canonical] | None:
    t = unicodedata.normalize("NFC", raw).translate(_INVISIBLE).strip()
    if t.casefold() in MISSING_MARKERS:
        return None
    if t.startswith("#"):
        raise _Fail("spreadsheet error value")
    if t.lstrip("+-−–").strip().casefold() in NON_FINITE:
        raise _Fail("not a finite number: infinity and NaN are never statistics")
    t = _strip_footnote(t, warnings)
    negative, is_percent = False, False
    if t.endswith("%"):
        is_percent, t = True, t[:-1].rstrip()
    if len(t) >= 2 and t[0] == "(" and t[-1] == ")":
        negative, t = True, t[1:-1].strip()
    if t[:1] in ("-", "−", "–", "+"):
        if negative:
            raise _Fail("sign inside accounting parentheses")
        if t[0] == "–":
            warnings.append("en dash '–' read as a minus sign")
        negative, t = t[0] != "+", t[1:].lstrip()
    if t.endswith("%") and not is_percent:
        is_percent, t = True, t[:-1].rstrip()
    if not t:
        raise _Fail("sign or symbol without digits")
    if any(c in "lIOo" for c in t) and _LOOKALIKE_TEXT.fullmatch(t) and re.search(r"\d", t):
        fixed = t.translate(_LOOKALIKES)
        warnings.append(f"look-alike letters read as digits: {t!r} -> {fixed!r}")
        t = fixed
    canonical = _canonical(t, hint, notes)
    value = float(("-" if negative else "") + canonical.text)
    if not math.isfinite(value):
        raise _Fail("value out of floating-point range")
    return value, is_percent, canonical


def _strip_footnote(t: str, warnings: list[str]) -> str:
    for pattern in (_STAR_FOOTNOTE, _NUM_FOOTNOTE):
        m = pattern.match(t)
        if m:
            warnings.append(f"footnote marker stripped from {t!r}")
            return m.group("body").rstrip()
    if _GLUED_FOOTNOTE.match(t):
        raise _Fail("digits in parentheses glued to the number (footnote or typo?)")
    return t


def _canonical(t: str, hint: LocaleHint, notes: list[str]) -> _Canonical:
    """``t`` as a plain "digits[.digits]" / exponent string, with the decimal mark it shows."""
    m = _SPACED.fullmatch(t)
    if m:
        digits = m.group(1) + re.sub(_SPACE_CLASS, "", m.group(2))
        frac = m.group(3)
        return _Canonical(digits + ("." + frac[1:] if frac else ""), frac[0] if frac else None)
    if re.search(_SPACE_CLASS, t) and re.fullmatch(rf"(?:[\d.,]|{_SPACE_CLASS})+", t):
        raise _Fail("spaces inside the number do not separate groups of 3 digits")
    if _SCIENTIFIC.fullmatch(t):
        mark = next((c for c in t if c in ".,"), None)
        return _Canonical(t.replace(",", "."), mark)
    if not _PLAIN.fullmatch(t):
        raise _Fail("not a number")
    seps = [c for c in t if c in ".,"]
    if not seps:
        return _Canonical(t)
    if t[0] in ".,":  # ".5" / ",5": only a decimal mark can lead
        return _Canonical("0." + t[1:], t[0])
    if len(set(seps)) == 2:
        dec = seps[-1]
        thou = "," if dec == "." else "."
        if seps.count(dec) > 1:
            raise _Fail(f"decimal mark {dec!r} appears more than once")
        int_part, frac = t.rsplit(dec, 1)
        return _Canonical(_ungroup(int_part, thou) + "." + frac, dec)
    sep = seps[0]
    other = "," if sep == "." else "."
    if len(seps) > 1:  # a repeated mark groups thousands, so the other one is the decimal mark
        return _Canonical(_ungroup(t, sep), other)
    int_part, frac = t.split(sep)
    if len(frac) != 3 or int_part.startswith("0") or len(int_part) > 3:
        return _Canonical(int_part + "." + frac, sep)
    if hint is None:
        raise _Ambiguous(
            f"ambiguous: {sep!r} followed by 3 digits may be a thousands separator "
            "or a decimal mark; pass locale_hint='vi' or 'en'"
        )
    thousands = (sep == ".") == (hint == "vi")
    role = "thousands separator" if thousands else "decimal mark"
    notes.append(f"{t!r}: {sep!r} read as {role} (locale_hint={hint!r})")
    return _Canonical(int_part + frac if thousands else int_part + "." + frac, ambiguous=True)


def _ungroup(int_part: str, thou: str) -> str:
    if not re.fullmatch(rf"\d{{1,3}}(?:{re.escape(thou)}\d{{3}})+", int_part):
        raise _Fail(f"{thou!r} used as thousands separator but groups are not 3 digits")
    return int_part.replace(thou, "")
