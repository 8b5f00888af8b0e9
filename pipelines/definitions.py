"""The code location loaded by workspace.yaml: merges each layer's defs; no logic here."""

from __future__ import annotations

import dagster as dg

from assets import analyst, core, pii, publish, raw, reference, staging
from assets.raw.file_versions import FILE_VERSIONS_SPEC
from pipelines import alerts, freshness, sensors
from pipelines.jobs import pii_refresh
from pipelines.resources import resources
from pipelines.schedules import nightly_refresh

defs = dg.Definitions.merge(
    reference.defs,
    raw.defs,
    staging.defs,
    core.defs,
    pii.defs,
    analyst.defs,
    publish.defs,
    alerts.defs,
    freshness.defs,
    sensors.defs,
    dg.Definitions(
        assets=[FILE_VERSIONS_SPEC],  # the log every raw asset appends to (read by analyst views)
        jobs=[pii_refresh],
        schedules=[nightly_refresh],
        resources=resources(),
        # One process per run: steps share the DuckDB file, which allows a single writing process.
        executor=dg.in_process_executor,
    ),
)
