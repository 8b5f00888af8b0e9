"""Run the refresh job from the command line and report what happened."""

from __future__ import annotations

import os
from dataclasses import dataclass

import dagster as dg


@dataclass(frozen=True)
class RunReport:
    success: bool
    checks_passed: int
    checks_failed: list[str]
    checks_warned: list[str]
    failed_steps: list[str]


def run_refresh(selection: str | None = None, log_level: str = "WARNING") -> RunReport:
    """Execute ``pii_refresh`` in this process, on the instance in DAGSTER_HOME when set (else ephemeral)."""
    from pipelines.definitions import defs

    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    job = defs.resolve_job_def("pii_refresh")
    selected = [dg.AssetKey.from_user_string(s) for s in selection.split(",")] if selection else None
    run_config = {"loggers": {"console": {"config": {"log_level": log_level}}}}
    result = job.execute_in_process(instance=instance, raise_on_error=False, asset_selection=selected,
                                    run_config=run_config)
    passed, failed, warned = 0, [], []
    for evaluation in result.get_asset_check_evaluations():
        name = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        if evaluation.passed:
            passed += 1
        elif evaluation.severity == dg.AssetCheckSeverity.ERROR:
            failed.append(name)
        else:
            warned.append(name)
    failed_steps = [e.step_key for e in result.all_events if e.is_step_failure and e.step_key]
    return RunReport(result.success, passed, sorted(failed), sorted(warned), sorted(set(failed_steps)))
