"""Writers started together on one warehouse: `pii materialize` and a run Dagster executes from the definitions.

The second kind is what the daemon's run worker does for scheduled, sensor and UI runs (definitions' resources,
in-process executor, one process per run). Both take the build file's writer lock: they wait for each other
instead of failing, and their writes never overlap (the lock's journal says so).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipelines import writer_lock

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(args, cwd=REPO, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _journal(lock: Path) -> list[dict]:
    log = lock.with_suffix(".log")
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


@pytest.mark.e2e
def test_cli_and_dagster_runs_started_together_wait_for_each_other(tmp_path: Path) -> None:
    landing, published = tmp_path / "landing", tmp_path / "warehouse" / "pii_warehouse.duckdb"
    env = {**os.environ, "PII_LANDING_DIR": str(landing), "PII_DUCKDB_PATH": str(published),
           "DAGSTER_HOME": str(REPO), "PII_STATE_DIR": str(tmp_path / "state"), "PII_ENV": "local"}
    sample = subprocess.run([str(BIN / "pii"), "sample", "--years", "2025"], env=env, cwd=REPO, text=True,
                            capture_output=True, timeout=120, check=False)
    assert sample.returncode == 0, sample.stderr
    build = published.parent / "build" / "pii_warehouse_build.duckdb"
    lock = build.with_name("pii_warehouse_build.writer.lock")

    # Held by this test first, so both writers certainly meet a running writer and have to wait.
    writer_lock.acquire(lock, "test-holder", timeout=5, command="test")
    try:
        cli = _start([str(BIN / "pii"), "materialize", "--select", "raw/papi,meta/provinces", "--quiet"], env)
        dagster = _start([str(BIN / "dagster"), "asset", "materialize", "-m", "pipelines.definitions",
                          "--select", "raw/dti,meta/agencies"], env)
        impatient = _start([str(BIN / "pii"), "materialize", "--select", "raw/papi"],
                           {**env, "PII_WRITER_LOCK_TIMEOUT_SECONDS": "2"})
        deadline = time.monotonic() + 180
        while {e["pid"] for e in _journal(lock) if e["event"] == "waiting"} < {cli.pid, dagster.pid}:
            assert time.monotonic() < deadline, _journal(lock)
            assert cli.poll() is None and dagster.poll() is None, (cli.communicate(), dagster.communicate())
            time.sleep(0.3)
        out, err = impatient.communicate(timeout=120)
        assert impatient.returncode == 1, out + err
        assert out.startswith(f"run not started: another run is writing the build file: {lock} is held by pid "
                              f"{os.getpid()} ")
        assert "(run test-holder, test, since " in out
    finally:
        writer_lock.release(lock, "test-holder")

    results = {name: (proc.wait(300), *proc.communicate()) for name, proc in (("cli", cli), ("dagster", dagster))}
    for name, (code, out, err) in results.items():
        assert code == 0, (name, out[-3000:], err[-3000:])
    assert "run succeeded" in results["cli"][1]
    assert f"waiting for the writer lock {lock}: held by pid " in results["cli"][2]
    assert "waiting for the writer lock" in results["dagster"][2]

    # Serialised: after the test let go, one writer held the lock from acquiring to releasing, then the other.
    held = [(e["event"], e["pid"]) for e in _journal(lock) if e["event"] in ("acquired", "released")]
    assert held[:2] == [("acquired", os.getpid()), ("released", os.getpid())]
    first, second = held[2][1], held[4][1]
    assert {first, second} == {cli.pid, dagster.pid}
    assert held[2:] == [("acquired", first), ("released", first), ("acquired", second), ("released", second)]
    with duckdb.connect(str(build), read_only=True) as conn:  # both wrote the same file, neither lost anything
        tables = {f"{s}.{t}" for s, t in conn.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()}
        assert {"raw.papi", "meta.provinces", "raw.dti", "meta.agencies"} <= tables
        assert conn.execute("SELECT count(*) FROM raw.papi").fetchall()[0][0] > 0
