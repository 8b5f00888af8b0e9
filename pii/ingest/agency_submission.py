"""Agency submission workbooks: sheet "Số liệu", one row per province × measure, with evidence.

The layout is the template `pii templates` writes (docs/source_formats.md). A row is staged only when
its province code and name agree, its measure belongs to the submitting agency, its unit matches the
catalog and its value lies in the measure's range; otherwise it is quarantined with the reason. The
whole file is rejected when the sheet is missing or empty, a required column is missing, or the
"Năm số liệu" line names another year than the file's data year.
"""

from __future__ import annotations

from pii.catalog import Source
from pii.ingest.cells import (
    cell,
    column_letter,
    file_convention,
    find_header,
    fold,
    header_index,
    parse_measure,
    value_cells,
)
from pii.ingest.filelevel import check_stated_year, reject_rows, sheet_present
from pii.ingest.grid import GridRow
from pii.ingest.header_labels import check_unique_labels
from pii.ingest.results import ConformResult, FileContext
from pii.parsing.number_convention import NumberConvention
from pii.provinces import ProvinceRegistry, boundary_for_year

SHEET = "Số liệu"
COLUMNS = {
    "code": "Mã tỉnh", "name": "Tỉnh/Thành phố", "measure": "Mã chỉ tiêu", "unit": "Đơn vị tính",
    "value": "Giá trị", "numerator": "Tử số", "denominator": "Mẫu số", "doc_no": "Số văn bản minh chứng",
    "doc_date": "Ngày văn bản", "submitter": "Người cung cấp",
}
REQUIRED = ("code", "name", "measure", "unit", "value")
YEAR_LABEL = "Năm số liệu"


def conform_agency(
    source: Source, ctx: FileContext, rows: list[GridRow], registry: ProvinceRegistry,
) -> ConformResult:
    result = ConformResult()
    data_rows = [r for r in rows if r.sheet == SHEET]
    for row in rows:
        if row.sheet != SHEET:
            result.dispose(ctx, row.sheet, row.row_number, "structural", "instructions sheet")
    header = find_header(data_rows, COLUMNS["measure"])
    if not _layout_ok(result, ctx, data_rows, header):
        return result
    assert header is not None
    if not check_stated_year(result, ctx, data_rows, header.row_number, YEAR_LABEL):
        return result
    if not check_unique_labels(result, ctx, header, COLUMNS.values()):
        reject_rows(result, ctx, data_rows, header.row_number, "a template column label is repeated")
        return result
    cols = {k: header_index(header, v) for k, v in COLUMNS.items()}
    boundary = boundary_for_year(ctx.data_year)
    codes = {p.code for p in registry.provinces(boundary)}
    allowed = {m.code: m for m in ctx.measures.values() if m.source_id == source.source_id}
    numbers = file_convention(source, ctx, value_cells([r for r in data_rows if r.row_number > header.row_number],
                                                  [cols["value"]] if cols["value"] is not None else []))
    for row in data_rows:
        if row.row_number <= header.row_number:
            result.dispose(ctx, row.sheet, row.row_number, "structural", "title or header")
        elif row.is_blank():
            result.dispose(ctx, row.sheet, row.row_number, "structural", "blank")
        else:
            ok = _conform_row(result, ctx, row, cols, boundary, codes, allowed, registry, numbers)
            result.dispose(ctx, row.sheet, row.row_number, "staged" if ok else "quarantined")
    return result


def _layout_ok(result: ConformResult, ctx: FileContext, data_rows: list[GridRow], header: GridRow | None) -> bool:
    """False (after quarantining the file) when the data sheet is missing or empty, or lacks a column."""
    if not sheet_present(result, ctx, SHEET, data_rows, "staged"):
        return False
    cols = {k: header_index(header, v) for k, v in COLUMNS.items()} if header else {}
    missing = [COLUMNS[k] for k in REQUIRED if cols.get(k) is None]
    if header is None or missing:
        what = (f"no header row (a row with the column '{COLUMNS['measure']}')" if header is None
                else f"missing columns: {', '.join(missing)}")
        result.quarantine_cell(ctx, SHEET, header.row_number if header else 0, "", "", "missing_column",
                               f"{what}; nothing from this file is staged")
        reject_rows(result, ctx, data_rows, header.row_number if header else 0, what)
        return False
    return True


def _text(row: GridRow, cols: dict[str, int | None], key: str) -> str:
    index = cols.get(key)
    return cell(row, index)[0].strip() if index is not None else ""


def _conform_row(
    result: ConformResult, ctx: FileContext, row: GridRow, cols: dict[str, int | None], boundary: str,
    codes: set[str], allowed: dict, registry: ProvinceRegistry, numbers: NumberConvention,
) -> bool:
    def reject(key: str, code: str, reason: str, suggestions: str = "") -> bool:
        index = cols.get(key)
        col = column_letter(index) if index is not None else ""
        result.quarantine_cell(ctx, row.sheet, row.row_number, col, _text(row, cols, key), code, reason, suggestions)
        return False

    name = _text(row, cols, "name")
    code = _text(row, cols, "code")
    if code.isdigit() and len(code) == 1:
        code = "0" + code  # Excel drops the leading zero of "01" when the column is numeric
    resolved = registry.resolve(name, boundary=boundary) if name else None
    if code and code not in codes:
        return reject("code", "unknown_province_code", f"province code '{code}' is not valid for boundary {boundary}")
    if resolved is not None and resolved.status != "ok":
        # A code with a misspelled name is accepted on the code; a name of the other boundary never is
        # ("Long An" in 2025 shares code 80 with Tây Ninh, but it is Long An's figure, not Tây Ninh's).
        if not code or resolved.status == "wrong_boundary":
            return reject("name", f"{resolved.status}_province", resolved.message, "; ".join(resolved.suggestions))
    elif resolved is not None and code and resolved.code != code:
        return reject("name", "province_code_name_mismatch",
                      f"code '{code}' and name '{name}' ({resolved.code}) name different provinces")
    province = code or (resolved.code if resolved else None)
    if not province:
        return reject("name", "missing_province", "neither province code nor name is given")
    measure = _text(row, cols, "measure")
    if measure not in allowed:
        return reject("measure", "unknown_measure",
                      f"measure '{measure}' is not supplied by {ctx.source_id} (expected one of "
                      f"{', '.join(sorted(allowed))})")
    unit = _text(row, cols, "unit")
    if fold(unit) != fold(allowed[measure].unit):
        return reject("unit", "unit_mismatch", f"unit '{unit}' differs from the catalog unit '{allowed[measure].unit}'")
    value_index = cols["value"]
    assert value_index is not None
    value = parse_measure(result, ctx, row, value_index, numbers, measure)
    if value is None:
        return False
    evidence = ", ".join(t for t in (_text(row, cols, "doc_no"), _text(row, cols, "doc_date"),
                                     _text(row, cols, "submitter")) if t)
    result.observe(ctx, row.sheet, row.row_number, column_letter(value_index), province_text=name,
                   province_code=province, boundary=boundary, year=ctx.data_year, measure_code=measure,
                   value=value, unit=allowed[measure].unit, evidence=evidence or None)
    return True
