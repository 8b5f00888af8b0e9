"""Dead runs: a run whose process is gone is marked failed, so it stops holding the ``duckdb_writer`` slot.

A run killed with SIGKILL (or lost with its machine) never reports its own end and stays STARTED in the
instance; with the tag concurrency limit in dagster.yaml, every queued and scheduled run then waits forever.
A run's process is known from the ``pii/host`` and ``pii/pid`` tags ``pii materialize`` puts on its runs, or,
for runs the daemon launched into a local code server, from the pid the run worker logs when it starts.
The daemon's run monitoring asks ``LocalProcessRunLauncher`` (configured in dagster.yaml) about every
STARTED run; ``pii materialize`` clears its dead predecessors itself before it starts (no daemon needed).
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

from dagster import DagsterInstance, DagsterRun, DagsterRunStatus, RunsFilter
from dagster._core.events import DagsterEventType
from dagster._core.launcher import CheckRunHealthResult, DefaultRunLauncher, WorkerStatus
from dagster._core.storage.tags import GRPC_INFO_TAG

HOST_TAG = "pii/host"
PID_TAG = "pii/pid"
STARTED_TAG = "pii/process_started"  # epoch seconds: tells the run's process from a later one given the same pid
LOCAL_GRPC_HOSTS = {"localhost", "127.0.0.1", "::1"}
UNFINISHED = [DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED,
              DagsterRunStatus.CANCELING]
CLOCK_SLACK_SECONDS = 2.0  # boot time in /proc/stat is whole seconds


def process_started_at(pid: int) -> float | None:
    """When process ``pid`` started (epoch seconds); None when there is no such live process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    except OSError:  # no procfs: existence is all we can tell
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return float("-inf")
    fields = stat.rsplit(")", 1)[1].split()  # the command name in parentheses may contain spaces
    if fields[0] in {"Z", "X"}:  # killed, not yet reaped by its parent
        return None
    boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                if line.startswith("btime "))
    return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")


def process_tags() -> dict[str, str]:
    """Tags naming this process, for runs it executes in-process."""
    started = process_started_at(os.getpid())
    return {HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid()),
            STARTED_TAG: f"{started if started is not None and started > 0 else 0:.2f}"}


def _is_local_grpc(run: DagsterRun) -> bool:
    info = json.loads(run.tags.get(GRPC_INFO_TAG) or "{}")
    return bool(info.get("socket")) or info.get("host") in LOCAL_GRPC_HOSTS | {socket.gethostname()}


def _logged_worker_pid(instance: DagsterInstance, run: DagsterRun) -> tuple[int, float] | None:
    """The pid the run worker logged when it started ("Started process for run (pid: N)"), and when."""
    for record in instance.all_logs(run.run_id, of_type=DagsterEventType.ENGINE_EVENT):
        metadata = record.dagster_event.engine_event_data.metadata if record.dagster_event else {}
        if "pid" in metadata:
            return int(metadata["pid"].value), record.timestamp
    return None


def worker_process(instance: DagsterInstance, run: DagsterRun) -> tuple[int, float] | None:
    """The pid of the process executing ``run`` on this host and a time it had surely started by.

    None when that cannot be told here: the run executes on another host or has not logged a pid yet.
    """
    if PID_TAG in run.tags:
        if run.tags.get(HOST_TAG) != socket.gethostname():
            return None
        return int(run.tags[PID_TAG]), float(run.tags.get(STARTED_TAG) or "inf")
    if GRPC_INFO_TAG in run.tags and _is_local_grpc(run):
        return _logged_worker_pid(instance, run)
    return None


def dead_run_reason(instance: DagsterInstance, run: DagsterRun) -> str | None:
    """Why ``run`` is dead (its process is gone), or None when it is alive or that cannot be told."""
    process = worker_process(instance, run)
    if process is None:
        return None
    pid, started_by = process
    started = process_started_at(pid)
    if started is None:
        return f"its process (pid {pid} on {socket.gethostname()}) no longer exists: killed or crashed"
    if started > started_by + CLOCK_SLACK_SECONDS:
        return f"its process (pid {pid} on {socket.gethostname()}) is gone; the pid now belongs to a newer process"
    return None


def fail_dead_runs(instance: DagsterInstance) -> list[str]:
    """Mark failed every unfinished run whose process on this host is gone; one line per run cleared."""
    cleared = []
    for run in instance.get_runs(RunsFilter(statuses=UNFINISHED)):
        reason = dead_run_reason(instance, run)
        if reason is None:
            continue
        instance.report_run_failed(run, f"Marked failed by pii materialize: {reason}.")
        cleared.append(f"run {run.run_id} ({run.status.value}, job {run.job_name}) marked FAILED: {reason}")
    return cleared


class LocalProcessRunLauncher(DefaultRunLauncher):
    """The default launcher, plus the worker health check run monitoring needs to fail dead runs."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        reason = dead_run_reason(self._instance, run)
        if reason is not None:
            return CheckRunHealthResult(WorkerStatus.FAILED, f"Run {run.run_id}: {reason}")
        # Alive, or not decidable from here (another host): monitoring fails any status but RUNNING/SUCCESS.
        return CheckRunHealthResult(WorkerStatus.RUNNING, "worker process alive or not observable from this host")
