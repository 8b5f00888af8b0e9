"""Reading a microdata source's files set-based (pii/ingest/tabular.py); the raw asset is built in sources.py.

``raw.<source_id>`` holds one VARCHAR column per variable the entry declares (the rest of a wide microdata
file stays in the landing file, found again by file path + sha256 + row). Incremental by content like the
cell-level raw assets: a file whose sha256 is already loaded is not read again; a changed file replaces its
rows (load_tabular, one transaction); a file that left the landing folder is removed. Every change is logged
in ``meta.file_versions``. A file that cannot be read becomes one error row; the asset never fails for a file.
"""

import duckdb

from assets._warehouse import ensure_schemas
from assets.raw.file_versions import FILE_VERSIONS_DDL, log_file_version
from pii.catalog import Source
from pii.ingest.landing import LandingFile
from pii.ingest.microdata_spec import parse_spec
from pii.ingest.tabular import ensure_raw_table, load_tabular, raw_table


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
