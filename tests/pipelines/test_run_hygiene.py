"""Dead runs are failed (by run monitoring under the daemon, and by `pii materialize`), and a run that cannot
publish still writes its data-quality report, saying what blocked it."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster._core.events import EngineEventData
from dagster._core.launcher import WorkerStatus
from dagster._core.storage.tags import GRPC_INFO_TAG
from dagster._core.test_utils import create_run_for_test
from dagster_duckdb import DuckDBResource

from assets._quality import result as check_result
from assets._quality import spec
from pipelines.dead_runs import (
    HOST_TAG,
    PID_TAG,
    STARTED_TAG,
    LocalProcessRunLauncher,
    fail_dead_runs,
    process_started_at,
    process_tags,
)
from pipelines.resources import BUILD_CONNECTION_CONFIG, PiiPaths, build_resource
from pipelines.run import report_from_result

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A DAGSTER_HOME holding the committed dagster.yaml, with its storage in a temp folder."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    (tmp_path / "empty_landing").mkdir()
    for name, value in _env(tmp_path).items():
        monkeypatch.setenv(name, value)
    return home


def _env(tmp_path: Path) -> dict[str, str]:
    return {"DAGSTER_HOME": str(tmp_path / "home"), "PII_STATE_DIR": str(tmp_path / "state"),
            "PII_LANDING_DIR": str(tmp_path / "empty_landing"),
            "PII_DUCKDB_PATH": str(tmp_path / "warehouse" / "pii_warehouse.duckdb")}


@pytest.fixture
def instance(home: Path) -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        yield instance


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def _status(instance: dg.DagsterInstance, run_id: str) -> dg.DagsterRunStatus:
    run = instance.get_run_by_id(run_id)
    assert run is not None
    return run.status


def _start_and_kill_materialize(instance: dg.DagsterInstance, env: dict[str, str]) -> str:
    """Start `pii materialize`, SIGKILL it once its run is STARTED; return the run id it left behind."""
    proc = subprocess.Popen([sys.executable, "-m", "pii.cli", "materialize"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        def started() -> bool:
            return any(r.tags.get(PID_TAG) == str(proc.pid) and r.status == dg.DagsterRunStatus.STARTED
                       for r in instance.get_runs())
        _wait_for(started, 120, "`pii materialize` to start its run")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    run = next(r for r in instance.get_runs() if r.tags.get(PID_TAG) == str(proc.pid))
    assert run.status == dg.DagsterRunStatus.STARTED  # the defect: nothing records the kill
    return run.run_id


# --- liveness of a run's process -------------------------------------------------------------------------------

def test_process_started_at_tells_live_from_dead_and_unreaped_processes() -> None:
    now = time.time()
    mine = process_started_at(os.getpid())
    assert mine is not None and mine <= now + 2  # boot time in /proc/stat is whole seconds
    assert process_started_at(_dead_pid()) is None
    zombie = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert process_started_at(zombie.pid) is not None
        zombie.kill()
        _wait_for(lambda: process_started_at(zombie.pid) is None, 10, "the killed child to read as dead")
    finally:
        zombie.kill()
        zombie.wait()


def test_launcher_health_check_fails_only_runs_whose_process_is_gone(instance: dg.DagsterInstance) -> None:
    launcher = instance.run_launcher
    assert isinstance(launcher, LocalProcessRunLauncher) and instance.run_monitoring_enabled
    mine = process_tags()
    alive = create_run_for_test(instance, status=dg.DagsterRunStatus.STARTED, tags=mine)
    dead = create_run_for_test(instance, status=dg.DagsterRunStatus.STARTED, tags={**mine, PID_TAG: str(_dead_pid())})
    # this pid, but the process holding it started after the run's process did: the pid was reused
    reused = create_run_for_test(instance, status=dg.DagsterRunStatus.STARTED,
                                 tags={**mine, STARTED_TAG: f"{float(mine[STARTED_TAG]) - 600:.2f}"})
    elsewhere = create_run_for_test(instance, status=dg.DagsterRunStatus.STARTED,
                                    tags={**mine, HOST_TAG: "another-host", PID_TAG: str(_dead_pid())})
    untagged = create_run_for_test(instance, status=dg.DagsterRunStatus.STARTED)

    assert launcher.check_run_worker_health(alive).status == WorkerStatus.RUNNING
    verdict = launcher.check_run_worker_health(dead)
    assert verdict.status == WorkerStatus.FAILED and "no longer exists" in (verdict.msg or "")
    verdict = launcher.check_run_worker_health(reused)
    assert verdict.status == WorkerStatus.FAILED and "newer process" in (verdict.msg or "")
    # Not decidable here: monitoring must not fail them (it fails every status but RUNNING and SUCCESS).
    assert launcher.check_run_worker_health(elsewhere).status == WorkerStatus.RUNNING
    assert launcher.check_run_worker_health(untagged).status == WorkerStatus.RUNNING


def test_daemon_launched_runs_are_judged_by_the_pid_their_worker_logged(instance: dg.DagsterInstance) -> None:
    grpc = {GRPC_INFO_TAG: json.dumps({"host": "localhost", "port": 4266})}
    runs = {}
    for name, pid in (("alive", os.getpid()), ("dead", _dead_pid())):
        runs[name] = create_run_for_test(instance, status=dg.DagsterRunStatus.STARTED, tags=grpc)
        instance.report_engine_event(f"Started process for run (pid: {pid}).", runs[name],
                                     EngineEventData.in_process(pid))
    remote = create_run_for_test(instance, status=dg.DagsterRunStatus.STARTED,
                                 tags={GRPC_INFO_TAG: json.dumps({"host": "10.1.2.3", "port": 4266})})
    instance.report_engine_event("Started process for run.", remote, EngineEventData.in_process(_dead_pid()))
    launcher = instance.run_launcher
    assert launcher.check_run_worker_health(runs["alive"]).status == WorkerStatus.RUNNING
    assert launcher.check_run_worker_health(runs["dead"]).status == WorkerStatus.FAILED
    assert launcher.check_run_worker_health(remote).status == WorkerStatus.RUNNING


def test_fail_dead_runs_marks_only_dead_unfinished_runs(instance: dg.DagsterInstance) -> None:
    mine, gone = process_tags(), {**process_tags(), PID_TAG: str(_dead_pid())}
    alive = create_run_for_test(instance, status=dg.DagsterRunStatus.STARTED, tags=mine)
    dead = create_run_for_test(instance, status=dg.DagsterRunStatus.STARTED, tags=gone)
    never_started = create_run_for_test(instance, status=dg.DagsterRunStatus.NOT_STARTED, tags=gone)
    finished = create_run_for_test(instance, status=dg.DagsterRunStatus.SUCCESS, tags=gone)
    elsewhere = create_run_for_test(instance, status=dg.DagsterRunStatus.STARTED, tags={**gone, HOST_TAG: "other"})

    cleared = fail_dead_runs(instance)

    assert len(cleared) == 2 and all("marked FAILED" in line and socket.gethostname() in line for line in cleared)
    assert {_status(instance, r.run_id) for r in (dead, never_started)} == {dg.DagsterRunStatus.FAILURE}
    assert _status(instance, alive.run_id) == dg.DagsterRunStatus.STARTED
    assert _status(instance, finished.run_id) == dg.DagsterRunStatus.SUCCESS
    assert _status(instance, elsewhere.run_id) == dg.DagsterRunStatus.STARTED  # cannot tell from this host
    assert fail_dead_runs(instance) == []


# --- real processes: SIGKILL, then the daemon or the next `pii materialize` -------------------------------------

@pytest.mark.e2e
@pytest.mark.daemon
def test_sigkilled_run_is_failed_by_the_daemon_and_the_queued_run_starts(
    instance: dg.DagsterInstance, tmp_path: Path,
) -> None:
    env = {**os.environ, **_env(tmp_path)}
    dead_id = _start_and_kill_materialize(instance, env)

    queued_id = "00000000-0000-4000-8000-00000000e5e5"
    launch = subprocess.run(
        [str(BIN / "dagster"), "job", "launch", "-w", "workspace.yaml", "-j", "pii_refresh", "-o", "meta__provinces",
         "--run-id", queued_id], cwd=REPO, env=env, capture_output=True, text=True, timeout=180, check=False)
    assert launch.returncode == 0, launch.stderr[-3000:]
    assert _status(instance, queued_id) == dg.DagsterRunStatus.QUEUED
    assert _status(instance, dead_id) == dg.DagsterRunStatus.STARTED  # holding the duckdb_writer slot

    log = (tmp_path / "daemon.log").open("w")
    daemon = subprocess.Popen([str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"], cwd=REPO, env=env,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for(lambda: _status(instance, queued_id) in {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE},
                  240, "the queued run to start and finish under the daemon")
    finally:
        os.killpg(daemon.pid, signal.SIGINT)
        try:
            daemon.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.wait()
        log.close()
    daemon_log = (tmp_path / "daemon.log").read_text(encoding="utf-8", errors="replace")[-4000:]
    assert _status(instance, queued_id) == dg.DagsterRunStatus.SUCCESS, daemon_log
    assert _status(instance, dead_id) == dg.DagsterRunStatus.FAILURE
    failure = instance.all_logs(dead_id, of_type=dg.DagsterEventType.RUN_FAILURE)[-1]
    assert "no longer exists" in failure.message


@pytest.mark.e2e
def test_pii_materialize_clears_its_dead_predecessor(instance: dg.DagsterInstance, tmp_path: Path) -> None:
    env = {**os.environ, **_env(tmp_path)}
    # What a SIGKILLed `pii materialize` leaves (the daemon test above kills a real one): a STARTED run whose
    # tags name a process of this host that is gone.
    victim = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    tags = {HOST_TAG: socket.gethostname(), PID_TAG: str(victim.pid),
            STARTED_TAG: f"{process_started_at(victim.pid):.2f}", "duckdb_writer": "true"}
    victim.kill()
    victim.wait()
    dead_id = create_run_for_test(instance, job_name="pii_refresh", status=dg.DagsterRunStatus.STARTED,
                                  tags=tags).run_id

    run = subprocess.run([sys.executable, "-m", "pii.cli", "materialize", "--select", "meta/provinces"], cwd=REPO,
                         env=env, capture_output=True, text=True, timeout=300, check=False)

    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    first = run.stdout.splitlines()[0]
    assert first.startswith(f"run {dead_id} (STARTED, job pii_refresh) marked FAILED: its process (pid ")
    assert "no longer exists" in first
    assert _status(instance, dead_id) == dg.DagsterRunStatus.FAILURE
    assert "run succeeded" in run.stdout
    # a selection without the publish step publishes nothing, and says so instead of showing stale counts
    assert "nothing published at" in run.stdout


# --- the data-quality report of a run that cannot publish -----------------------------------------------------

def test_blocked_run_writes_a_complete_report_naming_what_blocked_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    published = tmp_path / "warehouse" / "pii_warehouse.duckdb"
    monkeypatch.setenv("PII_DUCKDB_PATH", str(tmp_path / "elsewhere.duckdb"))  # the report reads the resource

    @dg.asset(key=["staging", "checked"], check_specs=[spec("staging.checked", "sums_agree", "critical", "sums")])
    def checked(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> Iterator[object]:
        yield dg.Output(None)
        with duckdb.get_connection() as conn:
            yield check_result(conn, context.run_id, "staging.checked", "sums_agree", "critical", False,
                               "printed totals match the provinces", unexpected=2, examples=[{"row": 7}])

    @dg.asset(key=["raw", "broken"])
    def broken() -> None:
        raise ValueError("cannot read landing/2025/x.xlsx\nsheet 'Số liệu' row 4 column C\nthird\nfourth")

    @dg.asset(key=["raw", "fine"])
    def fine() -> None:
        return None

    @dg.asset(key=["core", "later"], deps=[fine], check_specs=[spec("core.later", "late_warning", "warning", "w")])
    def later(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> Iterator[object]:
        yield dg.Output(None)
        with duckdb.get_connection() as conn:  # runs after both failures: the final report must hold it
            yield check_result(conn, context.run_id, "core.later", "late_warning", "warning", False, "late")

    @dg.asset(key=["core", "downstream"], deps=[checked])
    def downstream() -> None:
        return None

    job = dg.define_asset_job("tiny_refresh")  # no hooks: the duckdb resource writes the report as the run ends
    paths = PiiPaths(landing_dir=str(tmp_path / "landing"), warehouse_path=str(published))
    defs = dg.Definitions(assets=[checked, broken, fine, later, downstream], jobs=[job],
                          executor=dg.in_process_executor,
                          resources={"duckdb": build_resource(tmp_path / "build.duckdb", 5, paths=paths),
                                     "paths": paths})
    with duckdb.connect(str(tmp_path / "build.duckdb"), config=BUILD_CONNECTION_CONFIG) as conn:
        conn.execute("CREATE SCHEMA meta")  # the reference layer creates it in the real graph
    stale = published.parent / "reports" / "dq_latest.md"
    stale.parent.mkdir(parents=True)
    stale.write_text("# an older run's report\n", encoding="utf-8")

    result = defs.resolve_job_def("tiny_refresh").execute_in_process(raise_on_error=False)

    assert not result.success
    report = stale.read_text(encoding="utf-8")
    assert report == (stale.parent / f"dq_{result.run_id}.md").read_text(encoding="utf-8")
    assert report.startswith(f"# Data-quality summary — run {result.run_id}\n")
    assert f"**Not published.** Nothing has been published to `{published}` yet." in report
    assert "- critical check **staging.checked · sums_agree** (details below)" in report
    assert ("- step **raw__broken** failed: ValueError: cannot read landing/2025/x.xlsx / "
            "sheet 'Số liệu' row 4 column C / third\n") in report
    assert "2 checks: 0 passed, 1 failed (critical), 1 warnings." in report
    assert "| core.later | late_warning | warning | NO | 0 |" in report
    assert '`{"row": 7}`' in report

    # what `pii materialize` prints about the same run: the first lines of each failing check and step error
    printed = report_from_result(result, defs).lines()
    assert printed[0] == f"run FAILED (run id {result.run_id})"
    assert "checks: 0 passed, 1 failed, 1 warnings" in printed
    at = printed.index("  FAILED  staging/checked:sums_agree")
    assert printed[at + 1:at + 3] == ["          [critical] sums", '          2 unexpected; first: {"row": 7}']
    at = printed.index("  step failed: raw__broken")
    assert printed[at + 1:at + 4] == ["          ValueError: cannot read landing/2025/x.xlsx",
                                      "          sheet 'Số liệu' row 4 column C", "          third"]
    assert not any("staging__checked" in line for line in printed)  # listed once, by its check
