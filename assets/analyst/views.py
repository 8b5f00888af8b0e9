"""The analyst schema: stable, documented views over the index, the indicators and data quality.

Each view is one file sql/analyst/<view>.sql (CREATE OR REPLACE VIEW, two-part names only, SQL that DuckDB
1.x readers understand), so the published file answers the same queries in any client.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets._sql import read_sql
from assets._warehouse import table_metadata

GROUP = "analyst"
SCHEMA = "analyst"

# view -> the tables it reads (explicit deps: the view is recreated after each of them).
VIEWS: dict[str, list[str]] = {
    "indicator_values": ["core.indicator_values", "core.framework_measure_values", "staging.measure_values",
                         "meta.framework_indicators", "meta.framework_nodes", "meta.framework_formula_terms",
                         "meta.provinces", "meta.province_crosswalk", "pii.scores"],
    "scores": ["pii.scores", "meta.framework_indicators", "meta.framework_nodes", "meta.provinces"],
    "strengths_weaknesses": ["pii.strengths_weaknesses", "pii.scores", "meta.framework_indicators",
                             "meta.framework_nodes", "meta.provinces"],
    "rank_changes": ["pii.scores", "meta.framework_indicators", "meta.framework_nodes", "meta.provinces",
                     "meta.province_crosswalk"],
    "dq_quarantine": ["quarantine.rows", "meta.sources", "meta.agencies", "meta.landing_files"],
    "dq_expected_files": ["meta.framework_formula_terms", "meta.measures", "meta.sources", "meta.agencies",
                          "meta.landing_files", "meta.file_versions", "staging.measure_values"],
    "dq_coverage": ["core.indicator_coverage", "core.indicator_values", "meta.framework_indicators",
                    "meta.provinces"],
}
READS = sorted({t for tables in VIEWS.values() for t in tables})


@dg.multi_asset(
    name="analyst_views",
    specs=[dg.AssetSpec([SCHEMA, view], group_name=GROUP, kinds={"duckdb", "sql"},
                        deps=[t.split(".") for t in tables],
                        description=read_sql(SCHEMA, view).split("CREATE OR REPLACE VIEW")[0]
                        .replace("-- ", "").strip())
           for view, tables in VIEWS.items()],
    can_subset=True,
)
def analyst_views(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    with duckdb.get_connection() as conn:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        for key in sorted(context.selected_asset_keys, key=lambda k: k.to_user_string()):
            view = key.path[-1]
            conn.execute(read_sql(SCHEMA, view))
            yield dg.MaterializeResult(asset_key=key, metadata=table_metadata(conn, f"{SCHEMA}.{view}"))
