"""The code location loaded by workspace.yaml: merges each layer's defs; no logic here."""

from __future__ import annotations

import dagster as dg

from assets import core, pii, publish, raw, reference, staging
from pipelines.jobs import pii_refresh
from pipelines.resources import resources
from pipelines.schedules import nightly_refresh

defs = dg.Definitions.merge(
    reference.defs,
    raw.defs,
    staging.defs,
    core.defs,
    pii.defs,
    publish.defs,
    dg.Definitions(
        jobs=[pii_refresh],
        schedules=[nightly_refresh],
        resources=resources(),
        # One process per run: steps share the DuckDB file, which allows a single writing process.
        executor=dg.in_process_executor,
    ),
)
