"""Resources, built once: the DuckDB working file every asset writes to.

The working file is created in DuckDB's v1.0.0 storage format (``storage_compatibility_version``), so the
file published from it by a plain copy opens in DuckDB 1.x clients as well as 2.x (docs/decisions.md).
DuckDB keeps a file's format when it reopens it, so a working file an older version of this code created
in the newer format is detected and rebuilt from scratch once.
"""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
from dagster_duckdb import DuckDBResource

from pipelines.environment import build_path

STORAGE_VERSION = "v1.0.0"
BUILD_CONNECTION_CONFIG = {"storage_compatibility_version": STORAGE_VERSION}
log = logging.getLogger("pii.resources")


def storage_version(path: Path) -> str:
    """The storage format DuckDB reports for the file at ``path`` (e.g. ``v1.0.0+``), read-only."""
    conn = duckdb.connect()
    try:
        literal = str(path).replace("'", "''")
        conn.execute(f"ATTACH '{literal}' AS probed (READ_ONLY)")
        tags = conn.execute("SELECT tags FROM duckdb_databases() WHERE database_name = 'probed'").fetchall()[0][0]
        return str(tags.get("storage_version", ""))
    finally:
        conn.close()


def is_v1_readable(path: Path) -> bool:
    return storage_version(path).startswith(STORAGE_VERSION)


def migrate_build_file(path: Path) -> bool:
    """Remove a working file in a format DuckDB 1.x cannot read, so the run rebuilds it; True if removed."""
    if not path.exists():
        return False
    try:
        found = storage_version(path)
    except duckdb.Error:  # held by a running writer (it created the file, so in this format) or not DuckDB's
        return False
    if found.startswith(STORAGE_VERSION):
        return False
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    log.warning("removed the working file %s (storage %s, unreadable by DuckDB 1.x clients): this run rebuilds "
                "it from scratch in storage %s", path, found, STORAGE_VERSION)
    return True


def build_resource(path: Path) -> DuckDBResource:
    """The DuckDB resource on the working file ``path``, creating it in the 1.x-readable storage format."""
    return DuckDBResource(database=str(path), connection_config=BUILD_CONNECTION_CONFIG)


def resources() -> dict[str, object]:
    path = build_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    migrate_build_file(path)
    return {"duckdb": build_resource(path)}
