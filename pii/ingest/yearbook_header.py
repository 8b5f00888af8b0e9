"""The header of a yearbook table: where it is, which rows it spans, which column holds which year.

Published tables often spread the header over two or three rows, with merged cells: row 4 holds
"Tỉnh, thành phố" (merged A4:A5) and "Năm" (merged B4:C4), row 5 holds "2021" and "Sơ bộ 2022". A
merged cell's text sits only in its top-left cell, so each column's year is read from the lowest header
row that names one, and the column is preliminary when any header row of it says so ("Sơ bộ 2022",
"Prel. 2022", "2022 (Sơ bộ)", "Ước tính 2022").
"""

from __future__ import annotations

from dataclasses import dataclass

from pii.ingest.cells import cell, find_header, fold, years_in
from pii.ingest.grid import GridRow

PRELIMINARY = ("so bo", "prel", "uoc tinh", "estimate")
MAX_HEADER_ROWS = 3


@dataclass(frozen=True)
class YearColumn:
    index: int
    year: int
    preliminary: bool


@dataclass(frozen=True)
class TableHeader:
    first_row: int  # the row holding the province-column label
    last_row: int  # the last row of the header (data rows follow)
    label_col: int
    years: tuple[YearColumn, ...]

    def year_set(self) -> set[int]:
        return {y.year for y in self.years}


def _continues_header(row: GridRow, label_col: int) -> bool:
    """A row below the header row continues it when its label cell is empty (merged) and it is not blank."""
    return not row.is_blank() and not cell(row, label_col)[0].strip()


def header_rows(rows: list[GridRow], header: GridRow, label_col: int, span: int | None) -> list[GridRow]:
    """The header row and the rows that continue it: ``span`` rows when given, else detected (at most 3)."""
    below = [r for r in rows if r.row_number > header.row_number]
    out = [header]
    limit = (span or MAX_HEADER_ROWS) - 1
    for row in below[:limit]:
        if span is None and not _continues_header(row, label_col):
            break
        out.append(row)
    return out


def year_columns(rows: list[GridRow], label_col: int) -> tuple[YearColumn, ...]:
    """Each column naming a year in some header row: the lowest such row gives the year."""
    width = max(len(r.cells) for r in rows)
    out = []
    for index in range(width):
        if index == label_col:
            continue
        texts = [cell(r, index)[0] for r in rows]
        years = [y for text in reversed(texts) for y in years_in(text)[:1]]
        if years:
            preliminary = any(p in fold(text) for text in texts for p in PRELIMINARY)
            out.append(YearColumn(index, years[0], preliminary))
    return tuple(out)


def read_header(rows: list[GridRow], header_text: str, span: int | None = None) -> TableHeader | None:
    """The table header, or None when no row contains ``header_text``."""
    header = find_header(rows, header_text)
    if header is None:
        return None
    key = fold(header_text)
    label_col = next((i for i, c in enumerate(header.cells) if key in fold(c)), 0)
    spanned = header_rows(rows, header, label_col, span)
    return TableHeader(header.row_number, spanned[-1].row_number, label_col, year_columns(spanned, label_col))
