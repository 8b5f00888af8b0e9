"""Job hooks that write the data-quality report of a run that cannot publish, under the daemon or not.

The publish step writes the report of a run that publishes. A run stopped by a critical check or a failed step
never reaches it, so the failure hook writes the report as soon as a step fails, and the success hook rewrites
it after every later step: the last report written holds every check of the run and says what blocked it.
"""

from __future__ import annotations

import dagster as dg
import duckdb
from dagster._core.events import DagsterEventType
from dagster._utils.error import SerializableErrorInfo

from pii.quality.report import dq_summary_markdown, write_dq_report

# Dagster wraps the error raised by the asset's own code; the wrapped error is the one worth reading.
WRAPPERS = {"DagsterExecutionStepExecutionError", "DagsterResourceFunctionError", "DagsterUserCodeExecutionError"}
CHECK_BLOCKED = "DagsterAssetCheckFailedError"  # the step's critical checks failed: the report lists them
# Runs of this process with a failed step. Steps run in the run's process (in_process_executor), so the success
# hook needs no event-log query after every step of a run where nothing failed (~30 ms a step, 41 steps).
_FAILED_RUNS: set[str] = set()


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


def write_blocked_report(context: dg.HookContext, failures: dict[str, SerializableErrorInfo]) -> None:
    paths = context.resources.paths  # the run's locations (PiiPaths), as the publish step reads them
    published = paths.published()
    steps = {step: " / ".join(error_first_lines(error)) for step, error in failures.items()
             if error.cls_name != CHECK_BLOCKED}
    try:
        with context.resources.duckdb.get_connection() as conn:
            report = dq_summary_markdown(conn, context.run_id, published, False, steps)
    except duckdb.Error as exc:  # the build file itself is the problem: still say what happened
        context.log.warning(f"data-quality report without check results: {exc}")
        report = dq_summary_markdown(None, context.run_id, published, False, steps)
    latest = write_dq_report(paths.reports_dir(), context.run_id, report)
    context.log.info(f"run not published; data-quality summary in {latest}")


@dg.failure_hook(required_resource_keys={"duckdb", "paths"})
def dq_report_on_failure(context: dg.HookContext) -> None:
    _FAILED_RUNS.add(context.run_id)
    write_blocked_report(context, step_failures(context.instance, context.run_id))


@dg.success_hook(required_resource_keys={"duckdb", "paths"})
def dq_report_after_failure(context: dg.HookContext) -> None:
    if context.run_id not in _FAILED_RUNS:  # nothing failed so far in this run
        return
    failures = step_failures(context.instance, context.run_id)
    if failures:  # an earlier step failed: this run will not publish, keep its report complete
        write_blocked_report(context, failures)
