"""The local instance's SQLite storage (pipelines/instance_storage.py): Dagster's files and schema, the event
log's connections kept open for the next event, other processes reading and writing the same files meanwhile,
a bounded number of open files, forked children using their own connections, nothing left open after dispose."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from pipelines.instance_storage import OPEN_FILES, KeptOpenSqliteEventLogStorage

REPO = Path(__file__).resolve().parents[2]


@dg.asset(key=["probe", "numbers"])
def numbers() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"pid": os.getpid()})


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A DAGSTER_HOME holding the committed dagster.yaml, its storage in a temp folder."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("PII_STATE_DIR", str(tmp_path / "state"))
    return home


@pytest.fixture
def instance(home: Path) -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        yield instance


def _event_log(instance: dg.DagsterInstance) -> KeptOpenSqliteEventLogStorage:
    event_log = instance.event_log_storage  # as Dagster built it from dagster.yaml's storage
    assert isinstance(event_log, KeptOpenSqliteEventLogStorage)
    return event_log


def _latest_pid(instance: dg.DagsterInstance) -> int:
    event = instance.get_latest_materialization_event(dg.AssetKey(["probe", "numbers"]))
    assert event is not None and event.asset_materialization is not None
    return int(event.asset_materialization.metadata["pid"].value)


def test_committed_instance_uses_it_and_a_run_keeps_its_files_open_until_dispose(home: Path, tmp_path: Path) -> None:
    runs = tmp_path / "state" / "history" / "runs"
    with dg.DagsterInstance.from_config(str(home)) as instance:
        event_log = _event_log(instance)
        result = dg.materialize([numbers], instance=instance)
        assert result.success
        assert set(event_log._engines) == {result.run_id, "index"}  # the run's file and the index, still open
        assert (runs / f"{result.run_id}.db-wal").exists()
        # another instance (another reader: the webserver, the next run) sees the run while this one holds it open
        with dg.DagsterInstance.from_config(str(home)) as reader:
            assert _latest_pid(reader) == os.getpid()
            assert reader.get_run_by_id(result.run_id).is_success  # type: ignore[union-attr]
            assert len(reader.all_logs(result.run_id)) == len(instance.all_logs(result.run_id)) > 10
    assert event_log._engines == {}
    assert sorted(p.name for p in runs.iterdir()) == sorted([f"{result.run_id}.db", "index.db"])  # checkpointed


def test_another_process_writes_the_same_files_while_they_are_open(instance: dg.DagsterInstance) -> None:
    assert dg.materialize([numbers], instance=instance).success
    code = ("import dagster as dg, sys; sys.path.insert(0, 'tests/pipelines'); "
            "from test_instance_storage import numbers; "
            "instance = dg.DagsterInstance.get(); print(dg.materialize([numbers], instance=instance).success)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and out.stdout.strip().endswith("True"), out.stderr[-2000:]
    writer_pid = _latest_pid(instance)  # read through this instance's open index connection
    assert writer_pid != os.getpid()
    assert dg.materialize([numbers], instance=instance).success  # and this process writes again after it
    assert _latest_pid(instance) == os.getpid()
    assert len(instance.get_runs()) == 3


def test_open_files_are_bounded(instance: dg.DagsterInstance) -> None:
    event_log = _event_log(instance)
    run_ids = [dg.materialize([numbers], instance=instance).run_id for _ in range(OPEN_FILES + 2)]
    assert len(event_log._engines) == OPEN_FILES
    assert list(event_log._engines)[-1] == "index"  # the last used stays; the oldest runs' files were closed
    assert run_ids[0] not in event_log._engines
    assert [len(instance.all_logs(r)) > 10 for r in run_ids] == [True] * len(run_ids)  # reopened to be read


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_child_opens_its_own_connections(instance: dg.DagsterInstance) -> None:
    assert dg.materialize([numbers], instance=instance).success
    parent_engines = dict(_event_log(instance)._engines)
    pid = os.fork()
    if pid == 0:  # the child: reads through its own connection, leaves the parent's alone
        ok = False
        try:
            ok = _latest_pid(instance) == os.getppid() and all(
                e not in _event_log(instance)._engines.values() for e in parent_engines.values())
            _event_log(instance).close_files()
        finally:
            os._exit(0 if ok else 1)  # the child never returns into pytest
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert _event_log(instance)._engines == parent_engines  # the parent's connections, still in use
    assert dg.materialize([numbers], instance=instance).success


def test_wipe_closes_the_files_it_deletes(instance: dg.DagsterInstance, tmp_path: Path) -> None:
    run_id = dg.materialize([numbers], instance=instance).run_id
    instance.wipe()
    assert list(_event_log(instance)._engines) == ["index"]  # the run's file closed; the index wiped in place
    assert not (tmp_path / "state" / "history" / "runs" / f"{run_id}.db").exists()
    assert dg.materialize([numbers], instance=instance).success
    assert _latest_pid(instance) == os.getpid()


def test_a_watcher_sees_events_while_the_writer_keeps_its_connection_open(home: Path) -> None:
    """The UI follows a run through watchdog on the run's file; with the connection kept open, SQLite appends to
    the file's write-ahead log, which the watcher must follow too (new events reach it before the run ends)."""
    import threading
    import time

    from dagster._core.events import DagsterEventType

    from pipelines.instance_storage import _WalAwareWatchdog

    with dg.DagsterInstance.from_config(str(home)) as writer, dg.DagsterInstance.from_config(str(home)) as reader:
        run_id = dg.materialize([numbers], instance=writer).run_id
        assert run_id in _event_log(writer)._engines  # the writer still holds the run's file open
        seen: list[str] = []
        arrived = threading.Event()

        def callback(entry: Any, cursor: str) -> None:
            message = entry.dagster_event.message if entry.dagster_event else entry.user_message
            seen.append(message or "")
            if message == "late event":
                arrived.set()

        last = reader.get_records_for_run(run_id).cursor
        reader.watch_event_logs(run_id, last, callback)
        run = writer.get_run_by_id(run_id)
        assert run is not None
        writer.report_engine_event("late event", run)
        assert arrived.wait(timeout=20), f"the watcher saw {seen}"
        time.sleep(2 * _WalAwareWatchdog.SETTLE_SECONDS)  # the settle re-read delivers nothing twice
        assert seen == ["late event"]
        writer.report_engine_event("second late event", run)  # and the watcher keeps following
        deadline = time.monotonic() + 20
        while "second late event" not in seen and time.monotonic() < deadline:
            time.sleep(0.05)
        assert seen == ["late event", "second late event"]
        assert [r.event_log_entry.dagster_event_type for r in reader.get_records_for_run(run_id).records][-2:] == \
            [DagsterEventType.ENGINE_EVENT] * 2
