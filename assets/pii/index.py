"""The index: one engine run per framework year writes scores, strengths/weaknesses, the step log, efficiency."""

import time

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from assets._quality import result as check_result
from assets._quality import spec
from assets._warehouse import table_metadata
from assets.pii import checks
from assets.pii._inputs import GROUP, INPUT_DEPS, YearInput, load_years
from assets.pii._reuse import compute_years, write_with_cursor
from pii.scoring.config import load_method_config
from pii.scoring.index import score_year

SCORES = "pii.scores"
SW = "pii.strengths_weaknesses"
LOG = "pii.treatment_log"
EFFICIENCY = "pii.efficiency"

# table -> (sort key, description)
TABLES = {
    SCORES: (["framework_year", "level", "code", "province_code"],
             "Score (0-100) and rank (1 = best, ties share the best rank) of every province at every level: "
             "indicator (with raw and treated value), sub_pillar, pillar, sub_index, index."),
    SW: (["framework_year", "province_code", "kind", "position"],
         "Five strengths and five weaknesses per province: its best and worst indicator ranks."),
    LOG: (["framework_year", "indicator_code", "step"],
          "What each scoring step did to each indicator (treatment, normalisation …), as the engine logged it."),
    EFFICIENCY: (["framework_year", "province_code"],
                 "Efficiency ratio OUTPUT / INPUT sub-index per province, ranked (1 = highest)."),
}
CHECKS = {
    (SCORES, "scores_in_range"): "every score lies in the normalisation range [0, 100]",
    (SCORES, "ranks_consistent"): "ranks are 1 + the number of provinces scoring strictly higher (ties share)",
    (SCORES, "provinces_scored"): "every province of the framework's boundary is scored at every level and code",
    (SCORES, "identities_hold"): "each aggregate = weighted mean of its children (INPUT = mean of pillars 1-5, "
                                 "OUTPUT = mean of 6-7, PII = (INPUT + OUTPUT)/2) within 1e-9",
    (SW, "strengths_weaknesses_complete"): "five strengths and five weaknesses per province, each indicator once",
}


@dg.multi_asset(
    name="pii_index",
    specs=[dg.AssetSpec(table.split("."), group_name=GROUP, kinds={"duckdb", "python"}, deps=INPUT_DEPS,
                        description=description) for table, (_, description) in TABLES.items()],
    check_specs=[spec(table, name, "critical", text) for (table, name), text in CHECKS.items()],
    can_subset=True,  # one engine run either way; only the selected tables are written and checked
)
def pii_index(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    config = load_method_config()
    started = time.perf_counter()

    def compute(y: YearInput) -> dict[str, pl.DataFrame]:
        r = score_year(y.year, y.idata, y.structure, config)
        return {SCORES: r.scores, SW: r.strengths_weaknesses, LOG: r.treatment_log, EFFICIENCY: r.efficiency}

    with duckdb.get_connection() as conn:
        years = load_years(conn)
        # A year is kept only when all four tables hold it for these inputs (one engine run writes all four).
        done = compute_years(conn, list(TABLES), years, config, compute)
        selected = [t for t in TABLES if dg.AssetKey(t.split(".")) in context.selected_asset_keys]
        for table in selected if not done.unchanged else []:
            write_with_cursor(conn, table, done.frames[table], TABLES[table][0], done.digests)
        elapsed = time.perf_counter() - started
        method = config.method()
        for table in selected:
            yield dg.MaterializeResult(asset_key=table.split("."), metadata={
                **table_metadata(conn, table),
                "method": dg.MetadataValue.text(f"{method.name}: treat={method.treat}, normalise={method.normalise}, "
                                                f"aggregate={method.aggregate}, impute={method.impute}"),
                "framework_years": dg.MetadataValue.text(", ".join(str(y.year) for y in years)),
                "framework_years_computed": dg.MetadataValue.text(done.computed_text()),
                "seconds": dg.MetadataValue.float(round(elapsed, 3)),
            })
        run = {
            (SCORES, "scores_in_range"): lambda: checks.scores_in_range(conn, config),
            (SCORES, "ranks_consistent"): lambda: checks.ranks_consistent(conn),
            (SCORES, "provinces_scored"): lambda: checks.provinces_scored(conn),
            (SCORES, "identities_hold"): lambda: checks.identities_hold(conn, config),
            (SW, "strengths_weaknesses_complete"): lambda: checks.five_and_five(conn, config),
        }
        for (table, name), check in run.items():
            if dg.AssetCheckKey(dg.AssetKey(table.split(".")), name) not in context.selected_asset_check_keys:
                continue
            passed, unexpected, examples = check()
            yield check_result(conn, context.run_id, table, name, "critical", passed, CHECKS[(table, name)],
                               unexpected, examples)
