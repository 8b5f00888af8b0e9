"""Conform every raw table: resolve provinces, parse numbers, map to measures, quarantine the rest.

Writes five tables in one step because they come from one pass over the raw rows: the observations,
record rows, quarantined cells, a disposition for every raw row, and the file register.

Incremental by file (a file-hash cursor, ``meta.conform_cursor``): each conformed file is recorded with its
sha256, its read error and a fingerprint of the code and reference data that conformed it
(``conform_fingerprint``). A run re-conforms only the files whose entry differs (added, replaced, newly
refused, or conformed by other code/reference data) and drops the rows of files that changed or left the raw
tables; the rows of every other file are kept as they are. Conforming is per file (the adapters and
duplicate settling never look across files), so the tables equal a full rebuild's: they are rewritten in one
transaction in a fixed order (the order keys, then every column), whatever order files arrived in.
"""

import hashlib
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
from dagster_duckdb import DuckDBResource

from assets._quality import result as check_result
from assets._quality import spec
from assets._warehouse import ensure_schemas, table_metadata, write_frame
from assets.staging.tabular import record_list_sources, set_based_listing
from pii.catalog import Source, load_sources
from pii.db_layout import table_columns
from pii.ingest.conform import conform_raw
from pii.ingest.file_register import landing_register
from pii.ingest.inventory import Inventory, quarantine_entries, take_inventory
from pii.ingest.isolation import exception_text, quarantine_source, unreadable_source
from pii.ingest.results import FILE_LEVEL_REASONS, ConformResult
from pii.ingest.set_based import is_set_based
from pii.ingest.tabular_records import ensure_targets as ensure_set_based_targets
from pii.provinces import ProvinceRegistry
from pipelines.resources import PiiPaths

GROUP = "staging"
ROW_CONSERVATION = "row_conservation"

OUTPUTS = {
    "staging.cell_observations": ("observations", ["measure_code", "boundary", "year", "province_code", "file_path",
                                                   "sheet", "row_number", "column_ref"]),
    "staging.record_rows": ("records", ["file_path", "sheet", "row_number"]),
    "quarantine.rows": ("quarantine", ["file_path", "sheet", "row_number", "column_ref", "reason_code"]),
    "meta.row_dispositions": ("dispositions", ["file_path", "sheet", "row_number"]),
    "staging.reported_totals": ("totals", ["measure_code", "year", "file_path", "sheet", "row_number", "column_ref"]),
}


CURSOR = "meta.conform_cursor"
CURSOR_DDL = f"""CREATE TABLE IF NOT EXISTS {CURSOR} (
    source_id VARCHAR, file_path VARCHAR, file_sha256 VARCHAR, read_error VARCHAR, fingerprint VARCHAR)"""
ROOT = Path(__file__).resolve().parents[2]
# What conforming a raw row depends on besides the row: the code and the reference data. A change here
# re-conforms every file (the cursor's fingerprint no longer matches).
FINGERPRINTED = (("pii", "*.py"), ("reference", "*"), ("assets/staging", "conformed.py"))


def conform_fingerprint() -> str:
    """sha256 over the conforming code (pii/**/*.py, this file) and reference/ (sources.yaml, measures, ...)."""
    digest = hashlib.sha256()
    for folder, pattern in FINGERPRINTED:
        for path in sorted((ROOT / folder).rglob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _landing_files(raw_files: pl.DataFrame, quarantine: list[dict], inventory: Inventory) -> pl.DataFrame:
    """One row per file under the landing folder, read or not (pii/ingest/file_register.py)."""
    return landing_register(raw_files, quarantine, inventory)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["staging", "cell_observations"], group_name=GROUP, kinds={"duckdb", "polars"},
                     deps=[*(["raw", s] for s in load_sources()),  # set-based record lists: conformed first
                           *(["staging", s.source_id] for s in record_list_sources()),
                           # microdata: conformed first too (assets/staging/microdata.py)
                           *(["staging", s.source_id] for s in load_sources().values() if s.kind == "microdata")],
                     description="Every value read from a landing cell, with provenance (file, sheet, row, column)."),
        dg.AssetSpec(["staging", "record_rows"], group_name=GROUP, kinds={"duckdb"},
                     description="Administrative records resolved to a province and measure, before counting."),
        dg.AssetSpec(["quarantine", "rows"], group_name="quarantine", kinds={"duckdb"},
                     description="Rejected cells and rows: file, sheet, row, column, raw value, reason, suggestions."),
        dg.AssetSpec(["meta", "row_dispositions"], group_name="meta", kinds={"duckdb"},
                     description="What happened to every raw row: staged, partial, quarantined, structural, counted."),
        dg.AssetSpec(["staging", "reported_totals"], group_name=GROUP, kinds={"duckdb"},
                     description="National and region totals printed in the sources, for reconciliation."),
        dg.AssetSpec(["meta", "landing_files"], group_name="meta", kinds={"duckdb"},
                     description="Every file under the landing folder: source, year, sha256, rows, status, reason."),
    ],
    check_specs=[spec("meta.row_dispositions", ROW_CONSERVATION, "critical",
                      "every raw row of every file has exactly one disposition")],
)
def conformed(context: dg.AssetExecutionContext, duckdb: DuckDBResource, paths: PiiPaths):
    registry = ProvinceRegistry.load()
    result = ConformResult()
    fingerprint = conform_fingerprint()
    handled: list[str] = []  # sources conformed here (their rows in the output tables are this step's)
    files: list[pl.DataFrame] = []  # per file of every raw table read: source, year, path, sha, rows, error
    wanted: list[tuple] = []  # the cursor after this run
    redo: set[tuple[str, str]] = set()  # (source, file) conformed this run: their earlier rows are replaced
    with duckdb.get_connection() as conn:
        cursor = _open_cursor(conn)
        for source in load_sources().values():  # one source failing never stops the others
            if is_set_based(source):  # conformed before this step (assets/staging/tabular.py): listed and checked
                files.append(set_based_listing(conn, source).cast(RAW_FILES_SCHEMA))
                continue
            handled.append(source.source_id)  # (a source skipped above this line keeps its rows untouched)
            listed = _conform_source(context, conn, source, registry, result, cursor, fingerprint, redo)
            if listed is not None:
                files.append(listed)
                wanted += [(source.source_id, p, sha, err, fingerprint)
                           for p, sha, err in listed.select("file_path", "file_sha256", "read_error").rows()]
        inventory = take_inventory(paths.landing(), load_sources().values())
        result.quarantine += quarantine_entries(inventory)  # files no source reads: one entry each
        reconformed = _merge(conn, result, handled, wanted, redo)
        file_level = conn.sql(
            "SELECT * FROM quarantine.rows WHERE reason_code IN (SELECT unnest(?)) AND source_id IS NOT NULL",
            params=[list(FILE_LEVEL_REASONS)]).pl().to_dicts()
        all_files = pl.concat(files) if files else pl.DataFrame(schema=RAW_FILES_SCHEMA)
        write_frame(conn, "meta.landing_files", _landing_files(all_files, file_level, inventory), ["file_path"])
        for table in [*OUTPUTS, "meta.landing_files"]:
            yield dg.MaterializeResult(asset_key=table.split("."), metadata={
                **table_metadata(conn, table), "files_reconformed": dg.MetadataValue.int(reconformed)})
        yield _conservation_check(conn, context.run_id, all_files)
        quarantined = conn.execute("SELECT count(*) FROM quarantine.rows").fetchall()[0][0]
    context.log.info(f"{reconformed} file(s) conformed this run; the other files' rows were kept (file-hash cursor)")
    if quarantined:
        context.log.warning(f"{quarantined} cells quarantined; see quarantine.rows")


RAW_FILES_SCHEMA = {"source_id": pl.String, "data_year": pl.Int32, "file_path": pl.String,
                    "file_sha256": pl.String, "raw_rows": pl.Int64, "read_error": pl.String}


def _open_cursor(conn: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], tuple]:
    """The cursor: (source, file) -> (sha256, read error, fingerprint) of the rows the output tables hold.

    Empty (everything is conformed again) when an output table is missing or has another column layout than
    this code writes (built by an older version).
    """
    ensure_schemas(conn)
    conn.execute(CURSOR_DDL)
    frames = ConformResult().frames()
    for table, (key, _) in OUTPUTS.items():
        columns = table_columns(conn, table)
        if columns != tuple(frames[key].columns):
            if columns:  # built by an older version: rebuilt empty, every file conformed again
                conn.execute(f"DROP TABLE {table}")
            write_frame(conn, table, frames[key], [])
            conn.execute(f"DELETE FROM {CURSOR}")
    return {(s, p): (sha, err, fp) for s, p, sha, err, fp in conn.execute(f"SELECT * FROM {CURSOR}").fetchall()}


def _merge(conn: duckdb.DuckDBPyConnection, result: ConformResult, handled: list[str], wanted: list[tuple],
           redo: set[tuple[str, str]]) -> int:
    """Replace the rows of re-conformed, changed and removed files by this run's, in one transaction.

    Rows of a file whose cursor entry is unchanged are kept; rows of sources not conformed here (set-based
    sources write these tables themselves) are never touched. Returns the number of files conformed this run.
    """
    frames = result.frames()
    kept = pl.DataFrame([w[:2] for w in wanted if w[:2] not in redo], schema={"source_id": pl.String,
                        "file_path": pl.String}, orient="row")
    conn.register("_kept", kept.to_arrow())
    conn.register("_handled", pl.DataFrame({"source_id": handled}, schema={"source_id": pl.String}).to_arrow())
    conn.execute("BEGIN TRANSACTION")
    try:
        for table, (key, order) in OUTPUTS.items():
            keep = """coalesce(t.source_id IS NOT NULL AND t.source_id NOT IN (SELECT source_id FROM _handled)
                      OR EXISTS (SELECT 1 FROM _kept k WHERE k.source_id = t.source_id AND k.file_path = t.file_path),
                      false)"""
            # Nothing of this step's changes, and no other step's rows whose order to fix: the table stays.
            unchanged = not frames[key].height and conn.execute(
                f"SELECT count(*) FILTER (WHERE NOT ({keep})), count(*) FILTER (WHERE t.source_id NOT IN "
                f"(SELECT source_id FROM _handled)) FROM {table} t").fetchall() == [(0, 0)]
            if unchanged:
                continue
            conn.register("_new", frames[key].to_arrow())
            tiebreak = [c for c in frames[key].columns if c not in order]
            by = ", ".join(f'"{c}" ASC NULLS LAST' for c in [*order, *tiebreak])
            conn.execute(f"""
                CREATE OR REPLACE TABLE {table} AS
                SELECT * FROM (
                    SELECT * FROM {table} t WHERE {keep}
                    UNION ALL BY NAME
                    SELECT * FROM _new
                ) ORDER BY {by}""")
            conn.unregister("_new")
        conn.execute(f"DELETE FROM {CURSOR}")
        if wanted:
            conn.executemany(f"INSERT INTO {CURSOR} VALUES (?, ?, ?, ?, ?)", sorted(wanted))
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    finally:
        conn.unregister("_kept")
        conn.unregister("_handled")
    return len(redo)


def _conform_source(
    context: dg.AssetExecutionContext, conn: duckdb.DuckDBPyConnection, source: Source, registry: ProvinceRegistry,
    result: ConformResult, cursor: dict[tuple[str, str], tuple], fingerprint: str, redo: set[tuple[str, str]],
) -> pl.DataFrame | None:
    """Conform the files of one source whose cursor entry changed into ``result``; returns every file of the
    source's raw table (source, year, path, sha256, raw rows, read error), or None when it cannot be read.

    Failures of single files are contained in conform_raw; this catches what is left (the raw table missing
    or unreadable, a failure outside any one file) so the other sources still conform.
    """
    table = f"raw.{source.source_id}"
    try:
        listed = conn.sql(f"""
            SELECT any_value(source_id) AS source_id, any_value(data_year) AS data_year, file_path,
                   any_value(file_sha256) AS file_sha256, count(*) AS raw_rows,
                   min(read_error) AS read_error
            FROM {table} GROUP BY file_path ORDER BY file_path""").pl().cast(RAW_FILES_SCHEMA)
        todo = [p for p, sha, err in listed.select("file_path", "file_sha256", "read_error").rows()
                if cursor.get((source.source_id, p)) != (sha, err, fingerprint)]
        raw = conn.sql(f"SELECT * FROM {table} WHERE file_path IN (SELECT unnest(?))", params=[todo]).pl() \
            if todo else None
    except Exception as exc:  # a missing or unreadable raw table: name it, keep the traceback
        context.log.error(f"{table} could not be read; source skipped", exc_info=exc)
        unreadable_source(result, source, exc)
        return None
    if raw is None:
        return listed
    redo.update((source.source_id, p) for p in todo)
    try:
        result.extend(conform_raw(source, raw, registry, log=context.log))
    except Exception as exc:
        context.log.error(f"conforming {source.source_id} failed; its files are quarantined", exc_info=exc)
        quarantine_source(result, source, raw, "adapter_error",
                          f"conforming source '{source.source_id}' failed ({exception_text(exc)}); "
                          "nothing from this file is staged, the other sources go on")
    return listed


def _conservation_check(conn: duckdb.DuckDBPyConnection, run_id: str, files: pl.DataFrame) -> dg.AssetCheckResult:
    """Raw rows = dispositions per file, over the files of every source listed this run (``files``: raw rows per
    file, from the raw tables; for microdata the rows read, from its ledger); a set-based file's counted rows are
    a count (meta.disposition_counts), its other rows have one disposition each."""
    ensure_set_based_targets(conn)
    conn.register("_listed_files", files.select("file_path", "raw_rows"))
    raw_counts = "SELECT file_path, raw_rows FROM _listed_files"
    bad = conn.execute(f"""
        WITH raw_counts AS ({raw_counts}),
        disposed AS (SELECT file_path, sum(n) AS disposed, sum(distinct_rows) AS distinct_rows FROM (
                         SELECT file_path, count(*) AS n, count(DISTINCT (sheet, row_number)) AS distinct_rows
                         FROM meta.row_dispositions GROUP BY file_path
                         UNION ALL
                         SELECT file_path, sum(rows), sum(rows) FROM meta.disposition_counts GROUP BY file_path)
                     GROUP BY file_path)
        SELECT r.file_path, r.raw_rows, coalesce(d.disposed, 0) AS disposed,
               coalesce(d.distinct_rows, 0) AS distinct_rows
        FROM raw_counts r LEFT JOIN disposed d USING (file_path)
        WHERE r.raw_rows IS DISTINCT FROM coalesce(d.disposed, 0)
           OR coalesce(d.disposed, 0) <> coalesce(d.distinct_rows, 0)
        ORDER BY r.file_path
    """).fetchall()
    conn.unregister("_listed_files")
    summary = conn.execute(
        "SELECT disposition, count(*) FROM meta.row_dispositions GROUP BY disposition ORDER BY disposition"
    ).fetchall()
    failing = [{"file": f, "raw_rows": r, "dispositions": d, "distinct_rows": n} for f, r, d, n in bad]
    return check_result(
        conn, run_id, "meta.row_dispositions", ROW_CONSERVATION, "critical", not bad,
        "every raw row of every file has exactly one disposition", len(bad), failing,
        {"dispositions": dg.MetadataValue.json({d: n for d, n in summary})},
    )
