"""What conforming a file produces: observations, record rows, quarantined cells and a disposition per row.

Every raw row gets exactly one disposition, so row conservation per file can be checked:
``raw rows = staged + partial + quarantined + structural + counted``.

Every quarantine reason starts with where the problem is, in the words a department data officer uses:
``<file>, sheet '<sheet>', row <n>, column <X>: <why>`` (sheet, row and column only when known).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from pii.catalog import Measure, load_measures

OBSERVATION_SCHEMA = {
    "source_id": pl.String, "file_path": pl.String, "file_sha256": pl.String, "sheet": pl.String,
    "row_number": pl.Int64, "column_ref": pl.String, "province_text": pl.String, "province_code": pl.String,
    "boundary": pl.String, "year": pl.Int32, "measure_code": pl.String, "value": pl.Float64, "unit": pl.String,
    "is_preliminary": pl.Boolean, "edition_year": pl.Int32, "evidence": pl.String, "priority": pl.Int8,
}
# Totals a source prints beside its provinces (national row, region subtotals): kept for reconciliation.
TOTAL_SCHEMA = {
    "source_id": pl.String, "file_path": pl.String, "file_sha256": pl.String, "sheet": pl.String,
    "row_number": pl.Int64, "column_ref": pl.String, "label": pl.String, "kind": pl.String, "boundary": pl.String,
    "year": pl.Int32, "measure_code": pl.String, "value": pl.Float64, "unit": pl.String, "edition_year": pl.Int32,
}
RECORD_SCHEMA = {
    "source_id": pl.String, "file_path": pl.String, "file_sha256": pl.String, "sheet": pl.String,
    "row_number": pl.Int64, "record_id": pl.String, "province_code": pl.String, "boundary": pl.String,
    "year": pl.Int32, "measure_code": pl.String, "edition_year": pl.Int32,
}
QUARANTINE_SCHEMA = {
    "source_id": pl.String, "file_path": pl.String, "file_sha256": pl.String, "sheet": pl.String,
    "row_number": pl.Int64, "column_ref": pl.String, "raw_value": pl.String, "reason_code": pl.String,
    "reason": pl.String, "suggestions": pl.String,
}
DISPOSITION_SCHEMA = {
    "source_id": pl.String, "file_path": pl.String, "file_sha256": pl.String, "sheet": pl.String,
    "row_number": pl.Int64, "disposition": pl.String, "detail": pl.String,
}
DISPOSITIONS = ("staged", "partial", "quarantined", "structural", "counted")
# Every reason code an adapter may give a quarantined cell, row or file, in plain words.
REASON_CODES = {
    "unreadable_file": "the file cannot be read: empty, damaged, not the format named, too large, or outside landing",
    "missing_sheet": "a sheet named in sources.yaml is not in the workbook",
    "empty_sheet": "a sheet (yearbook table, submission sheet) exists but holds nothing",
    "missing_header": "no header row was found, or the header names no year columns",
    "missing_column": "a column required by sources.yaml or the template is not in the header",
    "wrong_data_year": "the file (or yearbook table) states another year than the data year of its path",
    "unknown_province": "the name is not a province of the file's boundary (suggestions given)",
    "ambiguous_province": "the name matches several provinces",
    "wrong_boundary_province": "a province of the other boundary (e.g. Long An in a 2025 file); names its successor",
    "unknown_province_code": "the province code is not valid on the file's boundary",
    "province_code_name_mismatch": "the province code and name denote different provinces",
    "missing_province": "neither a province code nor a name is given",
    "unknown_measure": "the measure code is not one the submitting agency supplies",
    "unit_mismatch": "the unit differs from the catalog unit of the measure",
    "not_a_number": "the cell is text, a date or an error value where a number belongs",
    "missing_value": "the source marks the value as missing ('..', '-', '…', empty)",
    "formula_without_value": "a formula cell saved without its calculated result",
    "out_of_range": "the value lies outside the measure's range in measures.csv (negative count, share over 100)",
    "duplicate_row": "the same value for the same province, year and measure was given in an earlier row",
    "conflicting_duplicate": "different values for the same province, year and measure; none is staged",
    "unknown_category": "a record's category is not mapped in sources.yaml",
    "bad_date": "a record's date cannot be read",
    "wrong_year": "a record is dated outside the file's data year",
    # File-level reasons found before or while a file is read (issue 8: trust at the edges).
    "limit_exceeded": "the file exceeds a reading limit (sheet dimensions, cell count, uncompressed size, row "
                      "length); the limit is named and nothing is read",
    "ambiguous_number": "the number's decimal/thousands convention cannot be decided from the file",
    "unrecognised_file": "a file under the landing folder matches no source's file pattern (closest suggested)",
    "path_year_mismatch": "the folder year and the year in the file name disagree",
    "duplicate_file": "two different files for one source and data year; neither is read until one is removed",
    "duplicate_header": "a header label the spec reads appears in more than one column",
    "unsupported_year": "the data year lies outside the years the province boundaries cover",
    "adapter_error": "reading this file failed inside the adapter; the error is named, other files go on",
    "invalid_source_spec": "the source's entry in sources.yaml is invalid; its files are not read",
}
# Reason codes that reject a whole file (or a whole yearbook table): nothing of it may be read as complete.
FILE_LEVEL_REASONS = ("unreadable_file", "missing_header", "missing_column", "missing_sheet", "empty_sheet",
                      "wrong_data_year", "limit_exceeded", "unrecognised_file", "path_year_mismatch",
                      "duplicate_file", "duplicate_header", "unsupported_year", "adapter_error",
                      "invalid_source_spec")


def location(file_path: str, sheet: str, row: int, column: str) -> str:
    """'2024/vcci/pci_2024.csv, row 5, column C' — the place a person opens to see the problem."""
    parts = [file_path]
    if sheet:
        parts.append(f"sheet '{sheet}'")
    if row:
        parts.append(f"row {row}")
    if column:
        parts.append(f"column {column}")
    return ", ".join(parts)


@dataclass
class FileContext:
    """Provenance shared by everything produced from one file."""

    source_id: str
    file_path: str
    file_sha256: str
    data_year: int
    measures: dict[str, Measure] = field(default_factory=load_measures, repr=False)
    delimiter: str | None = None  # a CSV file's field delimiter (None for workbooks): evidence of its number format


@dataclass
class ConformResult:
    observations: list[dict] = field(default_factory=list)
    records: list[dict] = field(default_factory=list)
    quarantine: list[dict] = field(default_factory=list)
    dispositions: list[dict] = field(default_factory=list)
    totals: list[dict] = field(default_factory=list)

    def extend(self, other: ConformResult) -> None:
        self.observations += other.observations
        self.records += other.records
        self.quarantine += other.quarantine
        self.dispositions += other.dispositions
        self.totals += other.totals

    def observe(self, ctx: FileContext, row_sheet: str, row_number: int, column: str, **values: object) -> None:
        """Record one observation; ``values`` holds the measure fields (priority defaults to 1, primary)."""
        self.observations.append({
            "source_id": ctx.source_id, "file_path": ctx.file_path, "file_sha256": ctx.file_sha256,
            "sheet": row_sheet, "row_number": row_number, "column_ref": column, "is_preliminary": False,
            "edition_year": ctx.data_year, "evidence": None, "priority": 1, **values,
        })

    def quarantine_cell(
        self, ctx: FileContext, sheet: str, row: int, column: str, raw: str, code: str, reason: str,
        suggestions: str = "",
    ) -> None:
        if not reason.startswith(ctx.file_path):
            reason = f"{location(ctx.file_path, sheet, row, column)}: {reason}"
        self.quarantine.append({
            "source_id": ctx.source_id, "file_path": ctx.file_path, "file_sha256": ctx.file_sha256, "sheet": sheet,
            "row_number": row, "column_ref": column, "raw_value": raw, "reason_code": code, "reason": reason,
            "suggestions": suggestions,
        })

    def dispose(self, ctx: FileContext, sheet: str, row: int, disposition: str, detail: str = "") -> None:
        assert disposition in DISPOSITIONS, disposition
        self.dispositions.append({
            "source_id": ctx.source_id, "file_path": ctx.file_path, "file_sha256": ctx.file_sha256, "sheet": sheet,
            "row_number": row, "disposition": disposition, "detail": detail,
        })

    def frames(self) -> dict[str, pl.DataFrame]:
        return {
            "observations": pl.DataFrame(self.observations, schema=OBSERVATION_SCHEMA, orient="row"),
            "records": pl.DataFrame(self.records, schema=RECORD_SCHEMA, orient="row"),
            "quarantine": pl.DataFrame(self.quarantine, schema=QUARANTINE_SCHEMA, orient="row"),
            "dispositions": pl.DataFrame(self.dispositions, schema=DISPOSITION_SCHEMA, orient="row"),
            "totals": pl.DataFrame(self.totals, schema=TOTAL_SCHEMA, orient="row"),
        }
