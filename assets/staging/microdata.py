"""One conform-and-aggregate asset per microdata source (kind ``microdata``; pii/ingest/microdata.py).

``staging/<source_id>`` reads ``raw.<source_id>`` (written set-based by pii/ingest/tabular.py), and writes the
source's rows of staging.microdata_observations, quarantine.rows, meta.row_dispositions (rows not counted)
and meta.disposition_counts. Incremental per file: a ledger (``meta.microdata_files``) holds each conformed
file's sha256 and how many rows it left in those tables; only files whose sha256 changed, that are new, or
whose rows are no longer all there (a table rebuilt by another step) are conformed again, and the rows of
files that left the landing folder are deleted. Its ``row_conservation`` check reconciles every file's raw
row count with its counted rows plus its per-row dispositions.
"""

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from assets._quality import result as check_result
from assets._quality import spec
from assets._warehouse import ensure_schemas, table_metadata
from pii.catalog import Source, load_sources
from pii.ingest.microdata import (
    TARGETS,
    conform_microdata,
    ensure_targets,
    store_microdata,
)
from pii.ingest.microdata_spec import parse_spec
from pii.provinces import ProvinceRegistry

GROUP = "staging"
ROW_CONSERVATION = "row_conservation"
OBSERVATIONS = "staging.microdata_observations"
LEDGER_DDL = """CREATE TABLE IF NOT EXISTS meta.microdata_files (source_id VARCHAR, file_path VARCHAR,
    file_sha256 VARCHAR, observations BIGINT, quarantine_rows BIGINT, disposition_rows BIGINT, count_rows BIGINT)"""
# (ledger column, target table) pairs whose per-file row counts show a file's results are all still there
LEDGER_COUNTS = (("observations", OBSERVATIONS), ("quarantine_rows", TARGETS["_md_quarantine"]),
                 ("disposition_rows", TARGETS["_md_dispositions"]),
                 ("count_rows", TARGETS["_md_disposition_counts"]))


def microdata_sources() -> list[Source]:
    return [s for s in load_sources().values() if s.kind == "microdata"]


def _raw_layout_problem(conn: duckdb.DuckDBPyConnection, source: Source) -> str | None:
    """Why raw.<source_id> cannot be conformed set-based (missing, or not the tabular layout), or None."""
    columns = {c for (c,) in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'raw' AND table_name = ?",
        [source.source_id]).fetchall()}
    if not columns:
        return f"raw.{source.source_id} does not exist (its raw step did not run or failed)"
    if source.spec_error:
        return None  # every file is rejected as invalid_source_spec: only the fixed columns are read
    missing = sorted(set(parse_spec(source.spec).columns) - columns)
    if missing:
        return (f"raw.{source.source_id} lacks the column(s) {', '.join(missing)}: it was not loaded by the "
                "set-based reader (pii/ingest/tabular.py)")
    return None


def _ledger_counts(source_id: str) -> str:
    parts = [f"(SELECT file_path, count(*) AS n FROM {table} WHERE source_id = {_lit(source_id)} GROUP BY 1) {name}"
             for name, table in LEDGER_COUNTS]
    joins = " ".join(f"LEFT JOIN {p} USING (file_path)" for p in parts)
    counts = ", ".join(f"coalesce({name}.n, 0) AS {name}" for name, _ in LEDGER_COUNTS)
    return f"SELECT l.file_path, {counts} FROM meta.microdata_files l {joins} WHERE l.source_id = {_lit(source_id)}"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def stale_files(conn: duckdb.DuckDBPyConnection, source: Source) -> tuple[list[str], list[str]]:
    """(files to conform again, files that left raw) for one source, from the ledger."""
    sid = _lit(source.source_id)
    mismatch = " OR ".join(f"c.{name} <> l.{name}" for name, _ in LEDGER_COUNTS)
    stale = [p for (p,) in conn.execute(f"""
        WITH raw_files AS (SELECT file_path, any_value(file_sha256) AS file_sha256 FROM raw.{source.source_id}
                           GROUP BY file_path),
             counts AS ({_ledger_counts(source.source_id)})
        SELECT r.file_path FROM raw_files r
        LEFT JOIN meta.microdata_files l ON l.source_id = {sid} AND l.file_path = r.file_path
        LEFT JOIN counts c ON c.file_path = r.file_path
        WHERE l.file_path IS NULL OR l.file_sha256 IS DISTINCT FROM r.file_sha256 OR {mismatch}
        ORDER BY 1""").fetchall()]
    gone = [p for (p,) in conn.execute(f"""
        SELECT DISTINCT file_path FROM meta.microdata_files WHERE source_id = {sid}
          AND file_path NOT IN (SELECT DISTINCT file_path FROM raw.{source.source_id}) ORDER BY 1""").fetchall()]
    return stale, gone


def _update_ledger(conn: duckdb.DuckDBPyConnection, source: Source, stale: list[str], gone: list[str]) -> None:
    sid = _lit(source.source_id)
    conn.execute(f"DELETE FROM meta.microdata_files WHERE source_id = {sid} AND file_path IN "
                 "(SELECT unnest(?::VARCHAR[]))", [stale + gone])
    temp = {"observations": "_md_observations", "quarantine_rows": "_md_quarantine",
            "disposition_rows": "_md_dispositions", "count_rows": "_md_disposition_counts"}
    counts = ", ".join(f"(SELECT count(*) FROM {name} x WHERE x.file_path = f.file_path)" for name in temp.values())
    conn.execute(f"INSERT INTO meta.microdata_files SELECT {sid}, f.file_path, f.file_sha256, {counts} "
                 "FROM _md_files f")
    # Stored in a fixed order, so an incremental run leaves the same table as a fresh build.
    conn.execute("CREATE OR REPLACE TABLE meta.microdata_files AS SELECT * FROM meta.microdata_files "
                 "ORDER BY source_id, file_path")


def conservation(conn: duckdb.DuckDBPyConnection, source: Source) -> list[dict]:
    """Files of the source whose raw rows differ from counted rows + per-row dispositions (or repeat a row)."""
    sid = _lit(source.source_id)
    rows = conn.execute(f"""
        WITH raw_counts AS (SELECT file_path, count(*) AS raw_rows FROM raw.{source.source_id} GROUP BY 1),
        counted AS (SELECT file_path, sum(rows) AS n FROM meta.disposition_counts WHERE source_id = {sid} GROUP BY 1),
        disposed AS (SELECT file_path, count(*) AS n, count(DISTINCT (sheet, row_number)) AS distinct_rows
                     FROM meta.row_dispositions WHERE source_id = {sid} GROUP BY 1)
        SELECT r.file_path, r.raw_rows, coalesce(c.n, 0) AS counted, coalesce(d.n, 0) AS disposed,
               coalesce(d.distinct_rows, 0) AS distinct_rows
        FROM raw_counts r LEFT JOIN counted c USING (file_path) LEFT JOIN disposed d USING (file_path)
        WHERE r.raw_rows <> coalesce(c.n, 0) + coalesce(d.n, 0) OR coalesce(d.n, 0) <> coalesce(d.distinct_rows, 0)
        ORDER BY 1""").fetchall()
    return [{"file": f, "raw_rows": r, "counted": c, "dispositions": d, "distinct_rows": n} for f, r, c, d, n in rows]


def build_microdata_asset(source: Source) -> dg.AssetsDefinition:
    sid = source.source_id
    table = f"staging.{sid}"

    @dg.asset(
        key=["staging", sid], group_name=GROUP, kinds={"duckdb", "sql"},
        # Before the cell-level conform step, which keeps set-based sources' rows, lists their files in
        # meta.landing_files and includes them in its row_conservation check.
        deps=[["raw", sid]],
        description=(f"{source.title}: records conformed set-based (bad values and repeated ids quarantined per "
                     "row) and aggregated per province into staging.microdata_observations."),
        check_specs=[spec(table, ROW_CONSERVATION, "critical",
                          "every raw row of every file of this microdata source is counted or has one disposition")],
    )
    def _asset(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
        with duckdb.get_connection() as conn:
            ensure_schemas(conn)
            ensure_targets(conn)
            conn.execute(LEDGER_DDL)
            problem = _raw_layout_problem(conn, source)
            if problem:
                context.log.error(f"{sid}: {problem}; nothing of this source is staged")
                yield dg.MaterializeResult(metadata={"skipped": problem})
                yield check_result(conn, context.run_id, table, ROW_CONSERVATION, "critical", True,
                                   "every raw row of every file of this microdata source is counted or disposed",
                                   0, [], {"skipped": dg.MetadataValue.text(problem)})
                return
            stale, gone = stale_files(conn, source)
            if stale or gone:
                outcome = conform_microdata(conn, source, ProvinceRegistry.load(), file_paths=stale)
                store_microdata(conn, source, file_paths=stale)
                _update_ledger(conn, source, stale, gone)
                context.log.info(f"{sid}: {len(stale)} file(s) conformed ({outcome.rows:,} rows: {outcome.counted:,} "
                                 f"counted, {outcome.quarantined:,} quarantined), {len(gone)} removed")
            else:
                context.log.info(f"{sid}: no file changed since the last run")
            meta = table_metadata(conn, OBSERVATIONS)
            meta["files_conformed"] = dg.MetadataValue.int(len(stale))
            meta["files_removed"] = dg.MetadataValue.int(len(gone))
            yield dg.MaterializeResult(metadata=meta)
            failing = conservation(conn, source)
            yield check_result(conn, context.run_id, table, ROW_CONSERVATION, "critical", not failing,
                               "every raw row of every file of this microdata source is counted or disposed",
                               len(failing), failing)

    return _asset


microdata_assets = [build_microdata_asset(s) for s in microdata_sources()]
