"""What-if per province and indicator: PII points per unit of improvement, improvement needed per rank gain."""

import time

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from assets._quality import result as check_result
from assets._quality import spec
from assets._warehouse import table_metadata
from assets.pii._inputs import GROUP, INPUT_DEPS, YearInput, load_years
from assets.pii._reuse import compute_years, write_with_cursor
from pii.scoring.config import load_method_config
from pii.scoring.whatif import what_if_all
from pii.scoring.whatif_fast import is_linear

TABLE = "pii.whatif"
COMPLETE = "whatif_complete"
COMPLETE_TEXT = "one row per province of the boundary and indicator of the framework year"
SENSIBLE = "whatif_sensible"
SENSIBLE_TEXT = ("points_per_unit >= 0, gains > 0 and gain_1_rank <= gain_3_ranks <= gain_5_ranks where present "
                 "(guaranteed for min-max without treatment; treatment can break it)")
GAINS = ("gain_1_rank", "gain_3_ranks", "gain_5_ranks")
RANK_GAINS = (1, 3, 5)
# The gains are found by a search whose last digits move with the last bit of its inputs (a 1-ulp change of
# the indicator data moves 1 value in 80 at 12 significant digits; another CPU's libm does that): published with
# the 6 digits a reader can use, so the table is the same on every machine. Rounded up, so the published
# improvement still gains the ranks it says.
GAIN_DIGITS = 6
SCHEMA = {
    "framework_year": pl.Int32, "province_code": pl.String, "indicator_code": pl.String, "direction": pl.Int8,
    "current_value": pl.Float64, "points_per_unit": pl.Float64, "gain_1_rank": pl.Float64,
    "gain_3_ranks": pl.Float64, "gain_5_ranks": pl.Float64, "current_rank": pl.Int32,
}


def ceil_significant(column: str, digits: int) -> pl.Expr:
    """A positive column rounded up to ``digits`` significant digits (other values unchanged)."""
    x = pl.col(column)
    scale = pl.lit(10.0).pow(x.abs().log10().floor() - (digits - 1))
    return pl.when(x > 0).then((x / scale).ceil() * scale).otherwise(x).alias(column)


@dg.asset(
    key=["pii", "whatif"], group_name=GROUP, kinds={"duckdb", "python"}, deps=[["pii", "scores"], *INPUT_DEPS],
    description="For every province and indicator: PII points gained per unit of raw improvement, and the raw "
                "improvement needed to climb 1, 3 or 5 ranks with all else fixed (NULL when impossible within "
                "the observed range).",
    check_specs=[spec(TABLE, COMPLETE, "critical", COMPLETE_TEXT), spec(TABLE, SENSIBLE, "warning", SENSIBLE_TEXT)],
)
def whatif(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    method = load_method_config().method()
    started = time.perf_counter()

    def compute(y: YearInput) -> dict[str, pl.DataFrame]:
        out = what_if_all(y.idata, y.structure, method=method, rank_gains=RANK_GAINS)
        return {TABLE: out.select(
            pl.lit(y.year).alias("framework_year"), pl.col("uCode").alias("province_code"),
            pl.col("iCode").alias("indicator_code"), "direction", pl.col("raw_value").alias("current_value"),
            "points_per_unit", *(ceil_significant(c, GAIN_DIGITS) for c in GAINS),
            pl.col("index_rank").alias("current_rank"),
        ).cast(SCHEMA)}  # type: ignore[arg-type]

    with duckdb.get_connection() as conn:
        done = compute_years(conn, [TABLE], load_years(conn), (method, RANK_GAINS, GAIN_DIGITS), compute)
        if not done.unchanged:
            write_with_cursor(conn, TABLE, done.frames[TABLE], ["framework_year", "province_code", "indicator_code"],
                              done.digests)
        yield dg.MaterializeResult(metadata={
            **table_metadata(conn, TABLE),
            "path": dg.MetadataValue.text("fast exact (linear method)" if is_linear(method) else "general re-run"),
            "framework_years_computed": dg.MetadataValue.text(done.computed_text()),
            "seconds": dg.MetadataValue.float(round(time.perf_counter() - started, 3)),
        })
        missing = conn.execute(f"""
            WITH expected AS (
                SELECT i.framework_year, p.province_code, i.indicator_code
                FROM meta.framework_indicators i JOIN meta.provinces p ON p.boundary = i.boundary
            )
            SELECT e.framework_year, e.province_code, e.indicator_code, count(w.indicator_code) AS n
            FROM expected e LEFT JOIN {TABLE} w USING (framework_year, province_code, indicator_code)
            GROUP BY ALL HAVING count(w.indicator_code) <> 1
            UNION ALL
            SELECT w.framework_year, w.province_code, w.indicator_code, 0 FROM {TABLE} w ANTI JOIN expected e
                USING (framework_year, province_code, indicator_code)
            ORDER BY 1, 2, 3
        """).fetchall()
        examples = [{"framework_year": y, "province": p, "indicator": i, "rows": n} for y, p, i, n in missing[:30]]
        yield check_result(conn, context.run_id, TABLE, COMPLETE, "critical", not missing, COMPLETE_TEXT,
                           len(missing), examples)
        odd = conn.execute(f"""
            SELECT framework_year, province_code, indicator_code, points_per_unit, gain_1_rank, gain_3_ranks,
                   gain_5_ranks FROM {TABLE}
            WHERE points_per_unit < 0 OR gain_1_rank <= 0 OR gain_3_ranks <= 0 OR gain_5_ranks <= 0
               OR gain_1_rank > gain_3_ranks OR gain_3_ranks > gain_5_ranks
               OR (gain_1_rank IS NULL AND gain_3_ranks IS NOT NULL)
               OR (gain_3_ranks IS NULL AND gain_5_ranks IS NOT NULL)
            ORDER BY 1, 2, 3
        """).fetchall()
        cols = ("framework_year", "province", "indicator", "points_per_unit", "gain_1", "gain_3", "gain_5")
        yield check_result(conn, context.run_id, TABLE, SENSIBLE, "warning", not odd, SENSIBLE_TEXT, len(odd),
                           [dict(zip(cols, r, strict=True)) for r in odd[:30]])
