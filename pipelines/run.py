"""Run the refresh job from the command line and report what happened.

Dagster and the definitions are imported only once a run is known to be needed: a refresh with nothing to do
answers in about a second.
"""

from __future__ import annotations

import dataclasses
import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import dagster as dg

PUBLISH_PATH = ["meta", "published_warehouse"]
DETAIL_WIDTH = 160


@dataclass(frozen=True)
class RunReport:
    success: bool
    checks_passed: int
    checks_failed: list[str]
    checks_warned: list[str]
    failed_steps: list[str]
    run_id: str = ""
    published: bool = False  # this run replaced the published warehouse
    details: dict[str, list[str]] = field(default_factory=dict)  # failed check or step -> first lines of why
    cleared_runs: list[str] = field(default_factory=list)  # dead predecessors marked failed before this run
    plan: list[str] = field(default_factory=list)  # what changed and what ran (pipelines/selection.py)
    ran: bool = True  # False: nothing changed since the last run, the job was not executed

    def lines(self) -> list[str]:
        """What ``pii materialize`` prints about the run (the warehouse summary follows it)."""
        if not self.ran:
            return [*self.cleared_runs, *self.plan]
        out = [*self.cleared_runs, *self.plan,
               f"run {'succeeded' if self.success else 'FAILED'} (run id {self.run_id})",
               f"checks: {self.checks_passed} passed, {len(self.checks_failed)} failed, "
               f"{len(self.checks_warned)} warnings"]
        for name in self.checks_failed:
            out += [f"  FAILED  {name}", *(f"          {line}" for line in self.details.get(name, []))]
        out += [f"  warning {name}" for name in self.checks_warned]
        for step in self.failed_steps:
            out += [f"  step failed: {step}", *(f"          {line}" for line in self.details.get(step, []))]
        return out


def _clip(text: str) -> str:
    return text if len(text) <= DETAIL_WIDTH else text[:DETAIL_WIDTH - 1] + "…"


def check_lines(evaluation: dg.AssetCheckEvaluation, description: str | None) -> list[str]:
    """The first lines of a failed check: what it checks, how many rows failed, the first example."""
    meta = {k: getattr(v, "value", v) for k, v in evaluation.metadata.items()}
    examples = meta.get("examples") or {}
    first = next((v[0] for v in (examples.get("examples"), examples.get("values")) if v), None)
    lines = [description] if description else []
    observed = (meta.get("observed_value") or {}).get("value")
    if "unexpected_count" in meta:
        lines.append(f"{meta['unexpected_count']} unexpected"
                     + (f"; observed {observed}" if observed is not None else "")
                     + (f"; first: {json.dumps(first, ensure_ascii=False, default=str)}" if first is not None else ""))
    return [_clip(line) for line in lines]


def selected_keys(selection: str, defs: dg.Definitions) -> list[dg.AssetKey]:
    """The asset keys of ``--select`` ('raw/papi,core/pii_input'); an unknown key is a UsageError with suggestions."""
    from difflib import get_close_matches

    from pii.errors import UsageError

    known = {key.to_user_string(): key for key in defs.resolve_all_asset_keys()}
    keys = []
    for name in (s.strip() for s in selection.split(",")):
        if name not in known:
            close = get_close_matches(name, sorted(known), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else " (see the asset graph: `make dev`)"
            raise UsageError(f"--select: no asset '{name}'{hint}")
        keys.append(known[name])
    return keys


def run_refresh(selection: str | None = None, log_level: str = "WARNING", progress: str = "off",
                full: bool = False, years: tuple[int, ...] | None = None) -> RunReport:
    """Execute ``pii_refresh`` in this process, on the instance in DAGSTER_HOME when set (else ephemeral).

    The writer lock of the build file (pipelines/writer_lock.py) is taken first and held until the run's state
    is recorded: a run the daemon started, or another ``pii materialize``, is waited for (the wait is printed
    on stderr, up to PII_WRITER_LOCK_TIMEOUT_SECONDS), never joined. Runs of this instance whose process on this
    host is gone are marked failed first, so they stop holding the ``duckdb_writer`` slot queued and scheduled
    runs wait for. ``progress`` is a mode of pipelines/progress.py (``tty``, ``lines`` or ``off``): what to
    show on stderr while the run goes on. Without ``selection`` only the sources whose landing files changed
    since the build file's last successful run, and what is downstream of them, run (pipelines/selection.py);
    ``full`` runs everything. ``years`` (not with ``selection`` or ``full``): the landing files of those data
    years are read and conformed again although unchanged, and what is downstream of their sources runs
    (``selection.plan_years``); a year without landing files is a UsageError.
    """
    import sys

    from pipelines import writer_lock
    from pipelines.environment import build_path, writer_lock_path
    from pipelines.resources import environment_settings

    settings = environment_settings()  # a bad PII_ENV or a missing production variable: one line, exit 2
    build = build_path()
    run_id = str(uuid.uuid4())  # known before the run starts: named in the lock file and its events
    try:
        with writer_lock.writer_lock(writer_lock_path(build), run_id, settings["writer_lock_timeout_seconds"],
                                     lambda line: print(line, file=sys.stderr, flush=True),
                                     command="pii materialize"):
            return _run_locked(selection, log_level, progress, full, run_id, years)
    except writer_lock.WriterLockTimeout as exc:
        return RunReport(False, 0, [], [], [], run_id, ran=False, plan=[f"run not started: {exc}"])


def _run_locked(selection: str | None, log_level: str, progress: str, full: bool, run_id: str,
                years: tuple[int, ...] | None = None) -> RunReport:
    """:func:`run_refresh` once this process holds the writer lock."""
    from pipelines import build_state
    from pipelines import selection as incremental
    from pipelines.environment import build_path, landing_dir, warehouse_path

    build, published = build_path(), warehouse_path()

    def plan_for(build: Path) -> tuple[incremental.Plan, dict, str]:
        return incremental.plan_for_build(build, landing_dir(), published, lambda: _defs().resolve_asset_graph(),
                                          full=full, years=years)

    if not selection:  # planned before the definitions are loaded (seconds): a run with nothing to do stops here
        plan, files, fingerprint = plan_for(build)
        if plan.nothing_to_do:
            return RunReport(True, 0, [], [], [], plan.previous.run_id if plan.previous else "", ran=False,
                             plan=[plan.reason])
    from pii.quality import gx_worker

    gx_worker.prestart()  # imports GX on the other core while Dagster and the definitions load here
    import dagster as dg

    from pipelines.dead_runs import fail_dead_runs, process_tags
    from pipelines.progress import Progress
    from pipelines.run_state import CLI_TAG, CLI_VALUE

    persistent = bool(os.environ.get("DAGSTER_HOME"))
    instance = dg.DagsterInstance.get() if persistent else dg.DagsterInstance.ephemeral()
    cleared = fail_dead_runs(instance) if persistent else []
    defs = _defs()
    job = defs.resolve_job_def("pii_refresh")
    if Path(defs.resources["duckdb"].database) != build:  # loaded earlier in this process, under another setting
        build = Path(defs.resources["duckdb"].database)  # (its run takes that file's writer lock itself)
        if not selection:
            plan, files, fingerprint = plan_for(build)
    if selection:  # --select wins; a successful run keeps the recorded state, which still says what changed
        selected, plan_lines = selected_keys(selection, defs), []
        previous = build_state.read_build_state(build)[0]
    else:
        selected = plan.asset_keys
        plan_lines = [plan.reason, *(f"  {line}" for line in plan.changes),
                      f"running {_step_count(job, selected)} of {_step_count(job, None)} steps"]
    build_state.forget_build_state(build)  # a run that fails or dies leaves no state: the next run is full
    if not selection and plan.reread:  # a year backfill: those files are read and conformed again
        build_state.forget_files(build, plan.reread)
    run_config = {"loggers": {"console": {"config": {"log_level": log_level}}}}
    shown = Progress(progress, _step_count(job, selected))
    instance.add_event_listener(run_id, shown)  # Dagster's event stream, as the run writes it
    try:
        result = job.execute_in_process(instance=instance, raise_on_error=False, asset_selection=selected,
                                        run_config=run_config, tags={**process_tags(), CLI_TAG: CLI_VALUE},
                                        run_id=run_id)
    finally:
        shown.close()
        _stop_workers()
    report = report_from_result(result, defs, cleared)
    instance.dispose()  # closes the event log's files (pipelines/instance_storage.py): each checkpointed once
    if report.success and not report.checks_failed:
        if not selection:
            if plan.reread and not plan.full and plan.previous is not None:  # other sources' changes still to run
                files = incremental.files_after_years(plan.previous.files, files, plan.changed_sources)
            build_state.record_build_state(build, run_id, fingerprint, str(published), files)
        elif previous is not None:
            build_state.record_build_state(build, previous.run_id, previous.fingerprint, previous.published_path,
                                           previous.files, previous.finished_at)
    return dataclasses.replace(report, plan=plan_lines)


def _stop_workers() -> None:
    """The run's worker processes (GX validation, file reader) are stopped as soon as the run ends, not at the
    interpreter's exit (pii.cli.run ends the process without tearing its modules down)."""
    from pii.ingest.isolated_read import stop_reader
    from pii.quality import gx_worker

    gx_worker.stop()
    stop_reader()


def _defs() -> dg.Definitions:
    from pipelines.definitions import defs

    return defs


def _step_count(job: dg.JobDefinition, selected: list[dg.AssetKey] | None) -> int | None:
    """How many steps the run will execute (shown as 'n/N steps'); None when Dagster cannot say up front."""
    try:
        subset = job.get_subset(asset_selection=set(selected)) if selected else job
        return len(list(subset.nodes_in_topological_order))
    except Exception:  # only a display nicety: never fail the run over it
        return None


def report_from_result(result: dg.ExecuteInProcessResult, defs: dg.Definitions,
                       cleared: list[str] | None = None) -> RunReport:
    """Checks passed and failed, failed steps, and the first lines of why each failed, from a finished run."""
    import dagster as dg

    from pipelines.blocked_report import CHECK_BLOCKED, error_first_lines

    graph = defs.resolve_asset_graph()
    passed, failed, warned, details = 0, [], [], {}
    for evaluation in result.get_asset_check_evaluations():
        name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        if evaluation.passed:
            passed += 1
        elif evaluation.severity == dg.AssetCheckSeverity.ERROR:
            failed.append(name)
            details[name] = check_lines(evaluation, graph.get_check_spec(evaluation.asset_check_key).description)
        else:
            warned.append(name)
    for event in result.all_events:
        error = event.step_failure_data.error if event.is_step_failure and event.step_key else None
        if error is not None and error.cls_name != CHECK_BLOCKED:  # a check-blocked step is listed by its checks
            details[event.step_key] = [_clip(line) for line in error_first_lines(error)]
    published = any(e.asset_key.path == PUBLISH_PATH for e in result.get_asset_materialization_events())
    return RunReport(result.success, passed, sorted(failed), sorted(warned),
                     sorted(k for k in details if k not in failed), result.run_id, published, details,
                     cleared or [])
