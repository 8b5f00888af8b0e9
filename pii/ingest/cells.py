"""Helpers shared by the adapters: column letters, header detection, value parsing, range checks, provinces."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pii.catalog import Measure
from pii.ingest.grid import GridRow
from pii.ingest.results import ConformResult, FileContext
from pii.ingest.xlsx_formulas import column_index
from pii.parsing.numbers import parse_number
from pii.provinces import ProvinceRegistry, Resolution

NATIONAL_LABELS = {"ca nuoc", "toan quoc", "viet nam", "whole country", "tong so", "tong cong"}
SUMMARY_LABELS = {"thap nhat", "trung vi", "cao nhat", "trung binh", "lowest", "median", "highest", "average"}
FOOTNOTE_PREFIXES = ("ghi chu", "nguon", "note", "source", "(*)", "*")
YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")

__all__ = ["column_index"]  # re-exported: 'C' → 2, the inverse of column_letter


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: the reference a person sees in Excel."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Compare labels without case, diacritics, or spacing differences (cached: labels repeat a lot)."""
    text = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return re.sub(r"\s+", " ", text).strip().casefold()


def find_header(rows: list[GridRow], must_contain: str) -> GridRow | None:
    """The first row with a cell whose folded text contains ``must_contain`` (folded)."""
    key = fold(must_contain)
    for row in rows:
        if any(key in fold(c) for c in row.cells):
            return row
    return None


def header_index(header: GridRow, label: str) -> int | None:
    key = fold(label)
    for i, cell in enumerate(header.cells):
        if fold(cell) == key:
            return i
    return None


def cell(row: GridRow, index: int) -> tuple[str, str]:
    if index < len(row.cells):
        return row.cells[index], row.types[index]
    return "", ""


def classify_label(label: str, region_names: set[str]) -> str | None:
    """'national', 'region', 'summary' or 'footnote' for rows that are not a province; None otherwise."""
    key = fold(label)
    if key in NATIONAL_LABELS:
        return "national"
    if key in region_names:
        return "region"
    if key in SUMMARY_LABELS:
        return "summary"
    if key.startswith(FOOTNOTE_PREFIXES):
        return "footnote"
    return None


def row_kind(row: GridRow, label_col: int, region_names: set[str]) -> str | None:
    """:func:`classify_label` of the row's label; a footnote written in another column (label empty) counts."""
    label = cell(row, label_col)[0]
    kind = classify_label(label, region_names)
    if kind is None and not label.strip():
        first = next((c for c in row.cells if c.strip()), "")
        if classify_label(first, set()) == "footnote":
            return "footnote"
    return kind


def years_in(text: str) -> list[int]:
    """Four-digit years (1900-2099) written in a text: 'Sơ bộ 2022' → [2022]."""
    return [int(y) for y in YEAR.findall(text)]


def parse_value(
    result: ConformResult, ctx: FileContext, row: GridRow, index: int, locale: str,
) -> float | None:
    """The numeric value of a cell, or None after quarantining it with the reason."""
    text, kind = cell(row, index)
    col = column_letter(index)
    if kind == "n":
        return float(text)
    if kind == "f":
        result.quarantine_cell(ctx, row.sheet, row.row_number, col, text, "formula_without_value",
                               f"cell {col}{row.row_number} holds the formula '{text}' but no calculated value was "
                               "saved with it; open the file in Excel, let it recalculate, and save it again")
        return None
    if kind in ("d", "b"):
        result.quarantine_cell(ctx, row.sheet, row.row_number, col, text, "not_a_number",
                               f"expected a number, found a {'date' if kind == 'd' else 'boolean'} cell")
        return None
    parsed = parse_number(text, locale_hint=locale)
    if parsed.is_missing:
        result.quarantine_cell(ctx, row.sheet, row.row_number, col, text, "missing_value",
                               "the source marks this value as missing")
        return None
    if parsed.value is None:
        result.quarantine_cell(ctx, row.sheet, row.row_number, col, text, "not_a_number",
                               f"cannot read '{text}' as a number ({parsed.note or 'not a number'})")
        return None
    return parsed.value


def range_problem(measure: Measure, value: float) -> str | None:
    """Why ``value`` (in catalog units) is outside the measure's [min_value, max_value]; None when inside."""
    if measure.min_value is not None and value < measure.min_value:
        return f"{value:g} {measure.unit} is below the smallest possible value {measure.min_value:g}"
    if measure.max_value is not None and value > measure.max_value:
        return f"{value:g} {measure.unit} is above the largest possible value {measure.max_value:g}"
    return None


def parse_measure(
    result: ConformResult, ctx: FileContext, row: GridRow, index: int, locale: str, measure: str,
    scale: float = 1.0,
) -> float | None:
    """A cell's value in catalog units (file value × ``scale``), or None after quarantining it.

    Besides what :func:`parse_value` rejects, a value outside the measure's range in measures.csv is
    quarantined as ``out_of_range`` (a negative count, a share over 100): it is never staged.
    """
    value = parse_value(result, ctx, row, index, locale)
    if value is None:
        return None
    info = ctx.measures[measure]
    problem = range_problem(info, value * scale)
    if problem is None:
        return value * scale
    scaled = f" ({value:g} in the file × {scale:g})" if scale != 1 else ""
    text, _ = cell(row, index)
    result.quarantine_cell(ctx, row.sheet, row.row_number, column_letter(index), text, "out_of_range",
                           f"{info.code} ({info.name_en}): {problem}{scaled}; check the figure and its unit")
    return None


def resolve_province(
    result: ConformResult, ctx: FileContext, registry: ProvinceRegistry, row: GridRow, index: int, boundary: str,
) -> str | None:
    """The province code for the name in the cell, or None after quarantining the row with suggestions."""
    text, _ = cell(row, index)
    res = _resolve(registry, text, boundary)
    if res.status == "ok":
        return res.code
    result.quarantine_cell(ctx, row.sheet, row.row_number, column_letter(index), text, f"{res.status}_province",
                           res.message, "; ".join(res.suggestions))
    return None


@lru_cache(maxsize=8192)
def _resolve(registry: ProvinceRegistry, text: str, boundary: str) -> Resolution:
    """Record lists repeat the same few names tens of thousands of times."""
    return registry.resolve(text, boundary=boundary)
