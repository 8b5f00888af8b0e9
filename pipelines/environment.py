"""The one place that decides where things live for this deployment (local, CI or production).

``PII_ENV`` names the deployment (default ``local``); paths come from environment variables with
defaults inside the repository, so a fresh clone works with no configuration.
"""

from __future__ import annotations

import os
from pathlib import Path

from pii.paths import landing_dir, warehouse_path

__all__ = ["build_path", "deployment", "landing_dir", "warehouse_path"]


def deployment() -> str:
    return os.environ.get("PII_ENV", "local")


def build_path() -> Path:
    """The working DuckDB file runs write to; it is copied to the published warehouse when a run ends.

    Readers never see a half-built warehouse and DuckDB's single-writer lock never blocks them. The name
    differs from the published file's because DuckDB names a database after its file, and a database
    called ``pii`` makes the schema ``pii`` (index scores) ambiguous.
    """
    configured = os.environ.get("PII_BUILD_DUCKDB_PATH")
    if configured:
        return Path(configured).resolve()
    published = warehouse_path()
    return published.parent / "build" / f"{published.stem}_build.duckdb"
