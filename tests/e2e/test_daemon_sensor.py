"""A real `dagster-daemon run` picks up a changed landing file through `landing_sensor` and publishes it.

The instance is a temporary DAGSTER_HOME holding the repository's dagster.yaml (SQLite in a temp folder), or,
with ``PII_TEST_INSTANCE=postgres`` and ``PII_PG_*`` set (scripts/ci_postgres.sh), the production profile
deploy/dagster.production.yaml on that PostgreSQL database, which must be empty (a fresh one per run).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml
from dagster._core.scheduler.instigation import InstigatorType

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PROFILE_VARIABLE = "PII_TEST_INSTANCE"
PG_VARIABLES = ("PII_PG_HOST", "PII_PG_PORT", "PII_PG_USER", "PII_PG_PASSWORD", "PII_PG_DB")
CHANGED = "2025/papi/papi_2025.csv"  # source papi


@dataclass(frozen=True)
class InstanceProfile:
    name: str  # sqlite or postgres
    dagster_yaml: Path  # copied into the temporary DAGSTER_HOME
    env: dict[str, str]  # what the processes need besides DAGSTER_HOME and the paths


@pytest.fixture
def instance_profile() -> InstanceProfile:
    """SQLite by default; PostgreSQL (the production profile) when PII_TEST_INSTANCE=postgres."""
    name = os.environ.get(PROFILE_VARIABLE, "sqlite").strip() or "sqlite"
    if name == "sqlite":
        return InstanceProfile("sqlite", REPO / "dagster.yaml", {})
    if name != "postgres":
        raise pytest.UsageError(f"{PROFILE_VARIABLE}={name!r}: use sqlite or postgres")
    missing = [v for v in PG_VARIABLES if not os.environ.get(v)]
    if missing:
        raise pytest.UsageError(f"{PROFILE_VARIABLE}=postgres needs {', '.join(missing)} (scripts/ci_postgres.sh)")
    return InstanceProfile("postgres", REPO / "deploy" / "dagster.production.yaml",
                           {v: os.environ[v] for v in PG_VARIABLES})


@pytest.fixture
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pii.sample import generate_sample

    path = tmp_path_factory.mktemp("sample")
    generate_sample(path)  # every year: a reduced sample does not pass the critical checks, nothing publishes
    return path


@pytest.fixture
def env(tmp_path: Path, instance_profile: InstanceProfile, sample: Path, monkeypatch: pytest.MonkeyPatch
        ) -> Iterator[dict[str, str]]:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(instance_profile.dagster_yaml, home / "dagster.yaml")
    shutil.copytree(sample, tmp_path / "landing")
    values = {"DAGSTER_HOME": str(home), "PII_STATE_DIR": str(tmp_path / "state"),
              "PII_LANDING_DIR": str(tmp_path / "landing"),
              "PII_DUCKDB_PATH": str(tmp_path / "wh" / "pii_warehouse.duckdb"),
              "PII_BUILD_DUCKDB_PATH": str(tmp_path / "wh" / "build" / "pii_warehouse_build.duckdb"),
              "PII_SENSOR_INTERVAL_SECONDS": "5", **instance_profile.env}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PII_ENV", raising=False)
    yield {**os.environ, **values}


def _wait_for(condition: Callable[[], object], timeout: float, what: str, log: Path) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(1)
    tail = log.read_text(encoding="utf-8", errors="replace")[-4000:]
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; daemon log:\n{tail}")


def _sensor_cursor(instance: dg.DagsterInstance) -> str | None:
    for state in instance.all_instigator_state(instigator_type=InstigatorType.SENSOR):
        if state.name == "landing_sensor" and state.instigator_data is not None:
            return state.instigator_data.cursor
    return None


def _sensor_runs(instance: dg.DagsterInstance) -> list[dg.DagsterRun]:
    return list(instance.get_runs(dg.RunsFilter(tags={"pii/trigger": "landing_sensor"})))


def _change_one_value(path: Path) -> str:
    """Raise the first province's last figure by 0.1, replacing the file atomically; the new sha256."""
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    rows[2][-1] = f"{float(rows[2][-1]) + 0.1:.4f}"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    data = ("\ufeff" + out.getvalue()).encode("utf-8")
    tmp = path.with_name(path.name + ".part")  # the sensor reads a whole old or a whole new file
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return hashlib.sha256(data).hexdigest()


def _published_sha(published: Path, rel: str) -> str | None:
    if not published.exists():
        return None
    conn = duckdb.connect(str(published), read_only=True)
    try:
        rows = conn.execute("SELECT file_sha256 FROM meta.landing_files WHERE file_path = ?", [rel]).fetchall()
    finally:
        conn.close()
    return rows[0][0] if rows else None


def test_production_profile_matches_dagster_yaml_but_for_storage() -> None:
    local = yaml.safe_load((REPO / "dagster.yaml").read_text(encoding="utf-8"))
    production = yaml.safe_load((REPO / "deploy" / "dagster.production.yaml").read_text(encoding="utf-8"))
    assert {k: v for k, v in local.items() if k != "storage"} == {
        k: v for k, v in production.items() if k != "storage"}
    database = production["storage"]["postgres"]["postgres_db"]
    assert database["scheme"] == "postgresql+psycopg2"
    assert {v["env"] for k, v in database.items() if k != "scheme"} == set(PG_VARIABLES)


@pytest.mark.e2e
@pytest.mark.daemon
def test_daemon_sensor_publishes_a_changed_landing_file(env: dict[str, str], tmp_path: Path,
                                                        instance_profile: InstanceProfile) -> None:
    landing, published = Path(env["PII_LANDING_DIR"]), Path(env["PII_DUCKDB_PATH"])
    # The warehouse as `pii materialize` leaves it (on a throw-away instance): the sensor's first tick finds
    # nothing to do, and the change below runs only papi and what is downstream.
    built = subprocess.run([str(BIN / "pii"), "materialize", "--quiet"], cwd=REPO,
                           env={k: v for k, v in env.items() if k != "DAGSTER_HOME"},
                           capture_output=True, text=True, timeout=300, check=False)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    before = _published_sha(published, CHANGED)
    assert before is not None

    log_path = tmp_path / "daemon.log"
    with dg.DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance, log_path.open("w") as log:
        storage = type(instance.run_storage).__name__
        assert storage == {"sqlite": "SqliteRunStorage", "postgres": "PostgresRunStorage"}[instance_profile.name]
        daemon = subprocess.Popen([str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"], cwd=REPO, env=env,
                                  stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _wait_for(lambda: _sensor_cursor(instance), 120, "the landing sensor's first tick", log_path)
            assert _sensor_runs(instance) == []  # nothing changed since `pii materialize`

            after = _change_one_value(landing / CHANGED)
            run = _wait_for(lambda: next((r for r in _sensor_runs(instance) if r.is_finished), None), 150,
                            "the sensor's run to finish", log_path)
            time.sleep(6)  # a tick or more: the change must not start a second run
            runs = _sensor_runs(instance)
        finally:
            os.killpg(daemon.pid, signal.SIGINT)  # the daemon stops its threads and code server on SIGINT
            try:
                daemon.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(daemon.pid, signal.SIGKILL)
                daemon.wait()
            with contextlib.suppress(ProcessLookupError):  # what is left of its group (code server, run worker)
                os.killpg(daemon.pid, signal.SIGKILL)

    assert run.status == dg.DagsterRunStatus.SUCCESS, log_path.read_text(errors="replace")[-4000:]
    assert _published_sha(published, CHANGED) == after  # the published warehouse has the new file
    assert [r.run_id for r in runs] == [run.run_id]
    assert run.tags["duckdb_writer"] == "true" and run.tags["dagster/run_key"].startswith("landing-1-")
    assert run.tags["pii/changes"] == f"{CHANGED} (papi): changed"
    selected = {k.to_user_string() for k in run.asset_selection or ()}
    assert {"raw/papi", "meta/landing_files", "meta/published_warehouse"} <= selected
    assert "raw/skhcn_submission" not in selected and "meta/provinces" not in selected
    # The sensor's run recorded the build state (pipelines/run_state.py): `pii materialize` finds nothing to do
    # instead of running every asset again.
    again = subprocess.run([str(BIN / "pii"), "materialize"], cwd=REPO,
                           env={k: v for k, v in env.items() if k != "DAGSTER_HOME"},
                           capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    assert f"nothing changed since run {run.run_id}" in again.stdout + again.stderr, again.stdout[-2000:]
