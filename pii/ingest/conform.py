"""Landing file → raw rows → conformed observations, dispatched on the source kind."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from pii.catalog import Source
from pii.ingest.agency_submission import conform_agency
from pii.ingest.grid import GridError, GridRow, read_grid
from pii.ingest.landing import LandingFile
from pii.ingest.record_list import conform_records
from pii.ingest.results import ConformResult, FileContext
from pii.ingest.survey_index import conform_survey
from pii.ingest.yearbook import conform_yearbook
from pii.parsing.encodings import EncodingError
from pii.provinces import ProvinceRegistry

Adapter = Callable[[Source, FileContext, list[GridRow], ProvinceRegistry], ConformResult]
ADAPTERS: dict[str, Adapter] = {
    "yearbook": conform_yearbook,
    "survey_index": conform_survey,
    "agency_submission": conform_agency,
    "record_list": conform_records,
}

RAW_SCHEMA = {
    "source_id": pl.String, "data_year": pl.Int32, "file_path": pl.String, "file_sha256": pl.String,
    "sheet": pl.String, "row_number": pl.Int64, "cells": pl.List(pl.String), "cell_types": pl.List(pl.String),
    "read_error": pl.String,
}


def read_raw(source: Source, landing_file: LandingFile) -> pl.DataFrame:
    """Every physical row of one landing file; an unreadable file becomes one row carrying the error."""
    base = {"source_id": source.source_id, "data_year": landing_file.data_year, "file_path": landing_file.rel_path,
            "file_sha256": landing_file.sha256}
    try:
        rows = read_grid(landing_file.abs_path, source.format, landing_file.rel_path)
    except (GridError, EncodingError) as exc:
        return pl.DataFrame([{**base, "sheet": "", "row_number": 0, "cells": [], "cell_types": [],
                              "read_error": str(exc)}], schema=RAW_SCHEMA, orient="row")
    return pl.DataFrame(
        [{**base, "sheet": r.sheet, "row_number": r.row_number, "cells": list(r.cells), "cell_types": list(r.types),
          "read_error": None} for r in rows],
        schema=RAW_SCHEMA, orient="row",
    )


def conform_raw(source: Source, raw: pl.DataFrame, registry: ProvinceRegistry) -> ConformResult:
    """Conform all files of one source (a raw table) file by file."""
    result = ConformResult()
    adapter = ADAPTERS[source.kind]
    for (file_path, sha, year), frame in raw.sort("file_path", "sheet", "row_number").group_by(
        ["file_path", "file_sha256", "data_year"], maintain_order=True
    ):
        ctx = FileContext(source.source_id, str(file_path), str(sha), int(year))
        errors = frame.filter(pl.col("read_error").is_not_null())
        if errors.height:
            message = errors["read_error"][0]
            result.quarantine_cell(ctx, "", 0, "", "", "unreadable_file", message)
            result.dispose(ctx, "", 0, "quarantined", "unreadable file")
            continue
        rows = [GridRow(r["sheet"], r["row_number"], tuple(r["cells"]), tuple(r["cell_types"]))
                for r in frame.iter_rows(named=True)]
        result.extend(adapter(source, ctx, rows, registry))
    return result
