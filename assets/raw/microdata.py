"""The raw side of set-based sources; the raw assets are built in sources.py.

**Microdata** (``kind: microdata``): ``raw.<source_id>`` is the source's file register, one row per landing file
(path, data year, sha256, bytes, and the refusal of a file the landing scan refused), kept in line with the
landing folder by :func:`sync_file_register`. Unit records are not landed in the warehouse: staging/<source_id>
reads each new or changed file straight into a temporary table, checks and aggregates it there, and keeps only
what a person needs: quarantined rows with their values, one disposition per row not counted, counts per file
and the aggregates (pii/ingest/microdata.py). That saves writing millions of survey records to the build file
and every published copy and snapshot of it, and keeps person- and enterprise-level records (statistical
microdata, confidential by law) out of the file analysts share; the landing file, identified by its sha256,
stays the record of what was read (docs/decisions.md "Microdata is not landed").

**Record lists** as CSV/Parquet: ``raw.<source_id>`` holds one VARCHAR column per column the spec reads, one row
per record (:func:`sync_tabular_table`). Incremental by content like the cell-level raw assets: a file whose
sha256 is already loaded is not read again; a changed file replaces its rows (load_tabular, one transaction); a
file that left the landing folder is removed. A file that cannot be read becomes one error row.

Every change of a file is logged in ``meta.file_versions``; the assets never fail for a file.
"""

import duckdb

from assets._warehouse import ensure_schemas
from assets.raw.file_versions import FILE_VERSIONS_DDL, log_file_version
from pii.catalog import Source
from pii.db_layout import drop_if_layout_differs
from pii.ingest.landing import LandingFile
from pii.ingest.microdata_spec import parse_spec
from pii.ingest.tabular import ensure_raw_table, load_tabular, raw_table

REGISTER_COLUMNS = ("source_id", "data_year", "file_path", "file_sha256", "file_bytes", "read_error",
                    "read_error_code")
REGISTER_DDL = ("source_id VARCHAR, data_year INTEGER, file_path VARCHAR, file_sha256 VARCHAR, file_bytes BIGINT, "
                "read_error VARCHAR, read_error_code VARCHAR")


def microdata_columns(source: Source) -> dict[str, str]:
    """Logical name -> header label of the variables read; only the fixed columns for a disabled source."""
    return {} if source.spec_error else parse_spec(source.spec).labels()


def sync_tabular_table(conn: duckdb.DuckDBPyConnection, source: Source, files: list[LandingFile],
                       columns: dict[str, str], run_id: str) -> dict[str, int]:
    """Bring ``raw.<source_id>`` in line with the landing files (set-based reads); returns counts per event."""
    ensure_schemas(conn)
    conn.execute(FILE_VERSIONS_DDL)
    ensure_raw_table(conn, source.source_id, columns)
    table = raw_table(source.source_id)
    loaded = dict(conn.execute(f"SELECT file_path, any_value(file_sha256) FROM {table} GROUP BY 1").fetchall())
    refused = dict(conn.execute(f"SELECT file_path, read_error FROM {table} WHERE read_error IS NOT NULL").fetchall())
    counts = {"added": 0, "replaced": 0, "removed": 0, "unchanged": 0}
    for f in files:
        previous = loaded.get(f.rel_path)
        if previous == f.sha256 and f.rel_path in loaded and (f.error is None or refused.get(f.rel_path) == f.error):
            counts["unchanged"] += 1
            continue
        event = "replaced" if f.rel_path in loaded else "added"
        load = load_tabular(conn, source, f, columns)
        log_file_version(conn, source.source_id, f.rel_path, f.sha256, f.data_year, load.rows, event, previous, run_id)
        counts[event] += 1
    present = {f.rel_path for f in files}
    for path, sha in sorted(loaded.items()):
        if path not in present:
            conn.execute(f"DELETE FROM {table} WHERE file_path = ?", [path])
            log_file_version(conn, source.source_id, path, None, None, 0, "removed", sha, run_id)
            counts["removed"] += 1
    return counts


def ensure_register(conn: duckdb.DuckDBPyConnection, source_id: str) -> None:
    """Create ``raw.<source_id>`` as a file register; a table of another layout (a build that landed the unit
    records) is dropped, so the next staging step conforms every file again (its ledger no longer matches)."""
    drop_if_layout_differs(conn, raw_table(source_id), REGISTER_COLUMNS)
    conn.execute(f"CREATE TABLE IF NOT EXISTS {raw_table(source_id)} ({REGISTER_DDL})")


def sync_file_register(conn: duckdb.DuckDBPyConnection, source: Source, files: list[LandingFile],
                       run_id: str) -> dict[str, int]:
    """Bring the microdata file register ``raw.<source_id>`` in line with the landing files; counts per event.

    A file is unchanged while its sha256 (and, for a refused file, its refusal) is the same. Nothing is read
    here beyond the landing scan's hash: staging/<source_id> reads the files it has to conform. The rows of a
    file in ``meta.file_versions`` are NULL for microdata (the register has no rows per record; the rows read
    are in ``meta.microdata_files.raw_rows`` once the file is conformed).
    """
    ensure_schemas(conn)
    conn.execute(FILE_VERSIONS_DDL)
    ensure_register(conn, source.source_id)
    table = raw_table(source.source_id)
    loaded = {p: (sha, err) for p, sha, err in conn.execute(
        f"SELECT file_path, file_sha256, read_error FROM {table}").fetchall()}
    counts = {"added": 0, "replaced": 0, "removed": 0, "unchanged": 0}
    conn.execute("BEGIN TRANSACTION")
    for f in files:
        previous = loaded.get(f.rel_path)
        if previous == (f.sha256, f.error):
            counts["unchanged"] += 1
            continue
        event = "replaced" if previous is not None else "added"
        conn.execute(f"DELETE FROM {table} WHERE file_path = ?", [f.rel_path])
        conn.execute(f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?, ?, ?)",
                     [source.source_id, f.data_year, f.rel_path, f.sha256, f.size, f.error,
                      f.error_code if f.error else None])
        log_file_version(conn, source.source_id, f.rel_path, f.sha256, f.data_year, None, event,
                         previous[0] if previous else None, run_id)
        counts[event] += 1
    present = {f.rel_path for f in files}
    for path, (sha, _) in sorted(loaded.items()):
        if path not in present:
            conn.execute(f"DELETE FROM {table} WHERE file_path = ?", [path])
            log_file_version(conn, source.source_id, path, None, None, None, "removed", sha, run_id)
            counts["removed"] += 1
    if counts["added"] or counts["replaced"] or counts["removed"]:
        conn.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM {table} ORDER BY file_path")
    conn.execute("COMMIT")
    return counts
