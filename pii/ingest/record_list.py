"""Administrative record lists (IP applications, S&T organisation registry): one row per record.

Each record is resolved to a province and a measure here; counting per province happens in SQL
(sql/staging/measure_observations.sql), where provinces with no records get an explicit zero.
A record id listed twice never counts twice (duplicates.record_repeats: the policy of every adapter,
comparing only the columns the spec reads); a header label the spec reads that heads two columns
rejects the file (``duplicate_header``).
"""

from __future__ import annotations

import datetime as dt
import re

from pii.catalog import Source
from pii.ingest.cells import cell, column_letter, find_header, fold, header_index, resolve_province
from pii.ingest.duplicates import record_repeats
from pii.ingest.filelevel import reject_rows, sheet_present
from pii.ingest.grid import GridRow
from pii.ingest.header_labels import check_unique_labels
from pii.ingest.results import ConformResult, FileContext
from pii.provinces import ProvinceRegistry, boundary_for_year

DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def parse_date(text: str, kind: str) -> dt.date | None:
    """dd/mm/yyyy (Vietnamese order), ISO dates, and dates stored as Excel date cells."""
    text = text.strip()
    match = DMY.fullmatch(text)
    if match:  # the common case, without strptime's cost
        try:
            return dt.date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        except ValueError:
            return None
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def conform_records(
    source: Source, ctx: FileContext, rows: list[GridRow], registry: ProvinceRegistry,
) -> ConformResult:
    result = ConformResult()
    spec = source.spec
    boundary = boundary_for_year(ctx.data_year)
    sheet = spec.get("sheet")
    for row in rows:
        if sheet and row.sheet != sheet:
            result.dispose(ctx, row.sheet, row.row_number, "structural", "sheet not mapped in sources.yaml")
    data_rows = [r for r in rows if not sheet or r.sheet == sheet]
    if not sheet_present(result, ctx, sheet or "", data_rows, "counted"):
        return result
    header = find_header(data_rows, spec["province_column"])
    needed = {"province": spec["province_column"], "id": spec["record_id_column"], "date": spec["date_column"]}
    if "category_column" in spec:
        needed["category"] = spec["category_column"]
    if "status_column" in spec:
        needed["status"] = spec["status_column"]
    cols = {k: header_index(header, v) for k, v in needed.items()} if header else {}
    missing = [needed[k] for k in needed if cols.get(k) is None]
    if header is None or missing:
        what = "no header row" if header is None else f"missing columns: {', '.join(missing)}"
        result.quarantine_cell(ctx, sheet or "", header.row_number if header else 0, "", "", "missing_column", what)
        for row in data_rows:
            result.dispose(ctx, row.sheet, row.row_number, "quarantined", what)
        return result
    if not check_unique_labels(result, ctx, header, needed.values()):
        reject_rows(result, ctx, data_rows, header.row_number, "a header label the spec reads is repeated")
        return result
    categories = {fold(k): v for k, v in spec.get("categories", {}).items()}
    id_col = cols["id"]
    assert id_col is not None
    body = [r for r in data_rows if r.row_number > header.row_number and not r.is_blank()]
    repeats = record_repeats(body, id_col, sorted(i for i in cols.values() if i is not None))
    for row in data_rows:
        if row.row_number <= header.row_number:
            result.dispose(ctx, row.sheet, row.row_number, "structural", "title or header")
        elif row.is_blank():
            result.dispose(ctx, row.sheet, row.row_number, "structural", "blank")
        elif row.row_number in repeats:  # a record listed twice never counts twice (duplicates.py)
            code, message = repeats[row.row_number]
            result.quarantine_cell(ctx, row.sheet, row.row_number, column_letter(id_col), cell(row, id_col)[0].strip(),
                                   code, message)
            result.dispose(ctx, row.sheet, row.row_number, "quarantined", code.replace("_", " "))
        else:
            outcome = _conform_record(result, ctx, row, cols, spec, categories, boundary, registry)
            result.dispose(ctx, row.sheet, row.row_number, outcome[0], outcome[1])
    return result


def _conform_record(
    result: ConformResult, ctx: FileContext, row: GridRow, cols: dict[str, int | None], spec: dict,
    categories: dict[str, str], boundary: str, registry: ProvinceRegistry,
) -> tuple[str, str]:
    def col(key: str) -> int:
        index = cols[key]
        assert index is not None
        return index

    if "status" in cols:
        status, _ = cell(row, col("status"))
        if fold(status) != fold(spec["counted_status"]):
            return "structural", f"status '{status}' is not counted"
    if "category" in cols:
        category, _ = cell(row, col("category"))
        measure = categories.get(fold(category))
        if measure is None:
            result.quarantine_cell(ctx, row.sheet, row.row_number, column_letter(col("category")), category,
                                   "unknown_category", f"category '{category}' is not mapped in sources.yaml")
            return "quarantined", "unknown category"
    else:
        measure = spec["measure"]
    date_text, kind = cell(row, col("date"))
    date = parse_date(date_text, kind)
    if date is None:
        result.quarantine_cell(ctx, row.sheet, row.row_number, column_letter(col("date")), date_text, "bad_date",
                               f"cannot read '{date_text}' as a date (expected dd/mm/yyyy)")
        return "quarantined", "bad date"
    if "category" in cols and date.year != ctx.data_year:
        result.quarantine_cell(ctx, row.sheet, row.row_number, column_letter(col("date")), date_text, "wrong_year",
                               f"filed in {date.year}, but the file is for data year {ctx.data_year}")
        return "quarantined", "date outside the data year"
    code = resolve_province(result, ctx, registry, row, col("province"), boundary)
    if code is None:
        return "quarantined", "province not resolved"
    result.records.append({
        "source_id": ctx.source_id, "file_path": ctx.file_path, "file_sha256": ctx.file_sha256, "sheet": row.sheet,
        "row_number": row.row_number, "record_id": cell(row, col("id"))[0], "province_code": code,
        "boundary": boundary, "year": ctx.data_year, "measure_code": measure, "edition_year": ctx.data_year,
    })
    return "counted", measure
