"""Indicator tables: measures on each framework year's boundary, the 52 indicators, and the PII matrix."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets._lineage import sql_deps
from assets._quality import gx_results, gx_specs, spec
from assets._quality import result as check_result
from assets._warehouse import run_sql, table_metadata
from assets.core.quality import IN_RANGE, IN_RANGE_TEXT, indicator_range_check

GROUP = "core"
FRAMEWORK_MEASURES = "core.framework_measure_values"
INDICATORS = "core.indicator_values"
PII_INPUT = "core.pii_input"
GRID_COMPLETE = "grid_complete"
MEASURES_COMPLETE = "measures_complete"


@dg.asset(
    key=["core", "framework_measure_values"], group_name=GROUP, kinds={"duckdb", "sql"},
    deps=sql_deps("core", "framework_measure_values"),  # + the staging/reconciliation gate (assets/_lineage.py)
    description="Base measures each framework year reads, on its boundary (rebased 63 → 34 where needed).",
    check_specs=[spec(FRAMEWORK_MEASURES, MEASURES_COMPLETE, "warning",
                      "every province has every measure each framework year needs")],
)
def framework_measure_values(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    with duckdb.get_connection() as conn:
        run_sql(conn, "core", "framework_measure_values")
        yield dg.MaterializeResult(metadata=table_metadata(conn, FRAMEWORK_MEASURES))
        missing = conn.execute("""
            WITH needs AS (
                SELECT DISTINCT framework_year, boundary, measure_code, year FROM meta.framework_formula_terms
            )
            SELECT n.framework_year, p.province_code, n.measure_code, n.year
            FROM needs n
            JOIN meta.provinces p ON p.boundary = n.boundary
            LEFT JOIN core.framework_measure_values v
                ON v.framework_year = n.framework_year AND v.province_code = p.province_code
               AND v.measure_code = n.measure_code AND v.year = n.year
            WHERE v.value IS NULL
            ORDER BY 1, 3, 4, 2
        """).fetchall()
        examples = [{"framework_year": y, "province": p, "measure": m, "data_year": d} for y, p, m, d in missing[:50]]
        yield check_result(conn, context.run_id, FRAMEWORK_MEASURES, MEASURES_COMPLETE, "warning", not missing,
                           "every province has every measure each framework year needs", len(missing), examples)


@dg.asset(
    key=["core", "indicator_values"], group_name=GROUP, kinds={"duckdb", "sql"},
    deps=sql_deps("core", "indicator_values"),
    description="Every indicator of every framework year for every province: value, numerator, denominator, unit.",
    check_specs=[spec(INDICATORS, GRID_COMPLETE, "critical",
                      "one row per province of the boundary × indicator of the framework"),
                 spec(INDICATORS, IN_RANGE, "critical", IN_RANGE_TEXT),
                 *gx_specs(INDICATORS)],
)
def indicator_values(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    with duckdb.get_connection() as conn:
        run_sql(conn, "core", "indicator_values")
        yield dg.MaterializeResult(metadata=table_metadata(conn, INDICATORS))
        rows = conn.execute("""
            WITH expected AS (
                SELECT i.framework_year, count(DISTINCT i.indicator_code) * count(DISTINCT p.province_code) AS n
                FROM meta.framework_indicators i JOIN meta.provinces p ON p.boundary = i.boundary
                GROUP BY i.framework_year
            ),
            actual AS (
                SELECT framework_year, count(*) AS n, count(DISTINCT (indicator_code, province_code)) AS n_distinct
                FROM core.indicator_values GROUP BY framework_year
            )
            SELECT e.framework_year, e.n, coalesce(a.n, 0), coalesce(a.n_distinct, 0)
            FROM expected e LEFT JOIN actual a USING (framework_year) ORDER BY 1
        """).fetchall()
        bad = [{"framework_year": y, "expected": e, "rows": n, "distinct": d} for y, e, n, d in rows
               if not e == n == d]
        yield check_result(conn, context.run_id, INDICATORS, GRID_COMPLETE, "critical", not bad,
                           "one row per province of the boundary × indicator of the framework", len(bad), bad)
        yield indicator_range_check(conn, context.run_id)
        yield from gx_results(conn, context.run_id, INDICATORS)


@dg.asset(
    key=["core", "pii_input"], group_name=GROUP, kinds={"duckdb", "sql"},
    deps=sql_deps("core", "pii_input"),
    description="One row per province and framework year, one column per indicator (ind_1_1_1 …): the PII input.",
    check_specs=gx_specs(PII_INPUT),
)
def pii_input(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    with duckdb.get_connection() as conn:
        run_sql(conn, "core", "pii_input")
        yield dg.MaterializeResult(metadata=table_metadata(conn, PII_INPUT))
        yield from gx_results(conn, context.run_id, PII_INPUT)
