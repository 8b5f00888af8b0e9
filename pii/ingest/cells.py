"""Helpers shared by the adapters: column letters, header detection, value parsing, range checks, provinces.

Value cells are read under the file's number convention (pii/parsing/number_convention.py): each adapter
collects its value cells (:func:`value_cells`), decides the convention once per file
(:func:`file_convention`) and reads every value with it. A unit typed after a number must be the unit the
value is in (:func:`expected_units`); anything else is quarantined, never converted.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import lru_cache

from pii.catalog import Measure, Source
from pii.ingest.grid import GridRow
from pii.ingest.results import ConformResult, FileContext
from pii.ingest.xlsx_formulas import column_index
from pii.parsing.number_convention import CellNumber, NumberConvention, ValueCell, decide_convention, declared_decimal
from pii.parsing.units import same_unit
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


def value_cells(rows: Iterable[GridRow], columns: Iterable[int]) -> Iterator[ValueCell]:
    """The text cells of ``rows`` in ``columns``: what a file's number convention is decided from."""
    wanted = tuple(columns)
    for row in rows:
        for index in wanted:
            text, kind = cell(row, index)
            if kind == "s" and text.strip():
                where = f"sheet '{row.sheet}', " if row.sheet else ""
                yield ValueCell(text, f"{where}row {row.row_number}, column {column_letter(index)}")


def file_convention(source: Source, ctx: FileContext, cells: Iterable[ValueCell]) -> NumberConvention:
    """The number convention of one file: from its value cells, its delimiter and the source's ``number_format``.

    A ';'-separated CSV is what a spreadsheet writes where ',' is the decimal mark (Vietnamese, most of
    Europe), so the delimiter counts as evidence of decimal commas, like a cell that shows one.
    """
    declared = declared_decimal(source.spec, f"sources.yaml: source '{source.source_id}'")
    return decide_convention(cells, declared, implied="," if ctx.delimiter == ";" else None)


def expected_units(measure: Measure, unit_in_file: str | None = None, scale: float = 1.0) -> tuple[str, ...]:
    """Units a value cell may name: the table's unit in the file, and the catalog unit unless a scale applies."""
    if unit_in_file and scale != 1:
        return (unit_in_file,)  # a value in the catalog unit would then be scaled twice
    return tuple(dict.fromkeys(u for u in (unit_in_file, measure.unit) if u))


def read_value(
    result: ConformResult, ctx: FileContext, row: GridRow, index: int, numbers: NumberConvention,
    measure: Measure, unit_in_file: str | None = None, scale: float = 1.0,
) -> CellNumber | None:
    """A cell's number (and the unit written after it) in the file's units, or None after quarantining it."""
    text, kind = cell(row, index)
    col = column_letter(index)

    def reject(code: str, reason: str) -> None:
        result.quarantine_cell(ctx, row.sheet, row.row_number, col, text, code, reason)

    if kind == "n":
        if math.isfinite(float(text)):
            return CellNumber(float(text))
        reject("not_a_number", f"cannot read '{text}' as a number (not a finite number)")
        return None
    if kind == "f":
        reject("formula_without_value", f"cell {col}{row.row_number} holds the formula '{text}' but no calculated "
               "value was saved with it; open the file in Excel, let it recalculate, and save it again")
        return None
    if kind in ("d", "b"):
        reject("not_a_number", f"expected a number, found a {'date' if kind == 'd' else 'boolean'} cell")
        return None
    reading = numbers.read(text)
    if reading.missing:
        reject("missing_value", "the source marks this value as missing")
        return None
    if reading.problem is not None:
        reject(reading.problem, reading.message)
        return None
    units = expected_units(measure, unit_in_file, scale)
    if reading.unit and not any(same_unit(reading.unit, u) for u in units):
        where = (f"this table is in '{unit_in_file}' ({measure.code} is stored in '{measure.unit}')" if unit_in_file
                 else f"{measure.code} ({measure.name_en}) is in '{measure.unit}'")
        reject("unit_mismatch", f"'{text.strip()}' is written in '{reading.unit}', but {where}; type the number "
               f"only, in {' or '.join(repr(u) for u in units)}")
        return None
    return reading


def parse_value(
    result: ConformResult, ctx: FileContext, row: GridRow, index: int, numbers: NumberConvention,
    measure: Measure, unit_in_file: str | None = None, scale: float = 1.0,
) -> float | None:
    """The numeric value of a cell in the file's units, or None after quarantining it with the reason."""
    reading = read_value(result, ctx, row, index, numbers, measure, unit_in_file, scale)
    return None if reading is None else reading.value


def times(value: float, scale: float) -> float:
    """``value`` × ``scale`` in decimal (1.005 thousand is 1005 persons, not 1004.9999999999999)."""
    return value if scale == 1 else float(Decimal(repr(value)) * Decimal(repr(scale)))


def range_problem(measure: Measure, value: float) -> str | None:
    """Why ``value`` (in catalog units) is outside the measure's [min_value, max_value]; None when inside."""
    if measure.min_value is not None and value < measure.min_value:
        return f"{value:g} {measure.unit} is below the smallest possible value {measure.min_value:g}"
    if measure.max_value is not None and value > measure.max_value:
        return f"{value:g} {measure.unit} is above the largest possible value {measure.max_value:g}"
    return None


def parse_measure(
    result: ConformResult, ctx: FileContext, row: GridRow, index: int, numbers: NumberConvention, measure: str,
    scale: float = 1.0, unit_in_file: str | None = None,
) -> float | None:
    """A cell's value in catalog units (file value × ``scale``), or None after quarantining it.

    Besides what :func:`parse_value` rejects, a value outside the measure's range in measures.csv is
    quarantined as ``out_of_range`` (a negative count, a share over 100): it is never staged.
    """
    info = ctx.measures[measure]
    value = parse_value(result, ctx, row, index, numbers, info, unit_in_file, scale)
    if value is None:
        return None
    value_in_catalog_unit = times(value, scale)
    problem = range_problem(info, value_in_catalog_unit)
    if problem is None:
        return value_in_catalog_unit
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
