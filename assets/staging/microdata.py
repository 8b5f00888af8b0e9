"""One read-conform-aggregate asset per microdata source (kind ``microdata``; pii/ingest/microdata.py).

``staging/<source_id>`` reads each landing file its register ``raw.<source_id>`` lists as new or changed
(assets/raw/microdata.py) straight into a temporary table (pii/ingest/tabular.py ``load_tabular``), one file at a
time, conforms and aggregates it there, and writes the file's rows of staging.microdata_observations,
quarantine.rows, meta.row_dispositions (rows not counted) and meta.disposition_counts. Unit records are never
stored in the build file. Incremental per file: a ledger (``meta.microdata_files``) holds each conformed file's
sha256, the rows read from it and how many rows it left in those tables; only files whose sha256 changed, that
are new, or whose rows are no longer all there (a table rebuilt by another step) are read again, and the rows of
files that left the register are deleted. Its ``row_conservation`` check reconciles every registered file's rows
read with its counted rows plus its per-row dispositions, and fails for a registered file never conformed.
"""

from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from assets._quality import result as check_result
from assets._quality import spec
from assets._warehouse import ensure_schemas, table_metadata
from assets.raw.microdata import REGISTER_COLUMNS
from pii.catalog import Source, load_sources
from pii.db_layout import drop_if_layout_differs, table_columns
from pii.ingest.landing import LandingFile, find_files
from pii.ingest.microdata import (
    TARGETS,
    conform_landing_file,
    ensure_targets,
    remove_files,
    store_microdata,
)
from pii.provinces import ProvinceRegistry
from pipelines.resources import PiiPaths

GROUP = "staging"
ROW_CONSERVATION = "row_conservation"
OBSERVATIONS = "staging.microdata_observations"
LEDGER_COLUMNS = ("source_id", "file_path", "file_sha256", "raw_rows", "read_error", "observations",
                  "quarantine_rows", "disposition_rows", "count_rows")
LEDGER_DDL = """CREATE TABLE IF NOT EXISTS meta.microdata_files (source_id VARCHAR, file_path VARCHAR,
    file_sha256 VARCHAR, raw_rows BIGINT, read_error VARCHAR, observations BIGINT, quarantine_rows BIGINT,
    disposition_rows BIGINT, count_rows BIGINT)"""
# (ledger column, target table) pairs whose per-file row counts show a file's results are all still there
LEDGER_COUNTS = (("observations", OBSERVATIONS), ("quarantine_rows", TARGETS["_md_quarantine"]),
                 ("disposition_rows", TARGETS["_md_dispositions"]),
                 ("count_rows", TARGETS["_md_disposition_counts"]))


def microdata_sources() -> list[Source]:
    return [s for s in load_sources().values() if s.kind == "microdata"]


def _raw_layout_problem(conn: duckdb.DuckDBPyConnection, source: Source) -> str | None:
    """Why raw.<source_id> is no file register to read from (missing, or another layout), or None."""
    columns = table_columns(conn, f"raw.{source.source_id}")
    if not columns:
        return f"raw.{source.source_id} does not exist (its raw step did not run or failed)"
    if columns != REGISTER_COLUMNS:
        return (f"raw.{source.source_id} is not a file register ({', '.join(REGISTER_COLUMNS)}): its raw step "
                "has not run with this code")
    return None


def ensure_ledger(conn: duckdb.DuckDBPyConnection) -> None:
    """The ledger; one of an older layout is dropped, so every file is read and conformed again."""
    drop_if_layout_differs(conn, "meta.microdata_files", LEDGER_COLUMNS)
    conn.execute(LEDGER_DDL)


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


def _forget_in_ledger(conn: duckdb.DuckDBPyConnection, source: Source, paths: list[str]) -> None:
    conn.execute("DELETE FROM meta.microdata_files WHERE source_id = ? AND file_path IN "
                 "(SELECT unnest(?::VARCHAR[]))", [source.source_id, paths])


def _ledger_conformed(conn: duckdb.DuckDBPyConnection, source: Source) -> None:
    """Ledger rows of the files just conformed and stored (``_md_files`` and the ``_md_*`` tables)."""
    sid = _lit(source.source_id)
    temp = {"observations": "_md_observations", "quarantine_rows": "_md_quarantine",
            "disposition_rows": "_md_dispositions", "count_rows": "_md_disposition_counts"}
    counts = ", ".join(f"(SELECT count(*) FROM {name} x WHERE x.file_path = f.file_path)" for name in temp.values())
    conn.execute("DELETE FROM meta.microdata_files WHERE source_id = ? AND file_path IN "
                 "(SELECT file_path FROM _md_files)", [source.source_id])
    conn.execute(f"INSERT INTO meta.microdata_files SELECT {sid}, f.file_path, f.file_sha256, f.n_rows, "
                 f"f.read_error, {counts} FROM _md_files f")


def _order_ledger(conn: duckdb.DuckDBPyConnection) -> None:
    # Stored in a fixed order, so an incremental run leaves the same table as a fresh build.
    conn.execute("CREATE OR REPLACE TABLE meta.microdata_files AS SELECT * FROM meta.microdata_files "
                 "ORDER BY source_id, file_path")


def conservation(conn: duckdb.DuckDBPyConnection, source: Source) -> list[dict]:
    """Registered files whose rows read differ from counted rows + per-row dispositions (or that repeat a row,
    or were never conformed: ``raw_rows`` None)."""
    sid = _lit(source.source_id)
    rows = conn.execute(f"""
        WITH raw_counts AS (SELECT r.file_path, l.raw_rows FROM raw.{source.source_id} r
                            LEFT JOIN meta.microdata_files l ON l.source_id = {sid} AND l.file_path = r.file_path),
        counted AS (SELECT file_path, sum(rows) AS n FROM meta.disposition_counts WHERE source_id = {sid} GROUP BY 1),
        disposed AS (SELECT file_path, count(*) AS n, count(DISTINCT (sheet, row_number)) AS distinct_rows
                     FROM meta.row_dispositions WHERE source_id = {sid} GROUP BY 1)
        SELECT r.file_path, r.raw_rows, coalesce(c.n, 0) AS counted, coalesce(d.n, 0) AS disposed,
               coalesce(d.distinct_rows, 0) AS distinct_rows
        FROM raw_counts r LEFT JOIN counted c USING (file_path) LEFT JOIN disposed d USING (file_path)
        WHERE r.raw_rows IS NULL OR r.raw_rows <> coalesce(c.n, 0) + coalesce(d.n, 0)
           OR coalesce(d.n, 0) <> coalesce(d.distinct_rows, 0)
        ORDER BY 1""").fetchall()
    return [{"file": f, "raw_rows": r, "counted": c, "dispositions": d, "distinct_rows": n} for f, r, c, d, n in rows]


def conform_stale(conn: duckdb.DuckDBPyConnection, source: Source, stale: list[str], landing: Path,
                  log: dg.DagsterLogManager) -> tuple[int, int, int]:
    """Read, conform and store each stale file, one at a time (memory bounded by the largest file); returns
    (rows read, rows counted, rows quarantined)."""
    found: dict[str, LandingFile] = {f.rel_path: f for f in find_files(landing, source)} if stale else {}
    registry = ProvinceRegistry.load()
    totals = [0, 0, 0]
    for path in stale:
        landing_file = found.get(path)
        if landing_file is None:  # gone since the raw step listed it: the next run's register drops it
            log.error(f"{path}: left the landing folder after raw/{source.source_id} listed it; not conformed")
            continue
        outcome, load = conform_landing_file(conn, source, landing_file, registry)
        if not load.ok:
            log.error(str(load.read_error))
        store_microdata(conn, source, file_paths=[path])
        _ledger_conformed(conn, source)
        totals = [totals[0] + outcome.rows, totals[1] + outcome.counted, totals[2] + outcome.quarantined]
    return totals[0], totals[1], totals[2]


def build_microdata_asset(source: Source) -> dg.AssetsDefinition:
    sid = source.source_id
    table = f"staging.{sid}"

    @dg.asset(
        key=["staging", sid], group_name=GROUP, kinds={"duckdb", "sql"},
        # Before the cell-level conform step, which keeps set-based sources' rows, lists their files in
        # meta.landing_files and includes them in its row_conservation check.
        deps=[["raw", sid]],
        description=(f"{source.title}: records read from the landing files its register lists, conformed "
                     "set-based (bad values and repeated ids quarantined per row) and aggregated per province "
                     "into staging.microdata_observations; unit records are not stored."),
        check_specs=[spec(table, ROW_CONSERVATION, "critical",
                          "every raw row of every file of this microdata source is counted or has one disposition")],
    )
    def _asset(context: dg.AssetExecutionContext, duckdb: DuckDBResource, paths: PiiPaths):
        with duckdb.get_connection() as conn:
            ensure_schemas(conn)
            ensure_targets(conn)
            ensure_ledger(conn)
            problem = _raw_layout_problem(conn, source)
            if problem:
                context.log.error(f"{sid}: {problem}; nothing of this source is staged")
                yield dg.MaterializeResult(metadata={"skipped": problem})
                yield check_result(conn, context.run_id, table, ROW_CONSERVATION, "critical", True,
                                   "every raw row of every file of this microdata source is counted or disposed",
                                   0, [], {"skipped": dg.MetadataValue.text(problem)})
                return
            stale, gone = stale_files(conn, source)
            if gone:
                remove_files(conn, source, gone)
                _forget_in_ledger(conn, source, gone)
            if stale:
                rows, counted, held = conform_stale(conn, source, stale, paths.landing(), context.log)
                context.log.info(f"{sid}: {len(stale)} file(s) read and conformed ({rows:,} rows: {counted:,} "
                                 f"counted, {held:,} quarantined), {len(gone)} removed")
            else:
                context.log.info(f"{sid}: no file changed since the last run" + (f", {len(gone)} removed"
                                                                                 if gone else ""))
            if stale or gone:
                _order_ledger(conn)
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
