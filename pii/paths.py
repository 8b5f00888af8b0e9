"""Where the project's folders are, resolved from this file so nothing depends on the working directory.

The single source of the default locations, for the CLI and the Dagster resources (pipelines/resources.py)
alike. ``PII_ENV`` names the deployment and picks the defaults of the ``PII_*`` path variables: ``local``
(default) inside the repository, ``ci`` under a temporary folder (``$RUNNER_TEMP`` or the system's, in
``pii-ci/``), ``production`` none: each path variable must be set, or the first use fails naming it.
"""

from __future__ import annotations

import os
import tempfile
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


ENV_VARIABLE = "PII_ENV"
DEPLOYMENTS = ("local", "ci", "production")


def deployment() -> str:
    """The deployment named by ``PII_ENV`` (default ``local``); anything else is a one-line UsageError."""
    name = os.environ.get(ENV_VARIABLE, "").strip() or "local"
    if name not in DEPLOYMENTS:
        raise UsageError(f"{ENV_VARIABLE}={name!r}: not a deployment; accepted: {', '.join(DEPLOYMENTS)}")
    return name


def ci_root() -> Path:
    """Where ``PII_ENV=ci`` puts what is not configured: ``$RUNNER_TEMP/pii-ci`` or ``<system temp>/pii-ci``."""
    return Path(os.environ.get("RUNNER_TEMP") or tempfile.gettempdir()).resolve() / "pii-ci"


def configured_path(variable: str, local_default: Path, ci_relative: str) -> Path:
    """``variable`` when set (non-empty), else the deployment's default; production has none."""
    value = os.environ.get(variable, "").strip()
    if value:
        return Path(value).resolve()
    env = deployment()
    if env == "production":
        raise UsageError(f"{variable} is not set: PII_ENV=production has no default location for it "
                         f"(see .env.example)")
    return local_default if env == "local" else ci_root() / ci_relative


def landing_dir() -> Path:
    """The landing folder holding source files (``PII_LANDING_DIR``, default ``landing/``)."""
    return configured_path("PII_LANDING_DIR", REPO_ROOT / "landing", "landing")


def state_dir() -> Path:
    """The Dagster instance's storage (``PII_STATE_DIR``, read by dagster.yaml; default ``state/``)."""
    return configured_path("PII_STATE_DIR", REPO_ROOT / "state", "state")


def check_database_name(path: Path, variable: str) -> Path:
    """``path`` unless its stem, which DuckDB uses as the catalog name, is a schema or built-in catalog."""
    if path.stem.lower() in RESERVED_STEMS:
        raise UsageError(f"{variable}={path}: DuckDB would name the database {path.stem!r}, which is also a schema "
                         f"or catalog name ({', '.join(sorted(RESERVED_STEMS))}) and makes names like "
                         f"`pii.scores` ambiguous; use another file name, e.g. {WAREHOUSE_FILE_NAME}")
    return path


def warehouse_path() -> Path:
    """The published warehouse file (``PII_DUCKDB_PATH``, default ``warehouse/pii_warehouse.duckdb``)."""
    path = configured_path("PII_DUCKDB_PATH", REPO_ROOT / "warehouse" / WAREHOUSE_FILE_NAME,
                           f"warehouse/{WAREHOUSE_FILE_NAME}")
    return check_database_name(path, "PII_DUCKDB_PATH")
