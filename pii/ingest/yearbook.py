"""Statistics-office yearbook tables: provinces as rows, years as columns, one sheet per measure.

Rows above the header are titles; below it come the national row, region subtotals, provinces and
footnotes. Only province rows become observations; the others are accounted as structural (the national
and region rows are what later reconciliation checks compare sums against).
"""

from __future__ import annotations

import re

from pii.catalog import Source, load_measures
from pii.ingest.cells import (
    cell,
    classify_label,
    column_letter,
    find_header,
    fold,
    parse_value,
    resolve_province,
)
from pii.ingest.grid import GridRow
from pii.ingest.results import ConformResult, FileContext
from pii.parsing.numbers import parse_number
from pii.provinces import ProvinceRegistry, boundary_for_year

YEAR = re.compile(r"(19|20)\d{2}")
PRELIMINARY = ("so bo", "prel", "uoc tinh", "estimate")


def year_columns(header: GridRow) -> list[tuple[int, int, bool]]:
    """(column index, year, is_preliminary) for every header cell that names a year."""
    out = []
    for i, text in enumerate(header.cells):
        match = YEAR.search(text)
        if match and i > 0:
            out.append((i, int(match.group(0)), any(p in fold(text) for p in PRELIMINARY)))
    return out


def conform_yearbook(
    source: Source, ctx: FileContext, rows: list[GridRow], registry: ProvinceRegistry,
) -> ConformResult:
    result = ConformResult()
    measures = load_measures()
    boundary = boundary_for_year(ctx.data_year)
    regions = {fold(p.region_vi) for p in registry.provinces(boundary)}
    tables = {t["sheet"]: t for t in source.spec["tables"]}
    by_sheet: dict[str, list[GridRow]] = {}
    for row in rows:
        by_sheet.setdefault(row.sheet, []).append(row)
    for sheet in tables:
        if sheet not in by_sheet:
            result.quarantine_cell(ctx, sheet, 0, "", "", "missing_sheet",
                                   f"sheet '{sheet}' named in sources.yaml is not in the workbook")
    for sheet, sheet_rows in by_sheet.items():
        table = tables.get(sheet)
        if table is None:
            for row in sheet_rows:
                result.dispose(ctx, sheet, row.row_number, "structural", "sheet not mapped in sources.yaml")
            continue
        _conform_table(result, ctx, table, measures[table["measure"]].unit, sheet_rows, registry, boundary, regions,
                       source.spec.get("header_row_contains", "Tỉnh"))
    return result


def _conform_table(
    result: ConformResult, ctx: FileContext, table: dict, unit: str, rows: list[GridRow],
    registry: ProvinceRegistry, boundary: str, regions: set[str], header_text: str,
) -> None:
    header = find_header(rows, header_text)
    if header is None:
        result.quarantine_cell(ctx, rows[0].sheet if rows else table["sheet"], 0, "", "", "missing_header",
                               f"no header row containing '{header_text}'")
        for row in rows:
            result.dispose(ctx, row.sheet, row.row_number, "quarantined", "table has no header row")
        return
    years = year_columns(header)
    label_col = next((i for i, c in enumerate(header.cells) if fold(header_text) in fold(c)), 0)
    scale = float(table.get("scale", 1))
    for row in rows:
        if row.row_number <= header.row_number:
            result.dispose(ctx, row.sheet, row.row_number, "structural", "title or header")
            continue
        label, _ = cell(row, label_col)
        if row.is_blank():
            result.dispose(ctx, row.sheet, row.row_number, "structural", "blank")
            continue
        kind = classify_label(label, regions)
        if kind in ("national", "region"):
            _record_totals(result, ctx, row, label, kind, years, table, unit, scale, boundary)
        if kind is not None:
            result.dispose(ctx, row.sheet, row.row_number, "structural", f"{kind} row")
            continue
        code = resolve_province(result, ctx, registry, row, label_col, boundary)
        if code is None:
            result.dispose(ctx, row.sheet, row.row_number, "quarantined", "province not resolved")
            continue
        staged = 0
        for index, year, prelim in years:
            value = parse_value(result, ctx, row, index, "vi")
            if value is None:
                continue
            staged += 1
            result.observe(ctx, row.sheet, row.row_number, column_letter(index), province_text=label,
                           province_code=code, boundary=boundary, year=year, measure_code=table["measure"],
                           value=value * scale, unit=unit, is_preliminary=prelim)
        disposition = "staged" if staged == len(years) else ("partial" if staged else "quarantined")
        result.dispose(ctx, row.sheet, row.row_number, disposition, f"{staged} of {len(years)} values staged")


def _record_totals(
    result: ConformResult, ctx: FileContext, row: GridRow, label: str, kind: str,
    years: list[tuple[int, int, bool]], table: dict, unit: str, scale: float, boundary: str,
) -> None:
    """National and region rows are not observations, but reconciliation compares province sums with them."""
    for index, year, _ in years:
        text, cell_kind = cell(row, index)
        parsed = float(text) if cell_kind == "n" else parse_number(text, locale_hint="vi").value
        if parsed is None:
            continue
        result.totals.append({
            "source_id": ctx.source_id, "file_path": ctx.file_path, "file_sha256": ctx.file_sha256,
            "sheet": row.sheet, "row_number": row.row_number, "column_ref": column_letter(index), "label": label,
            "kind": kind, "boundary": boundary, "year": year, "measure_code": table["measure"],
            "value": parsed * scale, "unit": unit, "edition_year": ctx.data_year,
        })
