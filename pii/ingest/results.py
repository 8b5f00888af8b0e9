"""What conforming a file produces: observations, record rows, quarantined cells and a disposition per row.

Every raw row gets exactly one disposition, so row conservation per file can be checked:
``raw rows = staged + partial + quarantined + structural + counted``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

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


@dataclass
class FileContext:
    """Provenance shared by everything produced from one file."""

    source_id: str
    file_path: str
    file_sha256: str
    data_year: int


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
