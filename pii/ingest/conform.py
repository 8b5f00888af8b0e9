"""Landing file → raw rows → conformed observations, dispatched on the source kind.

After each file's adapter, values given twice in the file are settled (duplicates.py), whatever the kind.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import polars as pl

from pii.catalog import Measure, Source, load_measures
from pii.ingest.agency_submission import conform_agency
from pii.ingest.duplicates import settle_duplicates
from pii.ingest.grid import GridRow
from pii.ingest.isolated_read import ReadFailure, read_isolated
from pii.ingest.isolation import adapter_failure, quarantine_file, spec_failure
from pii.ingest.landing import LandingFile
from pii.ingest.record_list import conform_records
from pii.ingest.results import ConformResult, FileContext
from pii.ingest.survey_index import conform_survey
from pii.ingest.survey_workbook import conform_survey_workbook
from pii.ingest.yearbook import conform_yearbook
from pii.provinces import ProvinceRegistry

LOG = logging.getLogger(__name__)
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
    "read_error": pl.String, "read_error_code": pl.String, "text_delimiter": pl.String,
}


def read_raw(source: Source, landing_file: LandingFile) -> pl.DataFrame:
    """Every physical row of one landing file; an unreadable file becomes one row carrying the error.

    The file is read in the reader process (isolated_read.py) under the reading limits (read_limits.py), so a
    reader that crashes or runs out of memory costs this file only.
    """
    base = {"source_id": source.source_id, "data_year": landing_file.data_year, "file_path": landing_file.rel_path,
            "file_sha256": landing_file.sha256}
    if landing_file.error:  # refused by find_files (link outside landing, too large, ...): never opened
        read = ReadFailure(landing_file.error, landing_file.error_code)
    else:
        read = read_isolated(landing_file.abs_path, source.format, landing_file.rel_path)
    if isinstance(read, ReadFailure):
        path = landing_file.rel_path
        message = read.message if read.message.startswith(path) else f"{path}: {read.message}"
        return pl.DataFrame([{**base, "sheet": "", "row_number": 0, "cells": [], "cell_types": [],
                              "read_error": message, "read_error_code": read.code, "text_delimiter": None}],
                            schema=RAW_SCHEMA, orient="row")
    delimiter = (read.schema.metadata or {}).get(b"delimiter")
    grid = pl.from_arrow(read)
    return grid.select(
        *(pl.lit(v).alias(k) for k, v in base.items()), "sheet", "row_number", "cells", "cell_types",
        pl.lit(None).alias("read_error"), pl.lit(None).alias("read_error_code"),
        pl.lit(delimiter.decode() if delimiter else None).alias("text_delimiter"),
    ).cast(RAW_SCHEMA)


def conform_raw(
    source: Source, raw: pl.DataFrame, registry: ProvinceRegistry, measures: dict[str, Measure] | None = None,
    log: logging.Logger = LOG,
) -> ConformResult:
    """Conform all files of one source (a raw table) file by file (``measures``: the catalog, default measures.csv).

    A file is never the end of the run: a source disabled by an invalid spec entry quarantines each file as
    ``invalid_source_spec``; an exception in the adapter quarantines that file as ``adapter_error`` (traceback
    to ``log``) and the next file goes on. Either way every raw row of the file is disposed ``quarantined``.
    """
    result = ConformResult()
    catalog = measures if measures is not None else load_measures()
    for (file_path, sha, year), frame in raw.sort("file_path", "sheet", "row_number").group_by(
        ["file_path", "file_sha256", "data_year"], maintain_order=True
    ):
        ctx = FileContext(source.source_id, str(file_path), str(sha), int(year), catalog,
                          delimiter=frame["text_delimiter"][0] if "text_delimiter" in frame.columns else None)
        errors = frame.filter(pl.col("read_error").is_not_null())
        if errors.height:
            message, code = errors["read_error"][0], errors["read_error_code"][0] or "unreadable_file"
            result.quarantine_cell(ctx, "", 0, "", "", code, message)
            result.dispose(ctx, "", 0, "quarantined", "unreadable file")
            continue
        if source.spec_error:
            quarantine_file(result, ctx, frame, "invalid_source_spec", spec_failure(source), "invalid source spec")
            continue
        rows = [GridRow(sheet, number, tuple(cells), tuple(types))
                for sheet, number, cells, types in frame.select("sheet", "row_number", "cells", "cell_types").rows()]
        try:
            part = ADAPTERS[source.kind](source, ctx, rows, registry)
            settle_duplicates(part, ctx, rows)
        except Exception as exc:  # any bug or unforeseen input in one file: contain it, keep the traceback
            log.error("%s: the %s adapter failed", ctx.file_path, source.kind, exc_info=exc)
            quarantine_file(result, ctx, frame, "adapter_error", adapter_failure(source, exc), "adapter error")
            continue
        result.extend(part)
    return result
