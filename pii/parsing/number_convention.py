"""A file's number convention: which mark is its decimal mark, decided once from all its value cells.

Vietnamese sources write "1.234,5" (',' decimal, '.' thousands), English exports "1,234.5". Many cells
settle it by themselves ("4,95", "1.234,5", "1.234.567", "0,125" show ','); some read two ways ("1.234" is
1234 or 1.234; "3,911" is 3911 or 3.911). So the convention is decided per file, in one pass over its
text value cells (numeric spreadsheet cells are exact and say nothing), together with the source spec:

* ``number_format`` in sources.yaml: ``auto`` (default), or ``{decimal: ",", thousands: "."}`` /
  ``{decimal: ".", thousands: ","}`` (spaces always separate thousands too).
* The decimal marks shown are those of the file's self-evident cells plus the declared one. Exactly one
  mark: that is the file's convention, and every two-way cell is read with it. None (every cell is an
  integer or two-way, nothing declared) or both (a file mixing "1.234,5" and "1,234.5", or contradicting
  its declaration): every two-way cell is ``ambiguous_number``, never guessed (a guess may be 1,000 times
  off). Self-evident cells have one reading in either convention and are read as written.

A unit after the number ("12 %", "1.234 người") is returned with the value, for the caller to compare
with the unit the cell must be in (pii/parsing/units.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from pii.parsing.numbers import LocaleHint, ParsedNumber, parse_number
from pii.parsing.units import split_unit

Mark = Literal[",", "."]
HINTS: dict[str | None, LocaleHint] = {",": "vi", ".": "en", None: None}
OTHER = {",": ".", ".": ","}


class NumberFormatError(ValueError):
    """A source's ``number_format`` in sources.yaml is not valid; the message names source and key."""


def declared_decimal(spec: Mapping[str, object], where: str) -> Mark | None:
    """The decimal mark a source spec declares in ``number_format``; None for ``auto`` (the default)."""
    fmt = spec.get("number_format", "auto")
    if fmt == "auto":
        return None
    if not isinstance(fmt, Mapping) or set(fmt) - {"decimal", "thousands"}:
        raise NumberFormatError(f"{where}: number_format must be 'auto' or {{decimal: ',', thousands: '.'}} "
                                f"(or decimal '.', thousands ','), not {fmt!r}")
    decimal, thousands = fmt.get("decimal"), fmt.get("thousands", OTHER.get(str(fmt.get("decimal"))))
    if decimal not in (",", ".") or thousands not in (OTHER[decimal], " ", ""):
        raise NumberFormatError(f"{where}: number_format.decimal must be ',' or '.' and number_format.thousands "
                                f"the other mark, ' ' or '', not decimal {decimal!r}, thousands {thousands!r}")
    return decimal  # type: ignore[return-value]


@dataclass(frozen=True)
class ValueCell:
    """A text cell the file's convention is decided from; ``where`` locates it ("row 5, column C")."""

    text: str
    where: str


@dataclass(frozen=True)
class CellNumber:
    """One cell read under its file's convention: a value (with the unit written after it) or a problem."""

    value: float | None = None
    unit: str = ""  # the unit written after the number ('%' for a percent sign); '' when none
    missing: bool = False
    problem: str | None = None  # reason code: 'not_a_number' or 'ambiguous_number'
    message: str = ""


def _parse(text: str, hint: LocaleHint) -> tuple[ParsedNumber, str, str]:
    """The number in ``text``, the unit written after it ('%' for a percent sign) and the number's text."""
    parsed = parse_number(text, locale_hint=hint)
    if parsed.error is None or parsed.ambiguous:
        return parsed, "%" if parsed.is_percent else "", text
    split = split_unit(text)
    if split is not None:
        inner = parse_number(split[0], locale_hint=hint)
        if (inner.value is not None or inner.ambiguous) and not inner.is_percent:
            return inner, split[1], split[0]
    return parsed, "", text


def shown_mark(text: str) -> str | None:
    """The decimal mark ``text`` shows by itself ('4,95' -> ','), None when it shows none or reads two ways."""
    parsed = _parse(text, None)[0]
    return parsed.decimal_mark if parsed.value is not None else None


def _show(value: float | None) -> str:
    return f"{value:.15g}" if value is not None else "?"


@dataclass(frozen=True)
class NumberConvention:
    """The decimal mark of one file (None: not decided), what the spec declared, and the evidence."""

    decimal: Mark | None
    declared: Mark | None = None
    shown: tuple[tuple[str, str], ...] = ()  # first cell showing each mark: (mark, "'4,95' (row 5, column C)")
    implied: Mark | None = None  # what the file's layout implies: ',' for a ';'-separated CSV

    def read(self, text: str) -> CellNumber:
        """The number in ``text`` under this convention; never raises."""
        parsed, unit, _ = _parse(text, HINTS[self.decimal])
        if parsed.is_missing:
            return CellNumber(missing=True)
        if parsed.value is not None:
            return CellNumber(parsed.value, unit)
        if parsed.ambiguous:
            return CellNumber(unit=unit, problem="ambiguous_number", message=self._ambiguity(text))
        return CellNumber(problem="not_a_number", message=f"cannot read '{text}' as a number ({parsed.note})")

    def _ambiguity(self, text: str) -> str:
        sep = "." if "." in _parse(text, None)[2] else ","
        vi, en = _parse(text, "vi")[0].value, _parse(text, "en")[0].value
        thousands, decimal = (vi, en) if sep == "." else (en, vi)
        return (f"'{text.strip()}' is {_show(thousands)} if '{sep}' separates thousands but {_show(decimal)} if "
                f"'{sep}' is the decimal mark, and {self.why_undecided()}; it is not read rather than risk a value "
                "1,000 times off")

    def why_undecided(self) -> str:
        """Why two-way cells of this file cannot be read (for ambiguous_number messages)."""
        seen = dict(self.shown)
        if self.implied:
            other = OTHER[self.implied]
            against = seen.get(other) or ("sources.yaml (number_format)" if self.declared == other else None)
            if against:
                return (f"the file separates fields with ';', as spreadsheets do where ',' is the decimal mark, but "
                        f"{against} uses '{other}'; use one convention in the whole file")
        if self.declared and OTHER[self.declared] in seen:
            return (f"sources.yaml declares '{self.declared}' as this source's decimal mark but the file writes "
                    f"{seen[OTHER[self.declared]]} with '{OTHER[self.declared]}'; fix the file or the declaration")
        if len(seen) == 2:
            return (f"the file writes decimals both ways ({seen[',']} with ',', {seen['.']} with '.'); "
                    "use one convention in the whole file")
        return ("no other number in the file shows which mark it uses for decimals (declare the source's "
                "number_format in sources.yaml, or write thousands without a separator)")


def decide_convention(
    cells: Iterable[ValueCell], declared: Mark | None = None, implied: Mark | None = None,
) -> NumberConvention:
    """The convention of a file from its text value cells (one pass), the spec's declared decimal mark and the
    mark its layout implies (``implied``: ',' for a ';'-separated CSV). Any disagreement leaves it undecided."""
    first: dict[str, str] = {}
    for cell in cells:
        mark = shown_mark(cell.text)
        if mark is not None and mark not in first:
            first[mark] = f"'{cell.text.strip()}' ({cell.where})"
            if len(first) == 2:
                break
    marks = set(first) | {m for m in (declared, implied) if m}
    decimal = marks.pop() if len(marks) == 1 else None
    return NumberConvention(decimal, declared, tuple(sorted(first.items())), implied)  # type: ignore[arg-type]
