"""Monte Carlo rank uncertainty of the PII (pii/scoring/uncertainty.py), per framework year."""

import time

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource
from pydantic import Field

from assets._quality import result as check_result
from assets._quality import spec
from assets._warehouse import table_metadata
from assets.pii._inputs import GROUP, INPUT_DEPS, YearInput, load_years
from assets.pii._reuse import compute_years, write_with_cursor
from pii.scoring.config import load_method_config
from pii.scoring.uncertainty import rank_uncertainty as run_uncertainty

TABLE = "pii.rank_uncertainty"
BOUNDS = "rank_bounds_ordered"
BOUNDS_TEXT = "p05 <= median <= p95 and every rank within 1..n for every province (nominal may lie outside)"
SCHEMA = {
    "framework_year": pl.Int32, "province_code": pl.String, "nominal_rank": pl.Int32, "median_rank": pl.Float64,
    "p05_rank": pl.Float64, "p95_rank": pl.Float64, "replications": pl.Int32, "seed": pl.Int64,
}


class RankUncertaintyConfig(dg.Config):
    """Run config; unset fields take reference/method.yaml's uncertainty settings."""

    replications: int | None = Field(default=None, ge=1, description="Monte Carlo replications per year")
    seed: int | None = Field(default=None, ge=0, description="random seed (same seed, same answer)")


@dg.asset(
    key=["pii", "rank_uncertainty"], group_name=GROUP, kinds={"duckdb", "python"},
    deps=[["pii", "scores"], *INPUT_DEPS],
    description="PII rank under random weights (±20 %), treatment on/off and arithmetic/geometric means: "
                "median, 5th and 95th percentile rank per province (seeded, reproducible).",
    check_specs=[spec(TABLE, BOUNDS, "critical", BOUNDS_TEXT)],
)
def rank_uncertainty(context: dg.AssetExecutionContext, config: RankUncertaintyConfig, duckdb: DuckDBResource):
    settings = load_method_config()
    unc = settings.uncertainty
    reps = config.replications or unc.replications
    seed = unc.seed if config.seed is None else config.seed
    started = time.perf_counter()

    def compute(y: YearInput) -> dict[str, pl.DataFrame]:
        out = run_uncertainty(y.idata, y.structure, n_reps=reps, seed=seed, method=settings.method(),
                              weight_jitter=unc.weight_jitter, vary_treatment=unc.vary_treatment,
                              vary_aggregation=unc.vary_aggregation)
        return {TABLE: out.select(
            pl.lit(y.year).alias("framework_year"), pl.col("uCode").alias("province_code"),
            "nominal_rank", "median_rank", "p05_rank", "p95_rank",
            pl.lit(reps).alias("replications"), pl.lit(seed).alias("seed"),
        ).cast(SCHEMA)}  # type: ignore[arg-type]

    with duckdb.get_connection() as conn:
        done = compute_years(conn, [TABLE], load_years(conn), (settings.method(), unc, reps, seed), compute)
        if not done.unchanged:
            write_with_cursor(conn, TABLE, done.frames[TABLE], ["framework_year", "province_code"], done.digests)
        yield dg.MaterializeResult(metadata={
            **table_metadata(conn, TABLE), "replications": dg.MetadataValue.int(reps),
            "seed": dg.MetadataValue.int(seed),
            "framework_years_computed": dg.MetadataValue.text(done.computed_text()),
            "seconds": dg.MetadataValue.float(round(time.perf_counter() - started, 3)),
        })
        bad = conn.execute(f"""
            WITH n AS (SELECT framework_year, count(*) AS n FROM {TABLE} GROUP BY ALL)
            SELECT u.framework_year, u.province_code, u.nominal_rank, u.p05_rank, u.median_rank, u.p95_rank, n.n
            FROM {TABLE} u JOIN n USING (framework_year)
            WHERE NOT coalesce(1 <= u.p05_rank AND u.p05_rank <= u.median_rank AND u.median_rank <= u.p95_rank
                               AND u.p95_rank <= n.n AND u.nominal_rank BETWEEN 1 AND n.n, false)
            ORDER BY 1, 2
        """).fetchall()
        examples = [{"framework_year": r[0], "province": r[1], "nominal": r[2], "p05": r[3], "median": r[4],
                     "p95": r[5], "n": r[6]} for r in bad[:30]]
        yield check_result(conn, context.run_id, TABLE, BOUNDS, "critical", not bad, BOUNDS_TEXT, len(bad), examples)
