"""Helpers shared by the adapters: column letters, header detection, value parsing, province lookup."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pii.ingest.grid import GridRow
from pii.ingest.results import ConformResult, FileContext
from pii.parsing.numbers import parse_number
from pii.provinces import ProvinceRegistry, Resolution

NATIONAL_LABELS = {"ca nuoc", "toan quoc", "viet nam", "whole country", "tong so", "tong cong"}
SUMMARY_LABELS = {"thap nhat", "trung vi", "cao nhat", "trung binh", "lowest", "median", "highest", "average"}
FOOTNOTE_PREFIXES = ("ghi chu", "nguon", "note", "source", "(*)", "*")


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


def parse_value(
    result: ConformResult, ctx: FileContext, row: GridRow, index: int, locale: str,
) -> float | None:
    """The numeric value of a cell, or None after quarantining it with the reason."""
    text, kind = cell(row, index)
    col = column_letter(index)
    if kind == "n":
        return float(text)
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
                               parsed.note or f"cannot read '{text}' as a number")
        return None
    return parsed.value


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
