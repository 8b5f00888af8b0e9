"""The published warehouse is stale 36 hours after its last publication, and a stale warehouse is an alert."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.test_utils import freeze_time

from pipelines import freshness
from pipelines.freshness import FRESHNESS_CHECK_KEY, PUBLISH_KEY

# The real check definitions, run on their own: the publish asset is reported materialized, not rebuilt.
CHECK_ONLY = dg.Definitions(
    assets=[dg.AssetSpec(PUBLISH_KEY)], asset_checks=freshness.freshness_checks,
    jobs=[dg.define_asset_job("freshness_only", selection=dg.AssetSelection.checks(*freshness.freshness_checks))],
    sensors=[freshness.stale_warehouse_alert_sensor],
)


@pytest.fixture
def warehouse_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PII_DUCKDB_PATH", str(tmp_path / "pii_warehouse.duckdb"))
    for name in ("PII_ALERT_SMTP_HOST", "PII_ALERT_EMAIL_TO", "PII_ALERT_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def evaluate(instance: dg.DagsterInstance, at: datetime) -> dg.AssetCheckEvaluation:
    with freeze_time(at):
        result = CHECK_ONLY.resolve_job_def("freshness_only").execute_in_process(instance=instance)
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.asset_check_key == FRESHNESS_CHECK_KEY
    return evaluation


def stale_sensor_tick(instance: dg.DagsterInstance, cursor: str | None) -> str | None:
    sensor = CHECK_ONLY.resolve_sensor_def("stale_warehouse_alert")
    context = dg.build_sensor_context(instance=instance, cursor=cursor, definitions=CHECK_ONLY)
    return sensor.evaluate_tick(context).cursor


def test_published_two_days_ago_is_stale_and_alerted_once(warehouse_dir: Path) -> None:
    instance = dg.DagsterInstance.ephemeral()
    published_at = datetime.now(UTC) - timedelta(days=2)
    with freeze_time(published_at):
        instance.report_runless_asset_event(dg.AssetMaterialization(PUBLISH_KEY))

    evaluation = evaluate(instance, datetime.now(UTC))
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert "overdue" in evaluation.description and "2 days" in evaluation.description

    cursor = stale_sensor_tick(instance, None)
    [alert] = [json.loads(line) for line in (warehouse_dir / "alerts.log").read_text(encoding="utf-8").splitlines()]
    assert alert["kind"] == "stale_warehouse" and alert["failed_checks"] == ["meta/published_warehouse:freshness_check"]
    assert str(warehouse_dir / "pii_warehouse.duckdb") in alert["summary"]
    assert "2 days" in alert["errors"]["meta/published_warehouse:freshness_check"][0]
    stale_sensor_tick(instance, cursor)  # the same evaluation again: no second alert
    assert len((warehouse_dir / "alerts.log").read_text(encoding="utf-8").splitlines()) == 1


def test_published_just_now_is_fresh_until_36_hours_later(warehouse_dir: Path) -> None:
    instance = dg.DagsterInstance.ephemeral()
    now = datetime.now(UTC)
    with freeze_time(now):
        instance.report_runless_asset_event(dg.AssetMaterialization(PUBLISH_KEY))
    assert evaluate(instance, now + timedelta(minutes=1)).passed
    stale_sensor_tick(instance, None)
    assert not (warehouse_dir / "alerts.log").exists()
    assert evaluate(instance, now + timedelta(hours=35, minutes=59)).passed
    assert not evaluate(instance, now + timedelta(hours=36, minutes=1)).passed


def test_never_published_is_stale() -> None:
    evaluation = evaluate(dg.DagsterInstance.ephemeral(), datetime.now(UTC))
    assert not evaluation.passed and "never" in evaluation.description


def test_check_and_sensors_are_registered_and_refresh_runs_the_check_after_publishing() -> None:
    from pipelines.definitions import defs

    assert FRESHNESS_CHECK_KEY in defs.resolve_asset_graph().asset_check_keys
    names = {sensor.name for sensor in defs.sensors}
    assert {"pii_run_failure_alert", "published_warehouse_freshness", "stale_warehouse_alert"} <= names
    assert all(defs.resolve_sensor_def(n).default_status == dg.DefaultSensorStatus.RUNNING for n in names)
    steps = [node.name for node in defs.resolve_job_def("pii_refresh").nodes_in_topological_order]
    check_step = next(name for name in steps if name.startswith("freshness_check"))
    assert steps.index(check_step) > steps.index("meta__published_warehouse")
