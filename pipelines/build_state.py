"""The build file's memory of its last successful run: ``meta.build_state`` (run id, time, pipeline fingerprint,
row counts of the run logs) and ``meta.build_files`` (every landing file that run saw: owner, path, sha256,
refusal).

Both are dropped before a run starts (:func:`forget_build_state`) and written again only when it succeeds
(:func:`record_build_state`), so a run that fails, is killed or never finishes leaves no state and the next run
is full. They are written after the publish step, so the published warehouse never holds them. What a refresh
runs, given this state, is pipelines/selection.py; :func:`forget_files` makes a run read files again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

UNMATCHED = ""  # the owner of a landing file no source reads (the conformed step quarantines it)
RUN_LOGS = ("meta.dq_results", "meta.file_versions")  # every step that writes the build file appends to these
# Per-file bookkeeping of the staging steps, keyed (source_id, file_path): a file without its row is conformed
# again (assets/staging/conformed.py CURSOR, assets/staging/tabular.py LEDGER, assets/staging/microdata.py).
FILE_LEDGERS = ("meta.conform_cursor", "meta.set_based_files", "meta.microdata_files")

STATE_DDL = """CREATE TABLE meta.build_state (
    run_id VARCHAR, finished_at VARCHAR, fingerprint VARCHAR, published_path VARCHAR,
    dq_results_rows BIGINT, file_versions_rows BIGINT)"""
FILES_DDL = "CREATE TABLE meta.build_files (owner VARCHAR, file_path VARCHAR, sha256 VARCHAR, error VARCHAR)"

FileKey = tuple[str, str]  # (owner: a source_id or UNMATCHED, path relative to the landing folder)
FileSignature = tuple[str, str]  # (sha256, refusal reason or '')


@dataclass(frozen=True)
class BuildState:
    """The last successful run of a build file and the landing files it saw."""

    run_id: str
    finished_at: str  # UTC, 'YYYY-MM-DD HH:MM:SS UTC'
    fingerprint: str
    published_path: str
    log_rows: tuple[int, int]  # rows of RUN_LOGS when it finished: more means another run wrote since
    files: Mapping[FileKey, FileSignature]


def _log_rows(conn: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    tables = {f"{s}.{t}" for s, t in conn.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()}
    counts = [conn.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] if t in tables else 0 for t in RUN_LOGS]
    return counts[0], counts[1]


def read_build_state(build: Path) -> tuple[BuildState | None, tuple[int, int] | None, str]:
    """(state, rows of the run logs now, why there is no state) of the build file, opened read-only."""
    if not build.exists():
        return None, None, f"no build file at {build}"
    try:
        conn = duckdb.connect(str(build), read_only=True)
    except duckdb.Error as exc:
        return None, None, f"the build file {build} cannot be opened ({str(exc).splitlines()[0]})"
    try:
        tables = {t for (t,) in conn.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'meta'").fetchall()}
        rows = conn.execute("SELECT * FROM meta.build_state").fetchall() if "build_state" in tables else []
        if "build_files" not in tables or len(rows) != 1:
            return None, None, "the last run of this build file failed or did not finish"
        run_id, finished, fingerprint, published, dq_rows, fv_rows = rows[0]
        files = {(o, p): (sha, err) for o, p, sha, err in conn.execute("SELECT * FROM meta.build_files").fetchall()}
        return (BuildState(run_id, finished, fingerprint, published, (dq_rows, fv_rows), files),
                _log_rows(conn), "")
    except duckdb.Error as exc:
        return None, None, f"the build state in {build} cannot be read ({str(exc).splitlines()[0]})"
    finally:
        conn.close()


def forget_build_state(build: Path) -> None:
    """Drop the recorded state before a run: if it fails or is killed, the next run is full."""
    if not build.exists():
        return
    conn = duckdb.connect(str(build))
    try:
        conn.execute("DROP TABLE IF EXISTS meta.build_state")
        conn.execute("DROP TABLE IF EXISTS meta.build_files")
    finally:
        conn.close()


def forget_files(build: Path, files: Iterable[FileKey]) -> int:
    """Delete the rows of ``files`` from their raw tables and the conform ledgers (:data:`FILE_LEDGERS`) in one
    transaction, so the next run reads and conforms them again; returns the raw rows deleted. Call it under the
    writer lock, after :func:`forget_build_state` (a run that then fails leaves no state: the next one is full)."""
    files = sorted(set(files))
    if not build.exists() or not files:
        return 0
    conn = duckdb.connect(str(build))
    try:
        tables = {f"{s}.{t}" for s, t in conn.execute(
            "SELECT schema_name, table_name FROM duckdb_tables()").fetchall()}
        conn.execute("BEGIN TRANSACTION")
        deleted = 0
        for source in sorted({owner for owner, _ in files}):
            paths = [p for owner, p in files if owner == source]
            raw = f"raw.{source}"
            if raw in tables:
                deleted += conn.execute(f'DELETE FROM raw."{source}" WHERE file_path IN (SELECT unnest(?::VARCHAR[]))',
                                        [paths]).fetchall()[0][0]
            for ledger in (t for t in FILE_LEDGERS if t in tables):
                conn.execute(f"DELETE FROM {ledger} WHERE source_id = ? AND file_path IN (SELECT unnest(?::VARCHAR[]))",
                             [source, paths])
        conn.execute("COMMIT")
        return deleted
    finally:
        conn.close()


def record_build_state(build: Path, run_id: str, fingerprint: str, published: str,
                       files: Mapping[FileKey, FileSignature], finished_at: str | None = None) -> None:
    """Write the state of a successful run (after it published: the published copy never holds it).

    ``finished_at`` defaults to now; the rows of the run logs are always counted now.
    """
    when = finished_at or datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    conn = duckdb.connect(str(build))
    try:
        conn.execute("BEGIN TRANSACTION")
        conn.execute("CREATE SCHEMA IF NOT EXISTS meta")
        conn.execute("DROP TABLE IF EXISTS meta.build_state")
        conn.execute("DROP TABLE IF EXISTS meta.build_files")
        conn.execute(STATE_DDL)
        conn.execute(FILES_DDL)
        conn.execute("INSERT INTO meta.build_state VALUES (?, ?, ?, ?, ?, ?)",
                     [run_id, when, fingerprint, published, *_log_rows(conn)])
        if files:
            conn.executemany("INSERT INTO meta.build_files VALUES (?, ?, ?, ?)",
                             [[o, p, sha, err] for (o, p), (sha, err) in sorted(files.items())])
        conn.execute("COMMIT")
    finally:
        conn.close()
