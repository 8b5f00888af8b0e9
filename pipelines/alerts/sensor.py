"""The run-failure sensor: every failed run of the instance becomes an alert (pipelines/alerts/channels.py)."""

from __future__ import annotations

import dagster as dg

from pipelines.alerts.alert import run_failure_alert
from pipelines.alerts.channels import deliver


# monitor_all_code_locations: runs that `pii materialize` executes in its own process (DAGSTER_HOME set) are
# stored without a code-location origin, and a sensor watching only its own location would never see them.
# This instance serves one code location, so "all" is this pipeline's runs, whoever launched them.
@dg.run_failure_sensor(
    name="pii_run_failure_alert",
    monitor_all_code_locations=True,
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Writes every failed run (failed steps, blocking checks, first error lines) to alerts.log "
                "and sends it by e-mail / webhook when PII_ALERT_* is set.",
)
def pii_run_failure_alert(context: dg.RunFailureSensorContext) -> None:
    message = context.failure_event.message or ""
    alert = run_failure_alert(context.instance, context.dagster_run, message)
    for line in deliver(alert):
        context.log.info(line)
