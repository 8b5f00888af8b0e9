"""Failure alerts: a run-failure sensor writing alerts.log and sending e-mail / webhook messages."""

from __future__ import annotations

import dagster as dg

from pipelines.alerts.sensor import pii_run_failure_alert

defs = dg.Definitions(sensors=[pii_run_failure_alert])
