"""Rejecting a whole file (or a whole yearbook table), and checking the data year a file states.

A file filed under data year 2024 whose title says 2023 is the wrong file, not a 2024 file with odd
values: nothing of it is staged (reason ``wrong_data_year``), and the department is asked for the right one.
"""

from __future__ import annotations

from pii.ingest.cells import column_letter, fold, years_in
from pii.ingest.grid import GridRow
from pii.ingest.results import ConformResult, FileContext


def reject_rows(result: ConformResult, ctx: FileContext, rows: list[GridRow], header_row: int, detail: str) -> None:
    """Dispose every row of a rejected file: title/header and blank rows structural, the others quarantined."""
    for row in rows:
        if row.row_number <= header_row:
            result.dispose(ctx, row.sheet, row.row_number, "structural", "title or header")
        elif row.is_blank():
            result.dispose(ctx, row.sheet, row.row_number, "structural", "blank")
        else:
            result.dispose(ctx, row.sheet, row.row_number, "quarantined", detail)


def sheet_present(result: ConformResult, ctx: FileContext, sheet: str, rows: list[GridRow], verb: str) -> bool:
    """False (after quarantining the file) when the sheet is missing or empty: the file must not count as
    complete, or a record list as zero records per province. ``verb`` says what would have happened to it."""
    if not rows:
        result.quarantine_cell(ctx, sheet, 0, "", "", "missing_sheet",
                               f"the workbook has no sheet '{sheet}'; nothing from this file is {verb}")
        return False
    if all(r.is_blank() for r in rows):
        result.quarantine_cell(ctx, sheet, 0, "", "", "empty_sheet",
                               f"sheet '{sheet}' is empty; nothing from this file is {verb}")
        for row in rows:
            result.dispose(ctx, row.sheet, row.row_number, "structural", "blank")
        return False
    return True


def stated_year(rows: list[GridRow], header_row: int, label: str | None) -> tuple[GridRow, int, list[int]] | None:
    """The first cell above the header that states years: (row, column index, years).

    With ``label`` (e.g. "Năm số liệu") only a cell containing it counts, and the year may sit in the
    next cell ("Năm số liệu:" | "2023"); without it, any title cell naming a year counts.
    """
    key = fold(label) if label else None
    for row in rows:
        if row.row_number >= header_row:
            break
        for i, text in enumerate(row.cells):
            if key is not None and key not in fold(text):
                continue
            years = years_in(text)
            if not years and key is not None and i + 1 < len(row.cells):
                years, i = years_in(row.cells[i + 1]), i + 1
            if years:
                return row, i, years
    return None


def check_stated_year(
    result: ConformResult, ctx: FileContext, rows: list[GridRow], header_row: int, label: str | None = None,
) -> bool:
    """False (after quarantining the file as ``wrong_data_year``) when the stated year is not the data year."""
    found = stated_year(rows, header_row, label)
    if found is None or ctx.data_year in found[2]:
        return True
    row, index, years = found
    text = row.cells[index]
    said = ", ".join(str(y) for y in years)
    result.quarantine_cell(ctx, row.sheet, row.row_number, column_letter(index), text, "wrong_data_year",
                           f"the file says '{text.strip()}' (year {said}) but it is filed as data year "
                           f"{ctx.data_year}; nothing from this file is staged — send the {ctx.data_year} file")
    reject_rows(result, ctx, rows, header_row, f"file states year {said}, not {ctx.data_year}")
    return False
