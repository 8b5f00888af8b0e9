"""The one place that decides where things live for this deployment (local, CI or production).

``PII_ENV`` names the deployment (default ``local``) and picks the defaults of the path variables
(pii/paths.py); the Dagster resources built from them are in pipelines/resources.py. A fresh clone works
with no configuration.
"""

from __future__ import annotations

import os
from pathlib import Path

from pii.paths import check_database_name, deployment, landing_dir, state_dir, warehouse_path

__all__ = ["build_path", "deployment", "landing_dir", "state_dir", "warehouse_path", "writer_lock_path"]


def build_path() -> Path:
    """The working DuckDB file runs write to; it is copied to the published warehouse when a run ends.

    Readers never see a half-built warehouse and DuckDB's single-writer lock never blocks them. Default:
    ``warehouse/build/pii_warehouse_build.duckdb``. Like the published file, its name must not be a schema
    name: DuckDB names a database after its file, and a database called ``pii`` makes ``pii.scores``
    ambiguous in the assets' own SQL.
    """
    configured = os.environ.get("PII_BUILD_DUCKDB_PATH", "").strip()
    if configured:
        return check_database_name(Path(configured).resolve(), "PII_BUILD_DUCKDB_PATH")
    published = warehouse_path()
    return published.parent / "build" / f"{published.stem}_build.duckdb"


def writer_lock_path(build: Path) -> Path:
    """The lock file every run that writes ``build`` holds for its whole run (pipelines/writer_lock.py)."""
    return build.with_name(f"{build.stem}.writer.lock")
