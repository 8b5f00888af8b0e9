"""Publish the working DuckDB file as the warehouse analysts open, atomically, and keep it as a snapshot.

The copy is written next to the published file and moved over it with ``os.replace``: a reader with
the old file open keeps its snapshot, new connections see the new file, and nobody sees half a build.
The working file is in DuckDB's v1.0.0 storage format (pipelines/resources.py), so the copy is what DuckDB
1.x clients read too; a working file in another format is converted here instead of copied.
"""


from collections.abc import Callable
from pathlib import Path

import dagster as dg
import duckdb as duckdb_module
from dagster_duckdb import DuckDBResource

from assets.analyst import defs as analyst_defs
from assets.core import defs as core_defs
from assets.pii import defs as pii_defs
from assets.raw import defs as raw_defs
from assets.reference import defs as reference_defs
from assets.staging import defs as staging_defs
from pii.quality.report import dq_summary_markdown, write_dq_report
from pii.snapshots import publish
from pipelines.resources import STORAGE_VERSION, BuildDuckDBResource, PiiPaths, is_v1_readable

UPSTREAM = sorted(
    {key for d in (reference_defs, raw_defs, staging_defs, core_defs, pii_defs, analyst_defs)
     for a in d.assets
     for key in a.keys},
    key=lambda k: k.to_user_string(),
)
SUMMARY_TABLES = ("staging.measure_values", "core.indicator_values", "core.pii_input", "quarantine.rows")


def convert_to_v1(build: Path, target: Path) -> None:
    """Write ``build`` to a new file ``target`` in storage v1.0.0 (a resource configured without it)."""
    target.unlink(missing_ok=True)
    with duckdb_module.connect() as conn:
        src, dst = (str(p).replace("'", "''") for p in (build, target))
        conn.execute(f"ATTACH '{src}' AS src (READ_ONLY)")
        conn.execute(f"ATTACH '{dst}' AS dst (STORAGE_VERSION '{STORAGE_VERSION}')")
        conn.execute("COPY FROM DATABASE src TO dst")


def publish_file(build: Path, published: Path, run_id: str, log: Callable[[str], None] = print,
                 keep: int | None = None) -> None:
    """Publish ``build`` at ``published`` (atomic replace) and keep it in ``snapshots/``."""
    source = build
    if not is_v1_readable(build):
        source = build.with_name(build.stem + "_v1.duckdb")
        log(f"{build} is not in storage {STORAGE_VERSION}: converting it to {source} for DuckDB 1.x readers")
        convert_to_v1(build, source)
    snapshot = publish(source, published, run_id, keep)
    if source != build:
        source.unlink()
    if snapshot is not None:
        log(f"kept snapshot {snapshot.path}")


@dg.asset(
    key=["meta", "published_warehouse"], group_name="publish", kinds={"duckdb"}, deps=UPSTREAM,
    description="Copies the finished build to the published warehouse file (PII_DUCKDB_PATH) atomically.",
)
def published_warehouse(context: dg.AssetExecutionContext, duckdb: DuckDBResource,
                        paths: PiiPaths) -> dg.MaterializeResult:
    published = paths.published()
    with duckdb.get_connection() as conn:
        counts = {t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]) for t in SUMMARY_TABLES}
        conn.execute("CHECKPOINT")
    if isinstance(duckdb, BuildDuckDBResource):
        duckdb.close_shared()  # the copy below reads a file no connection of this run holds open
    build = Path(duckdb.database)
    publish_file(build, published, context.run_id, context.log.info, paths.snapshots_keep)
    with duckdb.get_connection() as conn:  # after the copy: the report gives the publication time
        report = dq_summary_markdown(conn, context.run_id, published, published_now=True)
    latest = write_dq_report(paths.reports_dir(), context.run_id, report)
    context.log.info(f"published {build} -> {published}; data-quality summary in {latest}")
    if isinstance(duckdb, BuildDuckDBResource):  # after the copy: the published file never holds the state
        duckdb.record_state_after_publish(context, published)
    return dg.MaterializeResult(metadata={
        "data_quality_summary": dg.MetadataValue.md(report[:20000]),
        "path": dg.MetadataValue.path(str(published)),
        "bytes": dg.MetadataValue.int(published.stat().st_size),
        **{f"rows {t}": dg.MetadataValue.int(n) for t, n in counts.items()},
    })
