"""Publish the working DuckDB file as the warehouse analysts open, atomically.

The copy is written next to the published file and moved over it with ``os.replace``: a reader with
the old file open keeps its snapshot, new connections see the new file, and nobody sees half a build.
"""


import os
import shutil
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets.core import defs as core_defs
from assets.pii import defs as pii_defs
from assets.raw import defs as raw_defs
from assets.reference import defs as reference_defs
from assets.staging import defs as staging_defs
from pii.quality.report import dq_summary_markdown, write_dq_report
from pipelines.environment import warehouse_path

UPSTREAM = sorted(
    {key for d in (reference_defs, raw_defs, staging_defs, core_defs, pii_defs) for a in d.assets
     for key in a.keys},
    key=lambda k: k.to_user_string(),
)
SUMMARY_TABLES = ("staging.measure_values", "core.indicator_values", "core.pii_input", "quarantine.rows")


def publish_file(build: Path, published: Path) -> None:
    published.parent.mkdir(parents=True, exist_ok=True)
    tmp = published.with_name(published.name + ".publishing")
    shutil.copyfile(build, tmp)
    os.replace(tmp, published)


@dg.asset(
    key=["meta", "published_warehouse"], group_name="publish", kinds={"duckdb"}, deps=UPSTREAM,
    description="Copies the finished build to the published warehouse file (PII_DUCKDB_PATH) atomically.",
)
def published_warehouse(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
    published = warehouse_path()
    with duckdb.get_connection() as conn:
        counts = {t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]) for t in SUMMARY_TABLES}
        conn.execute("CHECKPOINT")
    build = Path(duckdb.database)
    publish_file(build, published)
    with duckdb.get_connection() as conn:  # after the copy: the report gives the publication time
        report = dq_summary_markdown(conn, context.run_id, published, published_now=True)
    latest = write_dq_report(published.parent / "reports", context.run_id, report)
    context.log.info(f"published {build} -> {published}; data-quality summary in {latest}")
    return dg.MaterializeResult(metadata={
        "data_quality_summary": dg.MetadataValue.md(report[:20000]),
        "path": dg.MetadataValue.path(str(published)),
        "bytes": dg.MetadataValue.int(published.stat().st_size),
        **{f"rows {t}": dg.MetadataValue.int(n) for t, n in counts.items()},
    })
