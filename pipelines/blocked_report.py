"""The data-quality report of a run that cannot publish, written when the run ends, under the daemon or not.

The publish step writes the report of a run that publishes. A run stopped by a critical check or a failed step
never reaches it, so the run's DuckDB resource writes the report when it is torn down after the last step
(pipelines/resources.py): it holds every check of the run and says what blocked it. (Job hooks did this per
step before: two hook events for every step of every run, ≈ 90 events a run, for a report needed only when a
step failed.)
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
import duckdb
from dagster._core.events import DagsterEventType
from dagster._utils.error import SerializableErrorInfo

from pii.quality.report import dq_summary_markdown, write_dq_report

if TYPE_CHECKING:
    from pipelines.resources import PiiPaths

# Dagster wraps the error raised by the asset's own code; the wrapped error is the one worth reading.
WRAPPERS = {"DagsterExecutionStepExecutionError", "DagsterResourceFunctionError", "DagsterUserCodeExecutionError"}
CHECK_BLOCKED = "DagsterAssetCheckFailedError"  # the step's critical checks failed: the report lists them


def error_first_lines(error: SerializableErrorInfo, n: int = 3) -> list[str]:
    """The first ``n`` non-empty lines of the error the step's code raised."""
    while error.cls_name in WRAPPERS and error.cause is not None:
        error = error.cause
    lines = [line.strip() for line in error.message.splitlines() if line.strip()]
    return lines[:n] or [error.cls_name or "error"]


def step_failures(instance: dg.DagsterInstance, run_id: str) -> dict[str, SerializableErrorInfo]:
    """Every step of the run that failed so far, with its error."""
    failures = {}
    for record in instance.all_logs(run_id, of_type=DagsterEventType.STEP_FAILURE):
        event = record.dagster_event
        if event is not None and event.step_key and event.step_failure_data.error is not None:
            failures[event.step_key] = event.step_failure_data.error
    return failures


def write_if_blocked(instance: dg.DagsterInstance, run_id: str, paths: PiiPaths,
                     connection: Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]],
                     log: Callable[[str], None]) -> Path | None:
    """At the end of a run: when a step failed, write its report (``dq_<run_id>.md`` and ``dq_latest.md``) naming
    the failed steps and critical checks; returns the latest report's path, None when nothing failed."""
    failures = step_failures(instance, run_id)
    if not failures:
        return None
    published = paths.published()
    steps = {step: " / ".join(error_first_lines(error)) for step, error in failures.items()
             if error.cls_name != CHECK_BLOCKED}
    try:
        with connection() as conn:
            report = dq_summary_markdown(conn, run_id, published, False, steps)
    except duckdb.Error as exc:  # the build file itself is the problem: still say what happened
        log(f"data-quality report without check results: {exc}")
        report = dq_summary_markdown(None, run_id, published, False, steps)
    latest = write_dq_report(paths.reports_dir(), run_id, report)
    log(f"run not published; data-quality summary in {latest}")
    return latest
