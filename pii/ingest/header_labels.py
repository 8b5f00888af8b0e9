"""A header label the spec reads must head exactly one column.

Labels match ignoring case, diacritics and spacing (cells.fold), so "Hạ tầng số" and "HẠ TẦNG SỐ" in one
header are the same label twice. Which of the columns is meant cannot be told, so the file (or the sheet,
or the yearbook table) is quarantined as ``duplicate_header``, one entry per repeated label at its second
column, naming every column it heads. A repeated label the spec does not read ("Ghi chú" twice) is harmless.
In a yearbook table the labels read are the years: two columns of one year are a repeated label too.
"""

from __future__ import annotations

from collections.abc import Iterable

from pii.ingest.cells import cell, column_letter, fold
from pii.ingest.grid import GridRow
from pii.ingest.results import ConformResult, FileContext
from pii.ingest.yearbook_header import TableHeader


def repeated_labels(header: GridRow, labels: Iterable[str]) -> dict[str, list[int]]:
    """The labels (as the spec writes them) that head more than one column, with those column indexes."""
    columns: dict[str, list[int]] = {}
    for i, text in enumerate(header.cells):
        if text.strip():
            columns.setdefault(fold(text), []).append(i)
    wanted = dict.fromkeys(labels)
    return {label: columns[fold(label)] for label in wanted if len(columns.get(fold(label), [])) > 1}


def quarantine_repeats(
    result: ConformResult, ctx: FileContext, header: GridRow, repeats: dict[str, list[int]], what: str,
) -> None:
    """One ``duplicate_header`` entry per repeated label; ``what`` is 'file', 'sheet' or 'table'."""
    for label, indexes in repeats.items():
        letters = ", ".join(column_letter(i) for i in indexes)
        second = indexes[1]
        result.quarantine_cell(
            ctx, header.sheet, header.row_number, column_letter(second), header.cells[second], "duplicate_header",
            f"the header label '{label}' appears in columns {letters}; the pipeline does not guess which one is "
            f"meant — nothing from this {what} is staged; keep one column with that label")


def check_unique_labels(
    result: ConformResult, ctx: FileContext, header: GridRow, labels: Iterable[str], what: str = "file",
) -> bool:
    """True when every label in ``labels`` heads at most one column; else False after quarantining."""
    repeats = repeated_labels(header, labels)
    quarantine_repeats(result, ctx, header, repeats, what)
    return not repeats


def check_unique_years(result: ConformResult, ctx: FileContext, rows: list[GridRow], header: TableHeader) -> bool:
    """True when no year heads two columns of a yearbook table ("2024" and "Sơ bộ 2024"); else False after
    quarantining it, at the header cell of the second column."""
    by_year: dict[int, list[int]] = {}
    for column in header.years:
        by_year.setdefault(column.year, []).append(column.index)
    header_rows = [r for r in rows if header.first_row <= r.row_number <= header.last_row]
    repeats = {year: indexes for year, indexes in by_year.items() if len(indexes) > 1}
    for year, indexes in repeats.items():
        second = indexes[1]
        row = next((r for r in reversed(header_rows) if str(year) in cell(r, second)[0]), header_rows[-1])
        letters = ", ".join(column_letter(i) for i in indexes)
        result.quarantine_cell(
            ctx, row.sheet, row.row_number, column_letter(second), cell(row, second)[0], "duplicate_header",
            f"the header names the year {year} in columns {letters}; the pipeline does not guess which one is "
            "meant — nothing from this table is staged; keep one column per year")
    return not repeats
