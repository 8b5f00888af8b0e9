"""Indicator tables: measures on each framework year's boundary, the 52 indicators, and the PII matrix."""


import dagster as dg
from dagster_duckdb import DuckDBResource

from assets._gx import gx_checks
from assets._warehouse import run_sql, table_metadata

GROUP = "core"
GRID_COMPLETE = "grid_complete"


@dg.asset(
    key=["core", "framework_measure_values"], group_name=GROUP, kinds={"duckdb", "sql"},
    deps=[["staging", "measure_values"], ["meta", "framework_formula_terms"], ["meta", "measures"],
          ["meta", "province_crosswalk"]],
    description="Base measures each framework year reads, on its boundary (rebased 63 → 34 where needed).",
)
def framework_measure_values(duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        run_sql(conn, "core", "framework_measure_values")
        return dg.MaterializeResult(metadata=table_metadata(conn, "core.framework_measure_values"))


@dg.asset(
    key=["core", "indicator_values"], group_name=GROUP, kinds={"duckdb", "sql"},
    deps=[["core", "framework_measure_values"], ["meta", "framework_indicators"], ["meta", "provinces"]],
    description="Every indicator of every framework year for every province: value, numerator, denominator, unit.",
    check_specs=[dg.AssetCheckSpec(GRID_COMPLETE, asset=["core", "indicator_values"], blocking=True,
                                   description="One row per province of the boundary × indicator of the framework.")],
)
def indicator_values(duckdb: DuckDBResource):
    with duckdb.get_connection() as conn:
        run_sql(conn, "core", "indicator_values")
        yield dg.MaterializeResult(metadata=table_metadata(conn, "core.indicator_values"))
        rows = conn.execute("""
            WITH expected AS (
                SELECT i.framework_year, count(DISTINCT i.indicator_code) * count(DISTINCT p.province_code) AS n
                FROM meta.framework_indicators i JOIN meta.provinces p ON p.boundary = i.boundary
                GROUP BY i.framework_year
            ),
            actual AS (
                SELECT framework_year, count(*) AS n, count(value) AS n_values,
                       count(DISTINCT (indicator_code, province_code)) AS n_distinct
                FROM core.indicator_values GROUP BY framework_year
            )
            SELECT e.framework_year, e.n, coalesce(a.n, 0), coalesce(a.n_values, 0), coalesce(a.n_distinct, 0)
            FROM expected e LEFT JOIN actual a USING (framework_year) ORDER BY 1
        """).fetchall()
    per_year = {str(y): {"expected": e, "rows": n, "with_value": v} for y, e, n, v, _ in rows}
    passed = all(e == n == d for _, e, n, _, d in rows)
    yield dg.AssetCheckResult(check_name=GRID_COMPLETE, passed=passed, metadata={"per_year": per_year})


@dg.asset(
    key=["core", "pii_input"], group_name=GROUP, kinds={"duckdb", "sql"},
    deps=[["core", "indicator_values"]],
    description="One row per province and framework year, one column per indicator (ind_1_1_1 …): the PII input.",
)
def pii_input(duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        run_sql(conn, "core", "pii_input")
        return dg.MaterializeResult(metadata=table_metadata(conn, "core.pii_input"))


indicator_values_checks = gx_checks("core.indicator_values")
pii_input_checks = gx_checks("core.pii_input")
