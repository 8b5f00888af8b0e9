"""Reconciliation of province values with the totals the sources print (national row, region subtotals)."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets._lineage import sql_deps
from assets._quality import result as check_result
from assets._quality import spec
from assets._warehouse import run_sql, table_metadata
from pii.quality.thresholds import thresholds

TABLE = "staging.reconciliation"
RECONCILES = "totals_reconcile"
RECONCILES_CLOSELY = "totals_reconcile_closely"
TOTALS_COMPLETE = "totals_complete"


@dg.asset(
    key=["staging", "reconciliation"], group_name="staging", kinds={"duckdb", "sql"},
    deps=sql_deps("staging", "reconciliation"),
    description="Each printed national/region total against the same file's province values (reference/quality.yaml).",
    check_specs=[
        spec(TABLE, RECONCILES, "critical", "province values reproduce the printed totals within the fail tolerance"),
        spec(TABLE, RECONCILES_CLOSELY, "warning", "province values reproduce the printed totals within rounding"),
        spec(TABLE, TOTALS_COMPLETE, "warning", "every province a printed total covers has a staged value"),
    ],
)
def reconciliation(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    limits = thresholds()
    with duckdb.get_connection() as conn:
        run_sql(conn, "staging", "reconciliation", limits)
        yield dg.MaterializeResult(metadata=table_metadata(conn, TABLE))
        for name, status, severity, text in (
            (RECONCILES, "fail", "critical", f"totals reproduced within {limits['reconcile_fail']:.1%}"),
            (RECONCILES_CLOSELY, "warn", "warning", f"totals reproduced within {limits['reconcile_warn']:.1%}"),
            (TOTALS_COMPLETE, "incomplete", "warning", "every province under a printed total has a value"),
        ):
            rows = conn.execute(f"""
                SELECT file_path, sheet, row_number, column_ref, label, measure_code, year, reported, from_provinces,
                       relative_difference, provinces_found, provinces_expected
                FROM {TABLE} WHERE status = ? ORDER BY relative_difference DESC NULLS LAST, file_path, row_number
            """, [status]).fetchall()
            examples = [
                {"file": f, "sheet": s, "row": r, "column": c, "total": lbl, "measure": m, "year": y, "printed": p,
                 "from_provinces": v, "relative_difference": d, "provinces": f"{n}/{e}"}
                for f, s, r, c, lbl, m, y, p, v, d, n, e in rows[:20]
            ]
            yield check_result(conn, context.run_id, TABLE, name, severity, not rows, text, len(rows), examples)


CROSS_CHECKS = "staging.cross_checks"
CROSS_CHECKS_AGREE = "cross_checks_agree"


@dg.asset(
    key=["staging", "cross_checks"], group_name="staging", kinds={"duckdb", "sql"},
    deps=sql_deps("staging", "cross_checks"),
    description="Values a second source also prints (e.g. PCI workbook columns from TCTK/BGDĐT) vs the primary.",
    check_specs=[spec(CROSS_CHECKS, CROSS_CHECKS_AGREE, "warning",
                      "secondary sources agree with the primary value within the reconciliation tolerance")],
)
def cross_checks(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    limits = thresholds()
    with duckdb.get_connection() as conn:
        run_sql(conn, "staging", "cross_checks", limits)
        yield dg.MaterializeResult(metadata=table_metadata(conn, CROSS_CHECKS))
        rows = conn.execute(f"""
            SELECT province_code, measure_code, year, cross_check_value, primary_value, cross_check_file,
                   cross_check_sheet, cross_check_row, cross_check_column, primary_file, status
            FROM {CROSS_CHECKS} WHERE status <> 'ok' ORDER BY relative_difference DESC NULLS LAST, measure_code
        """).fetchall()
        examples = [{"province": p, "measure": m, "year": y, "cross_check": c, "primary": v, "file": f, "sheet": s,
                     "row": r, "column": col, "primary_file": pf, "status": st}
                    for p, m, y, c, v, f, s, r, col, pf, st in rows[:20]]
        yield check_result(conn, context.run_id, CROSS_CHECKS, CROSS_CHECKS_AGREE, "warning", not rows,
                           f"secondary sources agree within {limits['reconcile_warn']:.1%}", len(rows), examples)
