"""Survey index tables (PCI, PAPI, PAR Index, DTI): one row per province, one column per component."""

from __future__ import annotations

from pii.catalog import Source, load_measures
from pii.ingest.cells import (
    cell,
    classify_label,
    column_letter,
    find_header,
    fold,
    header_index,
    parse_value,
    resolve_province,
)
from pii.ingest.grid import GridRow
from pii.ingest.results import ConformResult, FileContext
from pii.provinces import ProvinceRegistry, boundary_for_year


def conform_survey(
    source: Source, ctx: FileContext, rows: list[GridRow], registry: ProvinceRegistry,
) -> ConformResult:
    result = ConformResult()
    measures = load_measures()
    boundary = boundary_for_year(ctx.data_year)
    regions = {fold(p.region_vi) for p in registry.provinces(boundary)}
    locale = source.spec.get("number_locale", "en")
    header = find_header(rows, source.spec["province_column"])
    if header is None:
        result.quarantine_cell(ctx, "", 0, "", "", "missing_header",
                               f"no header row with the column '{source.spec['province_column']}'")
        for row in rows:
            result.dispose(ctx, row.sheet, row.row_number, "quarantined", "file has no header row")
        return result
    province_col = header_index(header, source.spec["province_column"])
    mapped: list[tuple[int, str]] = []
    for label, measure in source.spec["columns"].items():
        index = header_index(header, label)
        if index is None:
            result.quarantine_cell(ctx, header.sheet, header.row_number, "", "", "missing_column",
                                   f"column '{label}' (measure {measure}) is not in the header")
        else:
            mapped.append((index, measure))
    for row in rows:
        if row.row_number <= header.row_number:
            result.dispose(ctx, row.sheet, row.row_number, "structural", "title or header")
            continue
        if row.is_blank():
            result.dispose(ctx, row.sheet, row.row_number, "structural", "blank")
            continue
        label, _ = cell(row, province_col or 0)
        kind = classify_label(label, regions)
        if kind is not None:
            result.dispose(ctx, row.sheet, row.row_number, "structural", f"{kind} row")
            continue
        code = resolve_province(result, ctx, registry, row, province_col or 0, boundary)
        if code is None:
            result.dispose(ctx, row.sheet, row.row_number, "quarantined", "province not resolved")
            continue
        staged = 0
        for index, measure in mapped:
            value = parse_value(result, ctx, row, index, locale)
            if value is None:
                continue
            staged += 1
            result.observe(ctx, row.sheet, row.row_number, column_letter(index), province_text=label,
                           province_code=code, boundary=boundary, year=ctx.data_year, measure_code=measure,
                           value=value, unit=measures[measure].unit)
        disposition = "staged" if staged == len(mapped) else ("partial" if staged else "quarantined")
        result.dispose(ctx, row.sheet, row.row_number, disposition, f"{staged} of {len(mapped)} values staged")
    return result
