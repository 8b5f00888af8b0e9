"""Where the project's folders are, resolved from this file so nothing depends on the working directory."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = REPO_ROOT / "reference"
SQL_DIR = REPO_ROOT / "sql"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"


def landing_dir() -> Path:
    """The landing folder holding source files (``PII_LANDING_DIR``, default ``landing/``)."""
    return Path(os.environ.get("PII_LANDING_DIR", REPO_ROOT / "landing")).resolve()


def warehouse_path() -> Path:
    """The published warehouse file (``PII_DUCKDB_PATH``, default ``warehouse/pii.duckdb``)."""
    return Path(os.environ.get("PII_DUCKDB_PATH", REPO_ROOT / "warehouse" / "pii.duckdb")).resolve()
