"""One conform asset per set-based record list (kind ``record_list`` as CSV/Parquet; pii/ingest/tabular_records.py).

``staging/<source_id>`` reads ``raw.<source_id>`` (loaded by DuckDB, pii/ingest/tabular.py) and writes the
source's rows of staging.record_rows, quarantine.rows, meta.row_dispositions (rows not counted) and
meta.disposition_counts (counted rows per file), file by file. It runs before the cell-level ``conformed``
step, which keeps the rows of sources it does not conform, lists these files in meta.landing_files and
reconciles them in its ``row_conservation`` check (raw rows = per-row dispositions + counted rows).

Incremental per file (a file-hash ledger, ``meta.set_based_files``): a file is conformed again only when it is
new, its sha256 changed, the source's entry in sources.yaml changed, or its rows are no longer all in the
shared tables (a table rebuilt by another step); rows of files that left the landing folder are deleted.
Microdata sources have their own assets (assets/staging/microdata.py).
"""


import hashlib
import json

import dagster as dg
import duckdb
import polars as pl
from dagster_duckdb import DuckDBResource

from assets._warehouse import ensure_schemas, table_metadata
from assets.staging.microdata import LEDGER_DDL as MICRODATA_LEDGER_DDL
from pii.catalog import Source, load_sources
from pii.ingest.set_based import is_set_based
from pii.ingest.tabular_records import TARGETS, conform_record_files, ensure_targets, store_records
from pii.provinces import ProvinceRegistry

GROUP = "staging"
LEDGER = "meta.set_based_files"
LEDGER_DDL = f"""CREATE TABLE IF NOT EXISTS {LEDGER} (source_id VARCHAR, file_path VARCHAR, file_sha256 VARCHAR,
    spec_hash VARCHAR, records BIGINT, quarantine_rows BIGINT, disposition_rows BIGINT, count_rows BIGINT)"""
# ledger column -> (temp table of this run, shared table): per-file row counts that show a file's rows are there
LEDGER_COUNTS = {"records": "_rl_records", "quarantine_rows": "_rl_quarantine", "disposition_rows": "_rl_dispositions",
                 "count_rows": "_rl_counts"}


def record_list_sources() -> list[Source]:
    """The record lists read set-based (the xlsx registry stays cell-level)."""
    return [s for s in load_sources().values() if is_set_based(s) and s.kind == "record_list"]


def spec_hash(source: Source) -> str:
    entry = {"kind": source.kind, "format": source.format, "spec": source.spec, "spec_error": source.spec_error}
    return hashlib.sha256(json.dumps(entry, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def stale_files(conn: duckdb.DuckDBPyConnection, source: Source) -> tuple[list[str], list[str]]:
    """(files to conform again, files that left raw) of one source, from the ledger."""
    sid = _lit(source.source_id)
    counts = " ".join(
        f"LEFT JOIN (SELECT file_path, count(*) AS n FROM {TARGETS[temp]} WHERE source_id = {sid} GROUP BY 1) "
        f"{col} USING (file_path)" for col, temp in LEDGER_COUNTS.items())
    differs = " OR ".join(f"coalesce({col}.n, 0) <> l.{col}" for col in LEDGER_COUNTS)
    stale = [p for (p,) in conn.execute(f"""
        WITH raw_files AS (SELECT file_path, any_value(file_sha256) AS file_sha256 FROM raw.{source.source_id}
                           GROUP BY file_path)
        SELECT file_path FROM raw_files r
        LEFT JOIN (SELECT * FROM {LEDGER} WHERE source_id = {sid}) l USING (file_path) {counts}
        WHERE l.file_path IS NULL OR l.file_sha256 IS DISTINCT FROM r.file_sha256
           OR l.spec_hash <> {_lit(spec_hash(source))} OR {differs}
        ORDER BY 1""").fetchall()]
    gone = [p for (p,) in conn.execute(f"""
        SELECT DISTINCT file_path FROM {LEDGER} WHERE source_id = {sid}
          AND file_path NOT IN (SELECT DISTINCT file_path FROM raw.{source.source_id}) ORDER BY 1""").fetchall()]
    return stale, gone


def _update_ledger(conn: duckdb.DuckDBPyConnection, source: Source, stale: list[str], gone: list[str]) -> None:
    sid = _lit(source.source_id)
    conn.execute(f"DELETE FROM {LEDGER} WHERE source_id = {sid} AND file_path IN (SELECT unnest(?::VARCHAR[]))",
                 [stale + gone])
    counts = ", ".join(f"(SELECT count(*) FROM {temp} x WHERE x.file_path = f.file_path)"
                       for temp in LEDGER_COUNTS.values())
    conn.execute(f"INSERT INTO {LEDGER} SELECT {sid}, f.file_path, f.file_sha256, {_lit(spec_hash(source))}, "
                 f"{counts} FROM _rl_files f")
    conn.execute(f"CREATE OR REPLACE TABLE {LEDGER} AS SELECT * FROM {LEDGER} ORDER BY source_id, file_path")


def set_based_listing(conn: duckdb.DuckDBPyConnection, source: Source) -> pl.DataFrame:
    """The files of a set-based source's raw table as the cell-level step lists its own (meta.landing_files,
    row conservation): source, year, path, sha256, raw rows, read error; empty when the raw table is missing."""
    exists = conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' "
                          "AND table_name = ?", [source.source_id]).fetchall()[0][0]
    if not exists:
        return pl.DataFrame(schema={"source_id": pl.String, "data_year": pl.Int32, "file_path": pl.String,
                                    "file_sha256": pl.String, "raw_rows": pl.Int64, "read_error": pl.String})
    if source.kind == "microdata":  # a file register; the rows read and a read error are in the conform ledger
        conn.execute(MICRODATA_LEDGER_DDL)
        return conn.sql(f"""
            SELECT r.source_id, r.data_year, r.file_path, r.file_sha256, l.raw_rows,
                   coalesce(r.read_error, l.read_error) AS read_error
            FROM raw.{source.source_id} r LEFT JOIN meta.microdata_files l
              ON l.source_id = r.source_id AND l.file_path = r.file_path
            ORDER BY r.file_path""").pl()
    return conn.sql(f"""
        SELECT any_value(source_id) AS source_id, any_value(data_year) AS data_year, file_path,
               any_value(file_sha256) AS file_sha256, count(*) AS raw_rows, min(read_error) AS read_error
        FROM raw.{source.source_id} GROUP BY file_path ORDER BY file_path""").pl()


def _build(source: Source) -> dg.AssetsDefinition:
    sid = source.source_id

    @dg.asset(
        key=["staging", sid], group_name=GROUP, kinds={"duckdb", "sql"}, deps=[["raw", sid]],
        description=(f"{source.title}: records conformed set-based in DuckDB (provinces, dates, categories, "
                     "repeated record ids), written per file into staging.record_rows, quarantine.rows, "
                     "meta.row_dispositions and meta.disposition_counts."),
    )
    def _asset(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
        with duckdb.get_connection() as conn:
            ensure_schemas(conn)
            ensure_targets(conn)
            conn.execute(LEDGER_DDL)
            exists = conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' "
                                  "AND table_name = ?", [sid]).fetchall()[0][0]
            if not exists:
                context.log.error(f"raw.{sid} does not exist (its raw step did not run or failed); nothing staged")
                return dg.MaterializeResult(metadata={"skipped": f"raw.{sid} missing"})
            stale, gone = stale_files(conn, source)
            if stale or gone:
                outcome = conform_record_files(conn, source, ProvinceRegistry.load(), stale)
                store_records(conn, source, stale)
                _update_ledger(conn, source, stale, gone)
                context.log.info(f"{sid}: {len(stale)} file(s) conformed ({outcome.rows:,} rows: {outcome.counted:,} "
                                 f"counted, {outcome.quarantined:,} quarantined), {len(gone)} removed")
            else:
                context.log.info(f"{sid}: no file changed since the last run")
            meta = table_metadata(conn, "staging.record_rows")
        meta["files_conformed"] = dg.MetadataValue.int(len(stale))
        meta["files_removed"] = dg.MetadataValue.int(len(gone))
        return dg.MaterializeResult(metadata=meta)

    return _asset


tabular_assets = [_build(s) for s in record_list_sources()]
