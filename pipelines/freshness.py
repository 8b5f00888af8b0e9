"""Freshness of the published warehouse: stale when its last publication is older than 36 hours.

Dagster 1.13 offers two mechanisms. ``FreshnessPolicy`` needs the policy on the publish asset itself and the
freshness daemon enabled in dagster.yaml, and reports state changes only as runless events no public sensor API
reads. ``build_last_update_freshness_checks`` gives an asset check: visible with the asset's other checks, run
by ``pii_refresh`` right after publishing (AssetSelection.all() includes it) and by Dagster's freshness-check
sensor when the last publication's 36 h run out; a small sensor then turns a failed evaluation into an alert
through the same channels as failed runs (pipelines/alerts/channels.py).
"""

from __future__ import annotations

import warnings
from datetime import timedelta

import dagster as dg

from pipelines.alerts.alert import stale_warehouse_alert
from pipelines.alerts.channels import deliver
from pipelines.environment import warehouse_path

PUBLISH_KEY = dg.AssetKey(["meta", "published_warehouse"])
STALE_AFTER = timedelta(hours=36)  # a nightly run may fail once: the warehouse is stale after the second miss

with warnings.catch_warnings():  # both "superseded" by FreshnessPolicy (see above), not deprecated
    warnings.simplefilter("ignore", dg.SupersessionWarning)
    freshness_checks = dg.build_last_update_freshness_checks(
        assets=[PUBLISH_KEY], lower_bound_delta=STALE_AFTER, severity=dg.AssetCheckSeverity.ERROR)
    # Launches a run of the check when the last passing evaluation's "fresh until" time has passed.
    freshness_checks_sensor = dg.build_sensor_for_freshness_checks(
        freshness_checks=freshness_checks, name="published_warehouse_freshness",
        minimum_interval_seconds=600, default_status=dg.DefaultSensorStatus.RUNNING)
FRESHNESS_CHECK_KEY = dg.AssetCheckKey(PUBLISH_KEY, "freshness_check")


@dg.sensor(name="stale_warehouse_alert", minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Alerts (alerts.log, e-mail, webhook) once per failed freshness evaluation of the published "
                       "warehouse.")
def stale_warehouse_alert_sensor(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    summary = context.instance.event_log_storage.get_asset_check_summary_records([FRESHNESS_CHECK_KEY])
    record = summary[FRESHNESS_CHECK_KEY].last_completed_check_execution_record
    event = record.event.dagster_event if record is not None and record.event is not None else None
    evaluation = event.event_specific_data if event is not None else None
    if record is None or not isinstance(evaluation, dg.AssetCheckEvaluation):
        return dg.SkipReason("the freshness check has not been evaluated yet")
    if context.cursor and int(context.cursor) >= record.id:  # the cursor: the last evaluation already handled
        return dg.SkipReason(f"no new freshness evaluation since record {context.cursor}")
    context.update_cursor(str(record.id))
    if evaluation.passed:
        return dg.SkipReason("the published warehouse is fresh")
    for line in deliver(stale_warehouse_alert(evaluation, record.run_id, warehouse_path())):
        context.log.info(line)
    return dg.SkipReason("the published warehouse is stale: alert sent")


defs = dg.Definitions(asset_checks=freshness_checks, sensors=[freshness_checks_sensor, stale_warehouse_alert_sensor])
