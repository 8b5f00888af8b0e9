"""The analyst schema: stable, documented views over the index, the indicators and data quality.

Each view is one file sql/analyst/<view>.sql (CREATE OR REPLACE VIEW, two-part names only, SQL that DuckDB
1.x readers understand), so the published file answers the same queries in any client.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets._lineage import sql_deps, upstream_of
from assets._sql import read_sql
from assets._warehouse import table_metadata

GROUP = "analyst"
SCHEMA = "analyst"

# view -> the tables its SQL reads (the view is recreated after each of them), parsed from the file.
VIEWS: dict[str, list[str]] = {
    view: upstream_of(SCHEMA, view)
    for view in ("indicator_values", "scores", "strengths_weaknesses", "rank_changes", "dq_quarantine",
                 "dq_expected_files", "dq_coverage")
}
READS = sorted({t for tables in VIEWS.values() for t in tables})


@dg.multi_asset(
    name="analyst_views",
    specs=[dg.AssetSpec([SCHEMA, view], group_name=GROUP, kinds={"duckdb", "sql"},
                        deps=sql_deps(SCHEMA, view),
                        description=read_sql(SCHEMA, view).split("CREATE OR REPLACE VIEW")[0]
                        .replace("-- ", "").strip())
           for view in VIEWS],
    can_subset=True,
)
def analyst_views(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    with duckdb.get_connection() as conn:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        for key in sorted(context.selected_asset_keys, key=lambda k: k.to_user_string()):
            view = key.path[-1]
            conn.execute(read_sql(SCHEMA, view))
            yield dg.MaterializeResult(asset_key=key, metadata=table_metadata(conn, f"{SCHEMA}.{view}"))
