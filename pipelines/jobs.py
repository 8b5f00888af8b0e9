"""Jobs. Every run writes DuckDB, so runs carry the ``duckdb_writer`` tag that dagster.yaml limits to one."""

from __future__ import annotations

import dagster as dg

from pipelines.dq_report_hooks import dq_report_after_failure, dq_report_on_failure

WRITER_TAGS = {"duckdb_writer": "true"}

pii_refresh = dg.define_asset_job(
    name="pii_refresh",
    selection=dg.AssetSelection.all(),
    description="Ingest every landing file, conform, compute indicator tables, run quality checks, publish.",
    tags=WRITER_TAGS,
    # A run that cannot publish still rewrites warehouse/reports/dq_latest.md, saying what blocked it.
    hooks={dq_report_on_failure, dq_report_after_failure},
)
