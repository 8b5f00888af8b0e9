"""The range gate on indicator values (critical), coverage (GII's minimum-coverage rule) and plausibility warnings."""

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from assets._lineage import sql_deps
from assets._quality import result as check_result
from assets._quality import spec
from assets._warehouse import run_sql, table_metadata
from pii.quality.thresholds import thresholds

INDICATORS = "core.indicator_values"
IN_RANGE = "values_within_declared_range"
IN_RANGE_TEXT = "every indicator value within its range (declared in the framework, or implied by its formula)"
COVERAGE = "core.indicator_coverage"
FLAGS = "core.plausibility_flags"
INDICATOR_RULE = "indicators_meet_coverage_rule"
PROVINCE_RULE = "provinces_meet_coverage_rule"
PLAUSIBLE = "no_plausibility_flags"
LIMITS = thresholds()  # read (and validated) when the definitions load: a bad quality.yaml fails there

# A value outside [min_value, max_value] of meta.framework_indicators (pii/framework/ranges.py), or not finite,
# with the staged inputs behind it and the cells they came from.
OUT_OF_RANGE_SQL = """
    WITH bad AS (
        SELECT v.framework_year, v.indicator_code, v.province_code, v.boundary, v.value, i.unit, i.min_value,
               i.max_value, i.range_basis
        FROM core.indicator_values v JOIN meta.framework_indicators i USING (framework_year, indicator_code)
        WHERE v.value IS NOT NULL AND (NOT isfinite(v.value) OR v.value < i.min_value OR v.value > i.max_value)
    ),
    inputs AS (
        SELECT b.framework_year, b.indicator_code, b.province_code,
               string_agg(t.role || ' ' || t.measure_code || ' ' || t.year || ' = '
                          || coalesce(s.value::VARCHAR, 'not on this boundary (rebased)')
                          || coalesce(' (' || s.file_path || ', sheet ''' || s.sheet || ''', row '
                                      || s.row_number || ', column ' || s.column_ref || ')', ''),
                          '; ' ORDER BY t.role DESC, t.measure_code, t.year) AS inputs
        FROM bad b
        JOIN meta.framework_formula_terms t USING (framework_year, indicator_code)
        LEFT JOIN staging.measure_values s
            ON s.province_code = b.province_code AND s.boundary = b.boundary
           AND s.measure_code = t.measure_code AND s.year = t.year
        GROUP BY ALL
    )
    SELECT b.framework_year, b.indicator_code, b.province_code, b.value, b.unit, b.min_value, b.max_value,
           b.range_basis, i.inputs
    FROM bad b LEFT JOIN inputs i USING (framework_year, indicator_code, province_code)
    ORDER BY b.framework_year, b.indicator_code, b.province_code
"""


def indicator_range_check(conn: duckdb.DuckDBPyConnection, run_id: str) -> dg.AssetCheckResult:
    """Critical: a share above 100 % (or any value outside its range) blocks everything downstream."""
    rows = conn.execute(OUT_OF_RANGE_SQL).fetchall()
    examples = [{"framework_year": y, "indicator": c, "province": p, "value": v, "unit": u, "range": [lo, hi],
                 "range_from": basis, "inputs": inputs} for y, c, p, v, u, lo, hi, basis, inputs in rows[:20]]
    return check_result(conn, run_id, INDICATORS, IN_RANGE, "critical", not rows, IN_RANGE_TEXT, len(rows), examples)


@dg.asset(
    key=["core", "indicator_coverage"], group_name="core", kinds={"duckdb", "sql"},
    deps=sql_deps("core", "indicator_coverage"),
    description="Share of provinces with a value per indicator, and of indicators per province and sub-index.",
    check_specs=[
        spec(COVERAGE, INDICATOR_RULE, "warning", "each indicator has values for the minimum share of provinces"),
        spec(COVERAGE, PROVINCE_RULE, "warning", "each province has the minimum share of indicators per sub-index"),
    ],
)
def indicator_coverage(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    limits = LIMITS
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
    deps=sql_deps("core", "plausibility_flags"),
    description="Year-on-year jumps and robust-z outliers, naming the province, the values and the file.",
    check_specs=[spec(FLAGS, PLAUSIBLE, "warning", "no implausible year-on-year change or outlier")],
)
def plausibility_flags(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    with duckdb.get_connection() as conn:
        run_sql(conn, "core", "plausibility_flags", LIMITS)
        yield dg.MaterializeResult(metadata=table_metadata(conn, FLAGS))
        rows = conn.execute(f"""
            SELECT flag, framework_year, province_code, code, year, previous_value, value, score, file_path
            FROM {FLAGS} ORDER BY abs(score) DESC, flag, code, province_code
        """).fetchall()
        examples = [{"flag": f, "framework_year": fy, "province": p, "code": c, "year": y, "reference_value": pv,
                     "value": v, "score": s, "file": fp} for f, fy, p, c, y, pv, v, s, fp in rows[:30]]
        yield check_result(conn, context.run_id, FLAGS, PLAUSIBLE, "warning", not rows,
                           "no implausible year-on-year change or outlier", len(rows), examples)
