"""Where the project's folders are, resolved from this file so nothing depends on the working directory."""

from __future__ import annotations

import os
from pathlib import Path

from pii.errors import UsageError

REPO_ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = REPO_ROOT / "reference"
SQL_DIR = REPO_ROOT / "sql"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
WAREHOUSE_FILE_NAME = "pii_warehouse.duckdb"

# DuckDB names the catalog after the file's stem: a file named like one of these makes two-part names such
# as `pii.scores` ambiguous (catalog or schema?) or shadows a built-in catalog (main, system, temp).
RESERVED_STEMS = frozenset({"pii", "core", "raw", "staging", "meta", "quarantine", "analyst",
                            "main", "system", "temp"})


def landing_dir() -> Path:
    """The landing folder holding source files (``PII_LANDING_DIR``, default ``landing/``)."""
    return Path(os.environ.get("PII_LANDING_DIR", REPO_ROOT / "landing")).resolve()


def check_database_name(path: Path, variable: str) -> Path:
    """``path`` unless its stem, which DuckDB uses as the catalog name, is a schema or built-in catalog."""
    if path.stem.lower() in RESERVED_STEMS:
        raise UsageError(f"{variable}={path}: DuckDB would name the database {path.stem!r}, which is also a schema "
                         f"or catalog name ({', '.join(sorted(RESERVED_STEMS))}) and makes names like "
                         f"`pii.scores` ambiguous; use another file name, e.g. {WAREHOUSE_FILE_NAME}")
    return path


def warehouse_path() -> Path:
    """The published warehouse file (``PII_DUCKDB_PATH``, default ``warehouse/pii_warehouse.duckdb``)."""
    path = Path(os.environ.get("PII_DUCKDB_PATH", REPO_ROOT / "warehouse" / WAREHOUSE_FILE_NAME)).resolve()
    return check_database_name(path, "PII_DUCKDB_PATH")
