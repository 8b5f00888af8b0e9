"""The writer lock: one writing run at a time on a build file, whoever started it; transient IO errors retried."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines import writer_lock
from pipelines.environment import writer_lock_path
from pipelines.resources import BuildDuckDBResource, build_resource

REPO = Path(__file__).resolve().parents[2]
HOLD = """
import sys, time
from pathlib import Path
from pipelines import writer_lock
writer_lock.acquire(Path(sys.argv[1]), run_id="holder-run", timeout=5, command="test holder")
print("held", flush=True)
time.sleep(float(sys.argv[2]))
writer_lock.release(Path(sys.argv[1]), "holder-run")
print("released", flush=True)
"""


def _holder(lock: Path, seconds: float = 60) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(lock), str(seconds)], cwd=REPO, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held", proc.stderr
    return proc


def _locked_elsewhere(lock: Path) -> bool:
    """True when some open file description holds the lock (a fresh one cannot take it)."""
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def _journal(lock: Path) -> list[dict]:
    return [json.loads(line) for line in lock.with_suffix(".log").read_text().splitlines()]


def test_lock_file_sits_beside_the_build_file() -> None:
    assert writer_lock_path(Path("/w/build/pii_warehouse_build.duckdb")) == Path(
        "/w/build/pii_warehouse_build.writer.lock")


def test_second_writer_waits_names_the_holder_then_times_out_without_touching_it(tmp_path: Path) -> None:
    lock = tmp_path / "build.writer.lock"
    holder = _holder(lock)
    lines: list[str] = []
    try:
        started = time.monotonic()
        with pytest.raises(writer_lock.WriterLockTimeout) as failed:
            writer_lock.acquire(lock, "second-run", timeout=1.0, log=lines.append)
        assert 1.0 <= time.monotonic() - started < 5
        message = str(failed.value)
        assert "\n" not in message
        assert f"pid {holder.pid}" in message and "run holder-run" in message and "gave up after 1 s" in message
        assert lines and lines[0].startswith(f"waiting for the writer lock {lock}: held by pid {holder.pid}")
        assert holder.poll() is None and _locked_elsewhere(lock)  # the holder keeps running and keeps its lock
        assert writer_lock.holder(lock)["run_id"] == "holder-run"
    finally:
        holder.send_signal(signal.SIGTERM)
        holder.wait(10)
    assert [e["event"] for e in _journal(lock)] == ["acquired", "waiting", "timeout"]


def test_a_killed_holder_releases_the_lock(tmp_path: Path) -> None:
    lock = tmp_path / "build.writer.lock"
    holder = _holder(lock)
    assert _locked_elsewhere(lock)
    holder.send_signal(signal.SIGKILL)
    holder.wait(10)
    started = time.monotonic()
    writer_lock.acquire(lock, "after-kill", timeout=5)
    try:
        assert time.monotonic() - started < 1  # the kernel dropped the dead process's lock: no waiting
        assert writer_lock.holder(lock)["run_id"] == "after-kill"
    finally:
        writer_lock.release(lock, "after-kill")
    assert not _locked_elsewhere(lock)
    assert writer_lock.holder(lock) == {}


def test_waiting_writer_gets_the_lock_when_the_holder_finishes(tmp_path: Path) -> None:
    lock = tmp_path / "build.writer.lock"
    holder = _holder(lock, seconds=1.5)
    lines: list[str] = []
    with writer_lock.writer_lock(lock, "next-run", timeout=30, log=lines.append):
        assert holder.wait(10) == 0
        assert writer_lock.holder(lock)["run_id"] == "next-run"
    assert lines[-1].startswith(f"writer lock {lock} acquired after ")
    events = [(e["event"], e["run_id"]) for e in _journal(lock)]
    assert events == [("acquired", "holder-run"), ("waiting", "next-run"), ("released", "holder-run"),
                      ("acquired", "next-run"), ("released", "next-run")]


def test_reentrant_within_one_process(tmp_path: Path) -> None:
    lock = tmp_path / "build.writer.lock"
    with writer_lock.writer_lock(lock, "cli-run", timeout=1):
        with writer_lock.writer_lock(lock, "cli-run", timeout=1):  # the run pii materialize executes in-process
            assert writer_lock.held_here(lock) and _locked_elsewhere(lock)
        assert writer_lock.held_here(lock) and _locked_elsewhere(lock)
    assert not writer_lock.held_here(lock) and not _locked_elsewhere(lock)


def test_transient_connect_errors_are_retried_with_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    calls, sleeps, lines = [], [], []
    monkeypatch.setattr(writer_lock.time, "sleep", sleeps.append)

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise duckdb.IOException('IO Error: Could not set lock on file "b.duckdb": Conflicting lock is held')
        return "connected"

    assert writer_lock.retry_transient(flaky, attempts=5, log=lines.append) == "connected"
    assert len(calls) == 3 and sleeps == [0.5, 1.0] and len(lines) == 2
    assert "Could not set lock" in lines[0]

    calls.clear()
    with pytest.raises(duckdb.IOException):  # still failing after the last attempt: the error itself
        writer_lock.retry_transient(lambda: flaky() and (_ for _ in ()).throw(
            duckdb.IOException("IO Error: disk")), attempts=2)

    def broken() -> None:
        calls.append(1)
        raise duckdb.CatalogException("Catalog Error: Table with name x does not exist")

    calls.clear()
    with pytest.raises(duckdb.CatalogException):  # not transient: no retry
        writer_lock.retry_transient(broken, attempts=5)
    assert len(calls) == 1


# --- the resource: the lock covers the whole run, set up once -----------------------------------------------------

def _job(db: Path, seen: list[tuple[str, bool]], resource: BuildDuckDBResource) -> dg.JobDefinition:
    lock = writer_lock_path(db)

    @dg.asset
    def first(duckdb: BuildDuckDBResource) -> None:
        with duckdb.get_connection() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS t AS SELECT 1 AS x")
        seen.append(("first", writer_lock.held_here(lock) and _locked_elsewhere(lock)))

    @dg.asset(deps=[first])
    def second(duckdb: BuildDuckDBResource) -> None:
        time.sleep(0.3)  # a gap between steps: the lock is still held
        seen.append(("second", writer_lock.held_here(lock) and _locked_elsewhere(lock)))

    defs = dg.Definitions(assets=[first, second], resources={"duckdb": resource},
                          jobs=[dg.define_asset_job("two_steps")], executor=dg.in_process_executor)
    return defs.resolve_job_def("two_steps")


def test_the_duckdb_resource_holds_the_lock_for_the_whole_run(tmp_path: Path) -> None:
    db = tmp_path / "build" / "pii_warehouse_build.duckdb"
    seen: list[tuple[str, bool]] = []
    result = _job(db, seen, build_resource(db, lock_timeout_seconds=5)).execute_in_process()
    assert result.success
    assert seen == [("first", True), ("second", True)]
    lock = writer_lock_path(db)
    assert not _locked_elsewhere(lock)  # released at teardown
    events = [(e["event"], e["run_id"]) for e in _journal(lock)]
    assert events == [("acquired", result.run_id), ("released", result.run_id)]  # once per run, not per step


def test_a_run_that_cannot_get_the_lock_fails_clearly_and_leaves_the_holder_alone(tmp_path: Path) -> None:
    db = tmp_path / "build" / "pii_warehouse_build.duckdb"
    lock = writer_lock_path(db)
    holder = _holder(lock)
    try:
        seen: list[tuple[str, bool]] = []
        result = _job(db, seen, build_resource(db, lock_timeout_seconds=1)).execute_in_process(
            raise_on_error=False)
        assert not result.success and seen == []  # nothing of the run executed
        failures = [e.event_specific_data.error for e in result.all_events
                    if e.event_type in (dg.DagsterEventType.RUN_FAILURE, dg.DagsterEventType.ENGINE_EVENT)
                    and getattr(e.event_specific_data, "error", None)]
        text = " ".join(f"{err.message} {err.cause.message if err.cause else ''}" for err in failures)
        assert f"held by pid {holder.pid}" in text and "run holder-run" in text, text
        assert holder.poll() is None and _locked_elsewhere(lock)
    finally:
        holder.send_signal(signal.SIGTERM)
        holder.wait(10)


def test_a_run_opens_the_build_file_once_gives_each_step_its_own_connection_and_closes_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "build" / "pii_warehouse_build.duckdb"
    opened: list[str] = []
    real_connect = duckdb.connect

    def counting_connect(*args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(str(kwargs.get("database", args[0] if args else "")))
        return real_connect(*args, **kwargs)

    seen: dict[str, object] = {}

    @dg.asset
    def writes(duckdb: BuildDuckDBResource) -> None:
        with duckdb.get_connection() as conn:
            conn.execute("CREATE TABLE kept AS SELECT 1 AS x")
            conn.execute("CREATE TEMP TABLE scratch AS SELECT 2 AS y")

    @dg.asset(deps=[writes])
    def reads(duckdb: BuildDuckDBResource) -> None:
        with duckdb.get_connection() as conn:
            seen["kept"] = conn.execute("SELECT x FROM kept").fetchall()
            seen["scratch"] = conn.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'scratch'").fetchall()

    defs = dg.Definitions(assets=[writes, reads], resources={"duckdb": build_resource(db, lock_timeout_seconds=5)},
                          jobs=[dg.define_asset_job("two_steps")], executor=dg.in_process_executor)
    monkeypatch.setattr(duckdb, "connect", counting_connect)
    result = defs.resolve_job_def("two_steps").execute_in_process()
    monkeypatch.undo()
    assert result.success
    assert seen == {"kept": [(1,)], "scratch": [(0,)]}  # the database is shared, a step's temp tables are not
    assert opened.count(str(db)) == 1
    # Closed at teardown, checkpointed: another process opens it for writing and finds the table.
    out = subprocess.run([sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
                          "print(c.execute('SELECT x FROM kept').fetchall()); print(len(c.execute("
                          "\"SELECT * FROM duckdb_tables() WHERE table_name = 'scratch'\").fetchall()))", str(db)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["[(1,)]", "0"]
    assert not db.with_suffix(".duckdb.wal").exists()


def test_the_journal_is_trimmed_to_its_last_lines_when_it_grows_past_its_limit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lock = tmp_path / "b.writer.lock"
    journal = lock.with_suffix(".log")
    old = [json.dumps({"event": "released", "run_id": f"old-{n}"}) for n in range(5000)]
    journal.write_text("\n".join(old) + "\n", encoding="utf-8")
    monkeypatch.setattr(writer_lock, "JOURNAL_MAX_BYTES", 10_000)
    writer_lock.acquire(lock, "run-new", timeout=5)
    writer_lock.release(lock, "run-new")
    events = _journal(lock)
    assert len(events) == writer_lock.JOURNAL_KEEP_LINES + 1  # trimmed at acquisition, then the release
    assert [e["run_id"] for e in events[-3:]] == ["old-4999", "run-new", "run-new"]
    assert [e["event"] for e in events[-2:]] == ["acquired", "released"]
    assert not journal.with_name(journal.name + ".trim").exists()
