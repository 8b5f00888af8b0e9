"""Statistics-office yearbook tables: provinces as rows, years as columns, one sheet per measure.

Rows above the header are titles; below it come the national row, region subtotals, provinces and
footnotes. Only province rows become observations; the others are accounted as structural (the national
and region rows are what later reconciliation checks compare sums against). The header may span several
rows with merged cells (yearbook_header.py). A table whose header years do not include the file's data
year belongs to another edition and is rejected (``wrong_data_year``). A yearbook table may also come as
a CSV file (``format: csv``): the file is then the single table of the spec. Text value cells are read
under one number convention decided from every table of the file (cells.py); a unit typed in a cell must
be the table's ``unit_in_file``.
"""

from __future__ import annotations

from pii.catalog import Source
from pii.ingest.cells import (
    cell,
    column_letter,
    expected_units,
    file_convention,
    fold,
    parse_measure,
    resolve_province,
    row_kind,
    times,
    value_cells,
)
from pii.ingest.filelevel import reject_rows
from pii.ingest.grid import GridRow, rows_by_sheet
from pii.ingest.header_labels import check_unique_years
from pii.ingest.results import ConformResult, FileContext
from pii.ingest.yearbook_header import TableHeader, YearColumn, read_header
from pii.parsing.number_convention import NumberConvention
from pii.parsing.units import same_unit
from pii.provinces import ProvinceRegistry, boundary_for_year


def tables_by_sheet(source: Source) -> dict[str, dict]:
    """Spec tables by sheet name; a CSV file is one table (sheet ''), so a one-table CSV spec maps to ''."""
    tables = source.spec["tables"]
    if source.format == "csv" and len(tables) == 1:
        return {"": tables[0]}
    return {t.get("sheet") or "": t for t in tables}


def conform_yearbook(
    source: Source, ctx: FileContext, rows: list[GridRow], registry: ProvinceRegistry,
) -> ConformResult:
    result = ConformResult()
    tables = tables_by_sheet(source)
    by_sheet = rows_by_sheet(rows)
    for sheet in tables:
        if sheet not in by_sheet:
            result.quarantine_cell(ctx, sheet, 0, "", "", "missing_sheet",
                                   f"sheet '{sheet}' named in sources.yaml is not in the workbook")
    headers: dict[str, TableHeader] = {}
    for sheet, sheet_rows in by_sheet.items():
        table = tables.get(sheet)
        if table is None:
            for row in sheet_rows:
                result.dispose(ctx, sheet, row.row_number, "structural", "sheet not mapped in sources.yaml")
            continue
        header = _table_header(result, ctx, source, table, sheet_rows)
        if header is not None:
            headers[sheet] = header
    numbers = _file_numbers(source, ctx, by_sheet, headers)
    for sheet, header in headers.items():
        _conform_table(result, ctx, tables[sheet], by_sheet[sheet], header, numbers, registry)
    return result


def _file_numbers(
    source: Source, ctx: FileContext, by_sheet: dict[str, list[GridRow]], headers: dict[str, TableHeader],
) -> NumberConvention:
    """One number convention for the whole file, from the year columns below the header of every table."""
    cells = (c for sheet, header in headers.items()
             for c in value_cells([r for r in by_sheet[sheet] if r.row_number > header.last_row],
                                  [y.index for y in header.years]))
    return file_convention(source, ctx, cells)


def _table_header(
    result: ConformResult, ctx: FileContext, source: Source, table: dict, rows: list[GridRow],
) -> TableHeader | None:
    """The header of one table, or None after quarantining the table (empty, no header, other edition,
    a year heading two columns)."""
    sheet = rows[0].sheet
    header_text = table.get("header_row_contains", source.spec.get("header_row_contains", "Tỉnh"))
    header = read_header(rows, header_text, table.get("header_rows", source.spec.get("header_rows")))
    if all(r.is_blank() for r in rows):
        result.quarantine_cell(ctx, sheet, 0, "", "", "empty_sheet",
                               f"the table for {table['measure']} is empty; nothing from it is staged")
        reject_rows(result, ctx, rows, 0, "empty table")
    elif header is None or not header.years:
        what = f"no header row containing '{header_text}'" if header is None else (
            f"the header (rows {header.first_row}-{header.last_row}) names no year columns")
        result.quarantine_cell(ctx, sheet, header.first_row if header else 0, "", "", "missing_header", what)
        for row in rows:
            result.dispose(ctx, row.sheet, row.row_number, "quarantined", "table has no usable header")
    elif ctx.data_year not in header.year_set():
        years = ", ".join(str(y) for y in sorted(header.year_set()))
        result.quarantine_cell(ctx, sheet, header.last_row, "", "", "wrong_data_year",
                               f"the header names the years {years} but the file is filed as data year "
                               f"{ctx.data_year}, so this table is from another edition; nothing from it is staged")
        reject_rows(result, ctx, rows, header.last_row, f"table of another edition (years {years})")
    elif not check_unique_years(result, ctx, rows, header):
        reject_rows(result, ctx, rows, header.last_row, "a year heads two columns")
    else:
        return header
    return None


def _conform_table(
    result: ConformResult, ctx: FileContext, table: dict, rows: list[GridRow], header: TableHeader,
    numbers: NumberConvention, registry: ProvinceRegistry,
) -> None:
    boundary = boundary_for_year(ctx.data_year)
    regions = {fold(p.region_vi) for p in registry.provinces(boundary)}
    measure, scale, unit_in_file = table["measure"], float(table.get("scale", 1)), table.get("unit_in_file")
    for row in rows:
        if row.row_number <= header.last_row:
            result.dispose(ctx, row.sheet, row.row_number, "structural", "title or header")
            continue
        if row.is_blank():
            result.dispose(ctx, row.sheet, row.row_number, "structural", "blank")
            continue
        label, _ = cell(row, header.label_col)
        kind = row_kind(row, header.label_col, regions)
        if kind in ("national", "region"):
            _record_totals(result, ctx, row, label, kind, header.years, (measure, scale, unit_in_file), numbers,
                           boundary)
        if kind is not None:
            result.dispose(ctx, row.sheet, row.row_number, "structural", f"{kind} row")
            continue
        code = resolve_province(result, ctx, registry, row, header.label_col, boundary)
        if code is None:
            result.dispose(ctx, row.sheet, row.row_number, "quarantined", "province not resolved")
            continue
        staged = 0
        for col in header.years:
            value = parse_measure(result, ctx, row, col.index, numbers, measure, scale, unit_in_file)
            if value is None:
                continue
            staged += 1
            result.observe(ctx, row.sheet, row.row_number, column_letter(col.index), province_text=label,
                           province_code=code, boundary=boundary, year=col.year, measure_code=measure,
                           value=value, unit=ctx.measures[measure].unit, is_preliminary=col.preliminary)
        n = len(header.years)
        disposition = "staged" if staged == n else ("partial" if staged else "quarantined")
        result.dispose(ctx, row.sheet, row.row_number, disposition, f"{staged} of {n} values staged")


def _record_totals(
    result: ConformResult, ctx: FileContext, row: GridRow, label: str, kind: str,
    years: tuple[YearColumn, ...], table: tuple[str, float, str | None], numbers: NumberConvention, boundary: str,
) -> None:
    """National and region rows are not observations, but reconciliation compares province sums with them.

    A total that cannot be read under the file's convention, or names another unit, is left out (the
    reconciliation check then reports the total as missing); it is never guessed.
    """
    measure, scale, unit_in_file = table
    units = expected_units(ctx.measures[measure], unit_in_file, scale)
    for col in years:
        text, cell_kind = cell(row, col.index)
        parsed = float(text) if cell_kind == "n" else None
        if cell_kind == "s":
            reading = numbers.read(text)
            if not reading.unit or any(same_unit(reading.unit, u) for u in units):
                parsed = reading.value
        if parsed is None:
            continue
        result.totals.append({
            "source_id": ctx.source_id, "file_path": ctx.file_path, "file_sha256": ctx.file_sha256,
            "sheet": row.sheet, "row_number": row.row_number, "column_ref": column_letter(col.index), "label": label,
            "kind": kind, "boundary": boundary, "year": col.year, "measure_code": measure,
            "value": times(parsed, scale), "unit": ctx.measures[measure].unit, "edition_year": ctx.data_year,
        })
