"""One raw asset per source in reference/sources.yaml: every row of every landing file, as text.

Raw tables keep the file exactly as it was (cells as text with their types) plus provenance: file path,
sha256, sheet and row number. Ingestion is incremental by content: a file whose sha256 is already loaded
is not read again; a changed file replaces its earlier rows in one transaction; a file that left the
landing folder is removed. Each change is logged in ``meta.file_versions`` (which version superseded
which, and when). A raw asset never fails because of one file: a file that cannot be read or stored becomes
one error row (``read_error``), and a table left by an older column layout is rebuilt from the files.
"""

from collections.abc import Callable

import dagster as dg
import duckdb
import polars as pl
from dagster_duckdb import DuckDBResource

from assets._warehouse import ensure_schemas, table_metadata
from assets.raw.file_versions import FILE_VERSIONS_DDL, log_file_version
from assets.raw.microdata import sync_file_register, sync_tabular_table
from pii.catalog import Source, load_sources
from pii.db_layout import drop_if_layout_differs
from pii.ingest.conform import RAW_SCHEMA, read_raw
from pii.ingest.isolation import exception_text
from pii.ingest.landing import LandingFile, find_files
from pii.ingest.set_based import is_set_based, raw_columns_for
from pipelines.resources import PiiPaths

GROUP = "raw"
def _ensure_raw_table(conn: duckdb.DuckDBPyConnection, table: str) -> None:
    ensure_schemas(conn)
    drop_if_layout_differs(conn, table, list(RAW_SCHEMA))  # an older version's: reload every file, not fail on insert
    conn.register("_empty", pl.DataFrame(schema=RAW_SCHEMA).to_arrow())
    conn.execute(f"CREATE TABLE IF NOT EXISTS {table} AS SELECT * FROM _empty")
    conn.unregister("_empty")
    conn.execute(FILE_VERSIONS_DDL)


def _error_frame(source: Source, f: LandingFile, message: str) -> pl.DataFrame:
    """The one raw row that stands for a file that could not be read or stored."""
    row = {"source_id": source.source_id, "data_year": f.data_year, "file_path": f.rel_path, "file_sha256": f.sha256,
           "sheet": "", "row_number": 0, "cells": [], "cell_types": [], "read_error": message,
           "read_error_code": "unreadable_file"}
    return pl.DataFrame([row], schema=RAW_SCHEMA, orient="row")


def _store(conn: duckdb.DuckDBPyConnection, table: str, source: Source, f: LandingFile, frame: pl.DataFrame,
           event: str, previous: str | None, run_id: str) -> None:
    """Replace one file's rows in one transaction (all or nothing)."""
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.execute(f"DELETE FROM {table} WHERE file_path = ?", [f.rel_path])
        conn.register("_frame", frame.to_arrow())
        conn.execute(f"INSERT INTO {table} SELECT * FROM _frame")
        log_file_version(conn, source.source_id, f.rel_path, f.sha256, f.data_year, frame.height, event, previous,
                         run_id)
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    finally:
        conn.unregister("_frame")


def sync_raw_table(
    conn: duckdb.DuckDBPyConnection, source: Source, files: list[LandingFile], run_id: str,
) -> dict[str, int]:
    """Bring ``raw.<source_id>`` in line with the landing files; returns counts per event."""
    table = f"raw.{source.source_id}"
    _ensure_raw_table(conn, table)
    loaded = dict(conn.execute(f"SELECT DISTINCT file_path, file_sha256 FROM {table}").fetchall())
    refused = dict(conn.execute(f"SELECT file_path, read_error FROM {table} WHERE read_error IS NOT NULL").fetchall())
    counts = {"added": 0, "replaced": 0, "removed": 0, "unchanged": 0}
    for f in files:
        previous = loaded.get(f.rel_path)
        # A refused file has no sha256: it is unchanged only while it is refused for the same reason.
        if previous == f.sha256 and (f.error is None or refused.get(f.rel_path) == f.error):
            counts["unchanged"] += 1
            continue
        event = "replaced" if previous else "added"
        try:
            frame = read_raw(source, f)
        except Exception as exc:  # read_raw turns reader errors into an error row; this is the backstop
            frame = _error_frame(source, f, f"{f.rel_path}: reading failed ({exception_text(exc)})")
        try:
            _store(conn, table, source, f, frame, event, previous, run_id)
        except Exception as exc:  # rows the table refuses: keep the file as one error row, the others go on
            _store(conn, table, source, f, _error_frame(source, f, f"{f.rel_path}: its rows could not be stored "
                                                        f"({exception_text(exc)})"), event, previous, run_id)
        counts[event] += 1
    present = {f.rel_path for f in files}
    for path, sha in sorted(loaded.items()):
        if path not in present:
            conn.execute(f"DELETE FROM {table} WHERE file_path = ?", [path])
            log_file_version(conn, source.source_id, path, None, None, 0, "removed", sha, run_id)
            counts["removed"] += 1
    if counts["added"] or counts["replaced"] or counts["removed"]:
        # Keep the stored order independent of the order files arrived in (deterministic tables).
        conn.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM {table} ORDER BY file_path, sheet, row_number")
    return counts


RawSync = Callable[[duckdb.DuckDBPyConnection, list[LandingFile], str], dict[str, int]]


def _raw_asset(source: Source, what: str, sync: RawSync, reader: str) -> dg.AssetsDefinition:
    """The raw asset of one source: ``sync`` brings raw.<source_id> in line with its landing files (by sha256)."""
    table = f"raw.{source.source_id}"
    disabled = f"DISABLED by an invalid entry in sources.yaml ({source.spec_error}). " if source.spec_error else ""

    @dg.asset(
        key=["raw", source.source_id], group_name=GROUP, kinds={"duckdb", source.format},
        description=f"{disabled}{source.title} — {what} `{source.file_pattern}` (agency {source.agency}){reader}.",
        metadata={"file_pattern": source.file_pattern, "adapter": source.kind, "spec_error": source.spec_error or "",
                  "reader": reader.removeprefix(", read ") or "cell-level (worker process)"},
    )
    def _asset(context: dg.AssetExecutionContext, duckdb: DuckDBResource, paths: PiiPaths) -> dg.MaterializeResult:
        landing = paths.landing()
        files = find_files(landing, source)
        if not files:
            context.log.warning(f"no files for {source.source_id} under {landing} ({source.file_pattern})")
        with duckdb.get_connection() as conn:
            counts = sync(conn, files, context.run_id)
            errors = conn.execute(
                f"SELECT read_error FROM {table} WHERE read_error IS NOT NULL ORDER BY file_path").fetchall()
            meta = table_metadata(conn, table)
        for (error,) in errors:  # each message starts with the file's path (and names the first bad line)
            context.log.error(error)
        if source.spec_error:  # its files are kept here but quarantined when conformed
            context.log.error(f"{source.spec_error}; its {len(files)} file(s) are not conformed")
        meta["files"] = dg.MetadataValue.json([{"path": f.rel_path, "sha256": f.sha256, "bytes": f.size}
                                               for f in files])
        meta["unreadable_files"] = dg.MetadataValue.int(len(errors))
        meta.update({f"files_{k}": dg.MetadataValue.int(v) for k, v in counts.items()})
        return dg.MaterializeResult(metadata=meta)

    return _asset


def _sync_set_based(source: Source) -> RawSync:
    """A record list shipped as CSV/Parquet: the columns its spec reads, kept in file order."""
    def sync(conn: duckdb.DuckDBPyConnection, files: list[LandingFile], run_id: str) -> dict[str, int]:
        counts = sync_tabular_table(conn, source, files, raw_columns_for(source), run_id)
        if counts["added"] or counts["replaced"] or counts["removed"]:
            keep_file_order(conn, f"raw.{source.source_id}")
        return counts
    return sync


def keep_file_order(conn: duckdb.DuckDBPyConnection, table: str) -> None:
    """Store a set-based raw table in file order, as a fresh build would (rows of a file are loaded in order).

    A replaced or added file's rows go to the end of the table; only when that breaks the file order (checked on
    the first rowid of each file, cheap) is the table rewritten, which costs seconds at millions of rows.
    """
    firsts = [p for (p,) in conn.execute(
        f"SELECT file_path FROM {table} GROUP BY file_path ORDER BY min(rowid)").fetchall()]
    if firsts != sorted(firsts):
        conn.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM {table} ORDER BY file_path, row_number")


def _dispatch(source: Source) -> dg.AssetsDefinition:
    """Microdata and record lists as CSV/Parquet: read set-based by DuckDB; the rest: every row, cell by cell."""
    set_based = ", read set-based by DuckDB"
    if source.kind == "microdata":
        return _raw_asset(source, "the register (path, sha256, bytes) of", lambda conn, files, run_id:
                          sync_file_register(conn, source, files, run_id),
                          ", unit records read by its staging step, not landed")
    if is_set_based(source):
        return _raw_asset(source, "the columns the spec reads of every record of", _sync_set_based(source), set_based)
    return _raw_asset(source, "every row of", lambda conn, files, run_id: sync_raw_table(conn, source, files, run_id),
                      "")


raw_assets = [_dispatch(s) for s in load_sources().values()]
