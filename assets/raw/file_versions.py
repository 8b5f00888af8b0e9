"""``meta.file_versions``: which version of a landing file superseded which, and when (every raw asset logs here)."""

import dagster as dg
import duckdb

FILE_VERSIONS_DDL = """
CREATE TABLE IF NOT EXISTS meta.file_versions (
    source_id VARCHAR, file_path VARCHAR, file_sha256 VARCHAR, data_year INTEGER, raw_rows BIGINT,
    event VARCHAR, superseded_sha256 VARCHAR, run_id VARCHAR, recorded_at TIMESTAMP WITH TIME ZONE
)"""


# Declared so readers of the log (analyst.dq_expected_files) have a named upstream in the raw group. Every raw
# asset appends to it, so it has no materializing function of its own.
FILE_VERSIONS_SPEC = dg.AssetSpec(["meta", "file_versions"], group_name="raw", kinds={"duckdb"},
                                  description="Append-only log: each landing file version every raw asset saw "
                                              "(added, replaced, removed), with its sha256 and run id.")


def log_file_version(conn: duckdb.DuckDBPyConnection, source_id: str, path: str, sha: str | None, year: int | None,
                     rows: int | None, event: str, superseded: str | None, run_id: str) -> None:
    """One event (added, replaced, removed) of one landing file."""
    conn.execute("INSERT INTO meta.file_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, now())",
                 [source_id, path, sha, year, rows, event, superseded, run_id])
