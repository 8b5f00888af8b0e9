"""Survey index tables (PCI, PAPI, PAR Index, DTI): one row per province, one column per component.

Modelled on the published workbooks: title lines, a header naming the province column and the component
columns, one row per province (a province may be repeated further down: see duplicates.py), and
trailing summary rows ("Thấp nhất", "Trung vị", "Cao nhất") that are structural. Columns not named in
sources.yaml are ignored; a named column missing from the header rejects the file (``missing_column``),
and so does a title naming another year than the file's data year (``wrong_data_year``).
"""

from __future__ import annotations

from pii.catalog import SheetColumn, Source
from pii.ingest.cells import (
    cell,
    column_letter,
    file_convention,
    find_header,
    fold,
    header_index,
    parse_measure,
    resolve_province,
    row_kind,
    value_cells,
)
from pii.ingest.filelevel import check_stated_year, reject_rows
from pii.ingest.grid import GridRow
from pii.ingest.header_labels import check_unique_labels
from pii.ingest.results import ConformResult, FileContext
from pii.provinces import ProvinceRegistry, boundary_for_year


def conform_survey(
    source: Source, ctx: FileContext, rows: list[GridRow], registry: ProvinceRegistry,
) -> ConformResult:
    result = ConformResult()
    province_label = source.spec["province_column"]
    header = find_header(rows, province_label)
    if header is None:
        result.quarantine_cell(ctx, "", 0, "", "", "missing_header",
                               f"no header row with the column '{province_label}'")
        for row in rows:
            result.dispose(ctx, row.sheet, row.row_number, "quarantined", "file has no header row")
        return result
    if not check_stated_year(result, ctx, rows, header.row_number):
        return result
    mapped = _mapped_columns(result, ctx, source, header)
    if mapped is None:
        reject_rows(result, ctx, rows, header.row_number, "a column named in sources.yaml is missing")
        return result
    if not check_unique_labels(result, ctx, header, [province_label, *(c.label for c in source.sheet_columns())]):
        reject_rows(result, ctx, rows, header.row_number, "a header label the spec reads is repeated")
        return result
    province_col = header_index(header, province_label)
    _conform_rows(result, ctx, source, rows, registry, header.row_number,
                  province_col if province_col is not None else 0, mapped)
    return result


def _mapped_columns(
    result: ConformResult, ctx: FileContext, source: Source, header: GridRow,
) -> list[tuple[int, SheetColumn]] | None:
    """(column index, column spec) for each column in the spec; None after quarantining any missing one."""
    mapped, missing = [], []
    for column in source.sheet_columns():
        index = header_index(header, column.label)
        if index is None:
            missing.append(f"'{column.label}' (measure {column.measure})")
        else:
            mapped.append((index, column))
    if missing:
        result.quarantine_cell(ctx, header.sheet, header.row_number, "", "", "missing_column",
                               f"the header has no column {', '.join(missing)}; nothing from this file is staged")
        return None
    return mapped


def _conform_rows(
    result: ConformResult, ctx: FileContext, source: Source, rows: list[GridRow], registry: ProvinceRegistry,
    header_row: int, province_col: int, mapped: list[tuple[int, SheetColumn]],
) -> None:
    boundary = boundary_for_year(ctx.data_year)
    regions = {fold(p.region_vi) for p in registry.provinces(boundary)}
    # One number convention for the file, from every text cell below the header in the mapped columns.
    numbers = file_convention(source, ctx, value_cells([r for r in rows if r.row_number > header_row],
                                                  [index for index, _ in mapped]))
    for row in rows:
        if row.row_number <= header_row:
            result.dispose(ctx, row.sheet, row.row_number, "structural", "title or header")
            continue
        if row.is_blank():
            result.dispose(ctx, row.sheet, row.row_number, "structural", "blank")
            continue
        label, _ = cell(row, province_col)
        kind = row_kind(row, province_col, regions)
        if kind is not None:
            result.dispose(ctx, row.sheet, row.row_number, "structural", f"{kind} row")
            continue
        code = resolve_province(result, ctx, registry, row, province_col, boundary)
        if code is None:
            result.dispose(ctx, row.sheet, row.row_number, "quarantined", "province not resolved")
            continue
        staged = 0
        for index, column in mapped:
            value = parse_measure(result, ctx, row, index, numbers, column.measure)
            if value is None:
                continue
            staged += 1
            result.observe(ctx, row.sheet, row.row_number, column_letter(index), province_text=label,
                           province_code=code, boundary=boundary, year=ctx.data_year, measure_code=column.measure,
                           value=value, unit=ctx.measures[column.measure].unit, priority=column.priority)
        disposition = "staged" if staged == len(mapped) else ("partial" if staged else "quarantined")
        result.dispose(ctx, row.sheet, row.row_number, disposition, f"{staged} of {len(mapped)} values staged")
