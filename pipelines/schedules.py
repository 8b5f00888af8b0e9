"""The nightly refresh: after the working day's submissions have landed (Vietnam time)."""

from __future__ import annotations

import dagster as dg

from pipelines.jobs import pii_refresh

nightly_refresh = dg.ScheduleDefinition(
    name="nightly_refresh",
    job=pii_refresh,
    cron_schedule="30 1 * * *",
    execution_timezone="Asia/Ho_Chi_Minh",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Rebuild and republish the warehouse every night at 01:30 ICT.",
)
