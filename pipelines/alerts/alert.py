"""What an alert says: built from a failed run's event log, or from a failed freshness check."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
from dagster._core.events import DagsterEventType

from pipelines.blocked_report import CHECK_BLOCKED, error_first_lines, step_failures
from pipelines.environment import warehouse_path

LINE_WIDTH = 200


@dataclass(frozen=True)
class Alert:
    kind: str  # run_failure | stale_warehouse
    time: str  # UTC, ISO 8601, when the alert was raised
    summary: str  # one line: the e-mail subject and the webhook's "text"
    run_id: str = ""
    job: str = ""
    failed_steps: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)  # asset/key:check_name of failed critical checks
    errors: dict[str, list[str]] = field(default_factory=dict)  # step or check -> first lines of why
    hint: str = ""  # where to look next

    def record(self) -> dict[str, object]:
        """The alert as one alerts.log line / webhook body (fields in a fixed order)."""
        return dataclasses.asdict(self)

    def text(self) -> str:
        """The alert as plain text, for the e-mail body."""
        lines = [self.summary, "", f"time: {self.time}"]
        lines += [f"run id: {self.run_id}", f"job: {self.job}"] if self.run_id else []
        lines += [f"failed critical check: {name}" for name in self.failed_checks]
        lines += [f"failed step: {step}" for step in self.failed_steps]
        for name, why in self.errors.items():
            lines += [f"{name}:", *(f"    {line}" for line in why)]
        return "\n".join([*lines, "", self.hint, ""])


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _clip(line: str) -> str:
    return line if len(line) <= LINE_WIDTH else line[:LINE_WIDTH - 1] + "…"


def _check_lines(evaluation: dg.AssetCheckEvaluation) -> list[str]:
    meta = {k: getattr(v, "value", v) for k, v in evaluation.metadata.items()}
    lines = [evaluation.description] if evaluation.description else []
    if "unexpected_count" in meta:
        lines.append(f"{meta['unexpected_count']} unexpected")
    return [_clip(line) for line in lines] or ["failed"]


def failed_critical_checks(instance: dg.DagsterInstance, run_id: str) -> dict[str, list[str]]:
    """Checks of the run that failed with severity ERROR (the ones that block), with the first lines of why."""
    failed = {}
    for entry in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = entry.dagster_event.event_specific_data if entry.dagster_event else None
        if isinstance(evaluation, dg.AssetCheckEvaluation) and not evaluation.passed \
                and evaluation.severity == dg.AssetCheckSeverity.ERROR:
            failed[f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"] = _check_lines(evaluation)
    return dict(sorted(failed.items()))


def dq_report_hint(run_id: str) -> str:
    report = warehouse_path().parent / "reports" / f"dq_{run_id}.md"
    shown = report if report.exists() else report.with_name("dq_latest.md")
    return f"run details: `dagster run list` / the Dagster UI, run {run_id}; data-quality report: {shown}"


def run_failure_alert(instance: dg.DagsterInstance, run: dg.DagsterRun, failure_message: str = "") -> Alert:
    """The alert for a failed run: the steps that failed, the critical checks that blocked it, and why."""
    checks = failed_critical_checks(instance, run.run_id)
    failures = step_failures(instance, run.run_id)
    errors: dict[str, list[str]] = dict(checks)
    for step, error in sorted(failures.items()):
        if error.cls_name != CHECK_BLOCKED:  # a step blocked by its checks is explained by the checks
            errors[step] = [_clip(line) for line in error_first_lines(error)]
    if not failures and failure_message:  # the run failed outside any step (killed, could not start)
        errors["run"] = [_clip(line) for line in failure_message.splitlines()[:3] if line.strip()]
    what = (f"critical check{'s' if len(checks) > 1 else ''} {', '.join(checks)}" if checks
            else f"step{'s' if len(failures) > 1 else ''} {', '.join(sorted(failures))}" if failures
            else "the run itself")
    return Alert(kind="run_failure", time=now_utc(), run_id=run.run_id, job=run.job_name,
                 summary=f"PII pipeline: run of {run.job_name} FAILED ({what}); nothing was published",
                 failed_steps=sorted(failures), failed_checks=list(checks), errors=errors,
                 hint=dq_report_hint(run.run_id))


def stale_warehouse_alert(evaluation: dg.AssetCheckEvaluation, run_id: str, published: Path) -> Alert:
    """The alert for a failed freshness check of the published warehouse."""
    name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
    never = evaluation.description is not None and "never" in evaluation.description
    state = "has never been published on this Dagster instance" if never else "is stale"
    return Alert(kind="stale_warehouse", time=now_utc(), run_id=run_id,
                 summary=f"PII pipeline: the published warehouse {published} {state}",
                 failed_checks=[name], errors={name: _check_lines(evaluation)},
                 hint="check the nightly_refresh schedule, the dagster-daemon and the last runs of pii_refresh")
