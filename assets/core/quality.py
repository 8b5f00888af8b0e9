"""Coverage (GII's minimum-coverage rule) and plausibility warnings on the indicator tables."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets._quality import result as check_result
from assets._quality import spec
from assets._warehouse import run_sql, table_metadata
from pii.quality.thresholds import thresholds

COVERAGE = "core.indicator_coverage"
FLAGS = "core.plausibility_flags"
INDICATOR_RULE = "indicators_meet_coverage_rule"
PROVINCE_RULE = "provinces_meet_coverage_rule"
PLAUSIBLE = "no_plausibility_flags"


@dg.asset(
    key=["core", "indicator_coverage"], group_name="core", kinds={"duckdb", "sql"},
    deps=[["core", "indicator_values"], ["meta", "framework_indicators"]],
    description="Share of provinces with a value per indicator, and of indicators per province and sub-index.",
    check_specs=[
        spec(COVERAGE, INDICATOR_RULE, "warning", "each indicator has values for the minimum share of provinces"),
        spec(COVERAGE, PROVINCE_RULE, "warning", "each province has the minimum share of indicators per sub-index"),
    ],
)
def indicator_coverage(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    limits = thresholds()
    with duckdb.get_connection() as conn:
        run_sql(conn, "core", "indicator_coverage", limits)
        yield dg.MaterializeResult(metadata=table_metadata(conn, COVERAGE))
        for name, kind in ((INDICATOR_RULE, "indicator"), (PROVINCE_RULE, "province")):
            rows = conn.execute(f"""
                SELECT framework_year, code, sub_index, present, expected, coverage FROM {COVERAGE}
                WHERE unit_kind = ? AND NOT meets_rule ORDER BY coverage, framework_year, code
            """, [kind]).fetchall()
            examples = [{"framework_year": y, kind: c, "sub_index": s, "present": f"{p}/{e}", "coverage": v}
                        for y, c, s, p, e, v in rows[:30]]
            text = f"{kind} coverage at least {limits['min_coverage']:.0%} (GII's rule)"
            yield check_result(conn, context.run_id, COVERAGE, name, "warning", not rows, text, len(rows), examples)


@dg.asset(
    key=["core", "plausibility_flags"], group_name="core", kinds={"duckdb", "sql"},
    deps=[["core", "indicator_values"], ["staging", "measure_values"], ["meta", "framework_formula_terms"]],
    description="Year-on-year jumps and robust-z outliers, naming the province, the values and the file.",
    check_specs=[spec(FLAGS, PLAUSIBLE, "warning", "no implausible year-on-year change or outlier")],
)
def plausibility_flags(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    with duckdb.get_connection() as conn:
        run_sql(conn, "core", "plausibility_flags", thresholds())
        yield dg.MaterializeResult(metadata=table_metadata(conn, FLAGS))
        rows = conn.execute(f"""
            SELECT flag, framework_year, province_code, code, year, previous_value, value, score, file_path
            FROM {FLAGS} ORDER BY abs(score) DESC, flag, code, province_code
        """).fetchall()
        examples = [{"flag": f, "framework_year": fy, "province": p, "code": c, "year": y, "reference_value": pv,
                     "value": v, "score": s, "file": fp} for f, fy, p, c, y, pv, v, s, fp in rows[:30]]
        yield check_result(conn, context.run_id, FLAGS, PLAUSIBLE, "warning", not rows,
                           "no implausible year-on-year change or outlier", len(rows), examples)
