"""Paths and settings as resources: PII_ENV picks local, ci or production defaults; PII_* variables win."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.publish.warehouse import SUMMARY_TABLES, published_warehouse
from assets.raw.sources import raw_assets
from pii.errors import UsageError
from pii.paths import REPO_ROOT
from pipelines.resources import (
    BuildDuckDBResource,
    PiiPaths,
    build_resource,
    environment_settings,
    paths_resource,
    resources,
)

VARIABLES = ("PII_ENV", "PII_LANDING_DIR", "PII_DUCKDB_PATH", "PII_BUILD_DUCKDB_PATH", "PII_STATE_DIR",
             "PII_SNAPSHOTS_KEEP", "PII_WRITER_LOCK_TIMEOUT_SECONDS", "RUNNER_TEMP")
PAPI = "Chỉ số PAPI 2024\nSTT,Tỉnh/Thành phố,Quản trị môi trường\n1,Hà Nội,6.12\n2,Đà Nẵng,5.5\n"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _resolved(resource: dg.ConfigurableResource) -> dict[str, object]:
    """The resource's fields as a run sees them (environment variables read now)."""
    return dict(resource.process_config_and_initialize().__dict__)


def test_local_defaults_are_inside_the_repository(clean_env: pytest.MonkeyPatch) -> None:
    paths = paths_resource()
    assert paths.env == "local"
    assert paths.landing() == REPO_ROOT / "landing"
    assert paths.published() == REPO_ROOT / "warehouse" / "pii_warehouse.duckdb"
    assert paths.build() == REPO_ROOT / "warehouse" / "build" / "pii_warehouse_build.duckdb"
    assert Path(paths.state_dir) == REPO_ROOT / "state"
    assert paths.snapshots_keep == 7
    duck = resources()["duckdb"]
    assert isinstance(duck, BuildDuckDBResource)
    assert duck.lock_timeout_seconds == 1800 and Path(duck.database) == paths.build()


def test_ci_defaults_are_under_a_temporary_folder_and_stricter(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("PII_ENV", "ci")
    clean_env.setenv("RUNNER_TEMP", str(tmp_path))
    paths = paths_resource()
    root = tmp_path.resolve() / "pii-ci"
    assert (paths.env, paths.landing(), paths.published(), Path(paths.state_dir)) == (
        "ci", root / "landing", root / "warehouse" / "pii_warehouse.duckdb", root / "state")
    assert paths.snapshots_keep == 1
    assert resources()["duckdb"].lock_timeout_seconds == 300  # fail a CI job instead of hanging it on a lock


def test_production_requires_every_location_and_says_which(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("PII_ENV", "production")
    clean_env.setenv("PII_DUCKDB_PATH", str(tmp_path / "pii_warehouse.duckdb"))
    with pytest.raises(UsageError) as missing:
        resources()
    assert str(missing.value) == ("PII_ENV=production needs PII_LANDING_DIR, PII_STATE_DIR set: production has "
                                  "no default location (see .env.example)")
    clean_env.setenv("PII_LANDING_DIR", str(tmp_path / "landing"))
    clean_env.setenv("PII_STATE_DIR", str(tmp_path / "state"))
    paths = paths_resource()
    # the UI shows where each value comes from; a run reads the variables when it starts
    assert isinstance(paths.landing_dir, dg.EnvVar) and paths.landing_dir.env_var_name == "PII_LANDING_DIR"
    assert not isinstance(paths.build_path, dg.EnvVar)  # derived from PII_DUCKDB_PATH
    clean_env.setenv("PII_LANDING_DIR", str(tmp_path / "landing_now"))
    resolved = _resolved(paths)
    assert resolved["landing_dir"] == str(tmp_path / "landing_now")
    assert resolved["snapshots_keep"] == 14 and resolved["env"] == "production"


def test_variables_override_each_environment(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("PII_ENV", "ci")
    clean_env.setenv("PII_SNAPSHOTS_KEEP", "3")
    clean_env.setenv("PII_WRITER_LOCK_TIMEOUT_SECONDS", "12.5")
    clean_env.setenv("PII_DUCKDB_PATH", str(tmp_path / "wh" / "pii_warehouse.duckdb"))
    resolved = _resolved(paths_resource())
    assert resolved["snapshots_keep"] == 3
    assert resolved["warehouse_path"] == str(tmp_path / "wh" / "pii_warehouse.duckdb")
    assert environment_settings()["writer_lock_timeout_seconds"] == 12.5
    clean_env.setenv("PII_WRITER_LOCK_TIMEOUT_SECONDS", "soon")
    with pytest.raises(UsageError, match="PII_WRITER_LOCK_TIMEOUT_SECONDS='soon': expected a number of seconds"):
        environment_settings()


def test_a_bad_pii_env_is_one_line(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("PII_ENV", "staging")
    with pytest.raises(UsageError) as bad:
        resources()
    assert str(bad.value) == "PII_ENV='staging': not a deployment; accepted: local, ci, production"


LOAD = ("from pipelines.definitions import defs; p = defs.resources['paths']; "
        "print(p.env, getattr(p.landing_dir, 'env_var_name', p.landing_dir), "
        "defs.resources['duckdb'].lock_timeout_seconds)")


def test_definitions_load_in_each_environment(tmp_path: Path) -> None:
    base = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    production = {"PII_LANDING_DIR": str(tmp_path / "landing"), "PII_STATE_DIR": str(tmp_path / "state"),
                  "PII_DUCKDB_PATH": str(tmp_path / "wh" / "pii_warehouse.duckdb")}
    cases = {
        "local": ({"PII_DUCKDB_PATH": str(tmp_path / "local" / "pii_warehouse.duckdb")}, 0),
        "ci": ({"RUNNER_TEMP": str(tmp_path)}, 0),
        "production": (production, 0),
        "staging": ({}, 1),
    }
    procs = {env: subprocess.Popen([sys.executable, "-c", LOAD], cwd=REPO_ROOT, text=True,
                                   env={**base, **extra, "PII_ENV": env},
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for env, (extra, _) in cases.items()}
    out = {env: (*reversed(proc.communicate(timeout=240)), proc.returncode) for env, proc in procs.items()}
    out = {env: (code, stdout, stderr) for env, (stderr, stdout, code) in out.items()}
    for env, (_, code) in cases.items():
        assert out[env][0] == code, (env, out[env][2][-2000:])
    assert out["local"][1].split() == ["local", str(REPO_ROOT / "landing"), "1800.0"]
    assert out["ci"][1].split() == ["ci", str(tmp_path.resolve() / "pii-ci" / "landing"), "300.0"]
    assert out["production"][1].split() == ["production", "PII_LANDING_DIR", "7200.0"]  # an EnvVar: named
    assert out["staging"][2].strip().splitlines()[-1] == (
        "pii.errors.UsageError: PII_ENV='staging': not a deployment; accepted: local, ci, production")


def test_assets_read_locations_from_the_resource(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The raw asset reads the resource's landing folder, the publish asset writes to its warehouse path."""
    clean_env.setenv("PII_LANDING_DIR", str(tmp_path / "not_here"))  # the environment says otherwise: ignored
    clean_env.setenv("PII_DUCKDB_PATH", str(tmp_path / "not_here" / "pii_warehouse.duckdb"))
    landing = tmp_path / "landing"
    (landing / "2024" / "papi").mkdir(parents=True)
    (landing / "2024" / "papi" / "papi_2024.csv").write_text(PAPI, encoding="utf-8")
    build = tmp_path / "build" / "pii_warehouse_build.duckdb"
    published = tmp_path / "published" / "pii_warehouse.duckdb"
    paths = PiiPaths(landing_dir=str(landing), warehouse_path=str(published), build_path=str(build),
                     snapshots_keep=0)
    papi = next(a for a in raw_assets if a.key.path == ["raw", "papi"])
    duck = build_resource(build, lock_timeout_seconds=5)
    assert dg.materialize([papi], resources={"duckdb": duck, "paths": paths}).success
    with duckdb.connect(str(build)) as conn:
        files = conn.execute("SELECT DISTINCT file_path FROM raw.papi").fetchall()
        assert files == [("2024/papi/papi_2024.csv",)]
        for table in SUMMARY_TABLES:
            schema = table.split(".")[0]
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            conn.execute(f"CREATE TABLE IF NOT EXISTS {table} (x INTEGER)")

    result = dg.materialize([published_warehouse], resources={"duckdb": duck, "paths": paths})
    assert result.success
    assert published.exists() and not (tmp_path / "not_here").exists()
    assert (published.parent / "reports" / "dq_latest.md").exists()
    assert not (published.parent / "snapshots").exists() or not any((published.parent / "snapshots").iterdir())
