"""Jobs. Every run writes DuckDB, so runs carry the ``duckdb_writer`` tag that dagster.yaml limits to one."""

from __future__ import annotations

import dagster as dg

WRITER_TAGS = {"duckdb_writer": "true"}

pii_refresh = dg.define_asset_job(
    name="pii_refresh",
    selection=dg.AssetSelection.all(),
    description="Ingest every landing file, conform, compute indicator tables, run quality checks, publish.",
    tags=WRITER_TAGS,
    # A run that cannot publish still rewrites warehouse/reports/dq_latest.md, saying what blocked it: the duckdb
    # resource writes it when the run ends (pipelines/blocked_report.py).
)
