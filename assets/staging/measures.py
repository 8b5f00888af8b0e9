"""From observations to one value per (province, boundary, year, measure): the newest edition wins."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets._lineage import sql_deps
from assets._quality import gx_results, gx_specs, spec
from assets._quality import result as check_result
from assets._warehouse import run_sql, table_metadata
from pii.ingest.microdata import ensure_targets as ensure_microdata_targets

GROUP = "staging"
MEASURE_VALUES = "staging.measure_values"
IN_RANGE = "values_within_measure_range"


@dg.asset(
    key=["staging", "measure_observations"], group_name=GROUP, kinds={"duckdb", "sql"},
    # staging.microdata_observations maps to the microdata assets that write it (assets/_lineage.py).
    deps=sql_deps("staging", "measure_observations"),
    description="Cell observations, record counts per province (zero where a province has no record) and "
                "microdata aggregates.",
)
def measure_observations(duckdb: DuckDBResource) -> dg.MaterializeResult:
    with duckdb.get_connection() as conn:
        ensure_microdata_targets(conn)  # the SQL unions staging.microdata_observations, empty without microdata
        run_sql(conn, "staging", "measure_observations")
        return dg.MaterializeResult(metadata=table_metadata(conn, "staging.measure_observations"))


@dg.asset(
    key=["staging", "measure_values"], group_name=GROUP, kinds={"duckdb", "sql"},
    deps=sql_deps("staging", "measure_values"),
    description="One value per province, boundary, year and measure, with provenance; revised editions win.",
    check_specs=[*gx_specs(MEASURE_VALUES),
                 spec(MEASURE_VALUES, IN_RANGE, "critical",
                      "every value within its measure's range in measures.csv (shares ≤ 100, scores on scale)")],
)
def measure_values(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    with duckdb.get_connection() as conn:
        run_sql(conn, "staging", "measure_values")
        yield dg.MaterializeResult(metadata=table_metadata(conn, MEASURE_VALUES))
        yield from gx_results(conn, context.run_id, MEASURE_VALUES)
        # Conforming already quarantines out-of-range cells; this guards the table whatever the adapter did.
        bad = conn.execute("""
            SELECT v.province_code, v.year, v.measure_code, v.value, m.min_value, m.max_value, v.file_path,
                   v.sheet, v.row_number, v.column_ref
            FROM staging.measure_values v JOIN meta.measures m USING (measure_code)
            WHERE v.value < m.min_value OR v.value > m.max_value
            ORDER BY v.measure_code, v.year, v.province_code
        """).fetchall()
        examples = [{"province": p, "year": y, "measure": m, "value": v, "range": [lo, hi], "file": f, "sheet": s,
                     "row": r, "column": c} for p, y, m, v, lo, hi, f, s, r, c in bad[:20]]
        yield check_result(conn, context.run_id, MEASURE_VALUES, IN_RANGE, "critical", not bad,
                           "every value within its measure's range in measures.csv", len(bad), examples)
