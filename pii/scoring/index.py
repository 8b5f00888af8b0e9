"""The PII of one framework year as warehouse tables: scores, strengths/weaknesses, the step log, efficiency.

Plain Python (no Dagster): assets/pii writes these frames; tests re-score with the same function.
Column names are those of the ``pii`` schema (see docs/methodology.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from pii.scoring.build import Build
from pii.scoring.config import MethodConfig
from pii.scoring.inputs import INPUT_CODE, LEVEL_NAMES, OUTPUT_CODE
from pii.scoring.results import ScoreResult, rank_desc
from pii.scoring.structure import Structure

LOG_VALUES = ("skew_raw", "kurt_raw", "n_winsorised", "skew_winsorised", "kurt_winsorised", "skew_log", "kurt_log")
SCORES_SCHEMA = {
    "framework_year": pl.Int32, "province_code": pl.String, "level": pl.String, "code": pl.String,
    "raw_value": pl.Float64, "treated_value": pl.Float64, "score": pl.Float64, "rank": pl.Int32,
}
SW_SCHEMA = {
    "framework_year": pl.Int32, "province_code": pl.String, "kind": pl.String, "position": pl.Int32,
    "indicator_code": pl.String, "rank": pl.Int32, "score": pl.Float64,
}
LOG_SCHEMA = {
    "framework_year": pl.Int32, "step": pl.String, "indicator_code": pl.String, "action": pl.String,
    "n_affected": pl.Int32, "detail": pl.String, **{c: pl.Float64 for c in LOG_VALUES},
}
EFFICIENCY_SCHEMA = {
    "framework_year": pl.Int32, "province_code": pl.String, "input_score": pl.Float64, "output_score": pl.Float64,
    "efficiency": pl.Float64, "rank": pl.Int32,
}


@dataclass(frozen=True)
class IndexTables:
    """The frames of pii.scores, pii.strengths_weaknesses, pii.treatment_log and pii.efficiency for one year."""

    result: ScoreResult
    scores: pl.DataFrame
    strengths_weaknesses: pl.DataFrame
    treatment_log: pl.DataFrame
    efficiency: pl.DataFrame


def score_year(year: int, idata: pl.DataFrame, imeta: pl.DataFrame | Structure, config: MethodConfig) -> IndexTables:
    """Run the engine on one framework year with the configured method and shape its outputs."""
    structure = imeta if isinstance(imeta, Structure) else Structure.from_imeta(imeta)
    result = Build(idata, structure).run(config.method())
    return IndexTables(
        result=result,
        scores=scores_frame(year, result),
        strengths_weaknesses=strengths_weaknesses_frame(year, result, config),
        treatment_log=log_frame(year, result),
        efficiency=efficiency_frame(year, result),
    )


def scores_frame(year: int, result: ScoreResult) -> pl.DataFrame:
    """Every level: indicator (with raw and treated values), sub_pillar, pillar, sub_index, index."""
    long = result.long()
    return long.select(
        pl.lit(year).alias("framework_year"),
        pl.col("uCode").alias("province_code"),
        pl.col("level").replace_strict(LEVEL_NAMES, return_dtype=pl.String).alias("level"),
        "code", "raw_value", "treated_value", "score", "rank",
    ).cast(SCORES_SCHEMA)  # type: ignore[arg-type]


def strengths_weaknesses_frame(year: int, result: ScoreResult, config: MethodConfig) -> pl.DataFrame:
    """``count`` strengths and weaknesses per province with the indicator's rank and normalised score."""
    sw = result.strengths_weaknesses(n=config.sw_count, rule=config.sw_rule)
    unit_pos = {u: i for i, u in enumerate(result.units)}
    scores = [float(result.scores[c][unit_pos[u]]) for u, c in zip(sw["uCode"], sw["iCode"], strict=True)]
    return pl.DataFrame({
        "framework_year": [year] * sw.height,
        "province_code": sw["uCode"],
        "kind": sw["kind"],
        "position": sw["position"],
        "indicator_code": sw["iCode"],
        "rank": sw["rank"],
        "score": scores,
    }).cast(SW_SCHEMA)  # type: ignore[arg-type]


def log_frame(year: int, result: ScoreResult) -> pl.DataFrame:
    """The engine's log rows about indicators (denominate, impute, treat, normalise), fixed columns."""
    log = result.log.filter(pl.col("code").is_in(list(result.structure.indicators)))
    log = log.with_columns(pl.lit(None, dtype=pl.Float64).alias(c) for c in LOG_VALUES if c not in log.columns)
    return log.select(
        pl.lit(year).alias("framework_year"), "step", pl.col("code").alias("indicator_code"), "action",
        "n_affected", "detail", *LOG_VALUES,
    ).cast(LOG_SCHEMA)  # type: ignore[arg-type]


def efficiency_frame(year: int, result: ScoreResult) -> pl.DataFrame:
    """Efficiency ratio OUTPUT / INPUT per province, ranked (1 = highest ratio)."""
    eff = result.efficiency(INPUT_CODE, OUTPUT_CODE)["efficiency"].to_numpy()
    return pl.DataFrame({
        "framework_year": [year] * len(result.units),
        "province_code": result.units,
        "input_score": result.scores[INPUT_CODE],
        "output_score": result.scores[OUTPUT_CODE],
        "efficiency": eff,
        "rank": rank_desc(eff),
    }).with_columns(pl.col("input_score", "output_score", "efficiency", "rank").fill_nan(None)).cast(
        EFFICIENCY_SCHEMA  # type: ignore[arg-type]
    )
