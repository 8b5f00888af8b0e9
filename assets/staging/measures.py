"""From observations to one value per (province, boundary, year, measure): the newest edition wins."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets._quality import gx_results, gx_specs
from assets._warehouse import run_sql, table_metadata

GROUP = "staging"
MEASURE_VALUES = "staging.measure_values"


@dg.asset(
    key=["staging", "measure_observations"], group_name=GROUP, kinds={"duckdb", "sql"},
    deps=[["staging", "cell_observations"], ["staging", "record_rows"], ["meta", "landing_files"],
          ["meta", "measures"], ["meta", "sources"], ["meta", "provinces"]],
    description="Cell observations plus record counts per province (zero where a province has no record).",
)
def measure_observations(duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        run_sql(conn, "staging", "measure_observations")
        return dg.MaterializeResult(metadata=table_metadata(conn, "staging.measure_observations"))


@dg.asset(
    key=["staging", "measure_values"], group_name=GROUP, kinds={"duckdb", "sql"},
    deps=[["staging", "measure_observations"]],
    description="One value per province, boundary, year and measure, with provenance; revised editions win.",
    check_specs=gx_specs(MEASURE_VALUES),
)
def measure_values(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    with duckdb.get_connection() as conn:
        run_sql(conn, "staging", "measure_values")
        yield dg.MaterializeResult(metadata=table_metadata(conn, MEASURE_VALUES))
        yield from gx_results(conn, context.run_id, MEASURE_VALUES)
