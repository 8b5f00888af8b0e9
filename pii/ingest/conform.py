"""Landing file → raw rows → conformed observations, dispatched on the source kind.

After each file's adapter, values given twice in the file are settled (duplicates.py), whatever the kind.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import pyarrow as pa

from pii.catalog import Measure, Source, load_measures
from pii.ingest.agency_submission import conform_agency
from pii.ingest.duplicates import settle_duplicates
from pii.ingest.grid import GridError, GridRow, read_grid
from pii.ingest.landing import LandingFile
from pii.ingest.record_list import conform_records
from pii.ingest.results import ConformResult, FileContext
from pii.ingest.survey_index import conform_survey
from pii.ingest.survey_workbook import conform_survey_workbook
from pii.ingest.yearbook import conform_yearbook
from pii.parsing.encodings import EncodingError
from pii.provinces import ProvinceRegistry

Adapter = Callable[[Source, FileContext, list[GridRow], ProvinceRegistry], ConformResult]
ADAPTERS: dict[str, Adapter] = {
    "yearbook": conform_yearbook,
    "survey_index": conform_survey,
    "survey_workbook": conform_survey_workbook,
    "agency_submission": conform_agency,
    "record_list": conform_records,
}

RAW_SCHEMA = {
    "source_id": pl.String, "data_year": pl.Int32, "file_path": pl.String, "file_sha256": pl.String,
    "sheet": pl.String, "row_number": pl.Int64, "cells": pl.List(pl.String), "cell_types": pl.List(pl.String),
    "read_error": pl.String, "read_error_code": pl.String,
}


def read_raw(source: Source, landing_file: LandingFile) -> pl.DataFrame:
    """Every physical row of one landing file; an unreadable file becomes one row carrying the error."""
    base = {"source_id": source.source_id, "data_year": landing_file.data_year, "file_path": landing_file.rel_path,
            "file_sha256": landing_file.sha256}
    code = "unreadable_file"
    try:
        if landing_file.error:
            code = landing_file.error_code
            raise GridError(landing_file.error)  # refused by find_files (link outside landing, too large, ...)
        rows = read_grid(landing_file.abs_path, source.format, landing_file.rel_path)
    except (GridError, EncodingError) as exc:
        message = str(exc) if str(exc).startswith(landing_file.rel_path) else f"{landing_file.rel_path}: {exc}"
        return pl.DataFrame([{**base, "sheet": "", "row_number": 0, "cells": [], "cell_types": [],
                              "read_error": message, "read_error_code": code}], schema=RAW_SCHEMA, orient="row")
    n = len(rows)  # built through Arrow, column by column: a record list has tens of thousands of rows
    strings = pa.list_(pa.string())
    table = pa.table({
        **{k: pa.array([v] * n) for k, v in base.items()},
        "sheet": pa.array([r.sheet for r in rows], pa.string()),
        "row_number": pa.array([r.row_number for r in rows], pa.int64()),
        "cells": pa.array([r.cells for r in rows], strings),
        "cell_types": pa.array([r.types for r in rows], strings),
        "read_error": pa.array([None] * n, pa.string()),
        "read_error_code": pa.array([None] * n, pa.string()),
    })
    return pl.from_arrow(table).cast(RAW_SCHEMA)


def conform_raw(
    source: Source, raw: pl.DataFrame, registry: ProvinceRegistry, measures: dict[str, Measure] | None = None,
) -> ConformResult:
    """Conform all files of one source (a raw table) file by file (``measures``: the catalog, default measures.csv)."""
    result = ConformResult()
    adapter = ADAPTERS[source.kind]
    catalog = measures if measures is not None else load_measures()
    for (file_path, sha, year), frame in raw.sort("file_path", "sheet", "row_number").group_by(
        ["file_path", "file_sha256", "data_year"], maintain_order=True
    ):
        ctx = FileContext(source.source_id, str(file_path), str(sha), int(year), catalog)
        errors = frame.filter(pl.col("read_error").is_not_null())
        if errors.height:
            message, code = errors["read_error"][0], errors["read_error_code"][0] or "unreadable_file"
            result.quarantine_cell(ctx, "", 0, "", "", code, message)
            result.dispose(ctx, "", 0, "quarantined", "unreadable file")
            continue
        rows = [GridRow(sheet, number, tuple(cells), tuple(types))
                for sheet, number, cells, types in frame.select("sheet", "row_number", "cells", "cell_types").rows()]
        part = adapter(source, ctx, rows, registry)
        settle_duplicates(part, ctx, rows)
        result.extend(part)
    return result
