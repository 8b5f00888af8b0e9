"""Results: scores and ranks at every level, strengths and weaknesses.

Ranks are descending (1 = best) and ties share the best rank (R's
``rank(-x, ties.method = "min")``); missing scores get no rank.

Strengths and weaknesses of a unit are read from its indicator ranks on the
indicator values as they enter imputation/treatment (the Screened data set,
direction-adjusted), so imputed or winsorised values never show as strengths.
Rule ``rank`` (default): the unit's ``n`` best and ``n`` worst ranks; equal
ranks are ordered by indicator code (ascending), so the choice is
deterministic. Rule ``gii``: percentile ranks ``(rank_asc - 1)/(N - 1)`` (COINr
``n_prank``), strengths = the top ``share`` (10 %) of the unit's indicators by
percentile rank, weaknesses = the bottom ``share``, ties by code as above.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from pii.scoring.normalise import rank_min
from pii.scoring.structure import Structure


def rank_desc(scores: np.ndarray) -> np.ndarray:
    """1 = highest score, ties share the best rank, NaN stays NaN."""
    return rank_min(-np.asarray(scores, dtype=float))


def efficiency_ratio(output: np.ndarray, input_: np.ndarray) -> np.ndarray:
    """Output sub-index / input sub-index (NaN where input is 0 or missing)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.asarray(output, dtype=float) / np.asarray(input_, dtype=float)
    return np.where(np.isfinite(out), out, np.nan)


def strengths_weaknesses(
    values: np.ndarray, codes: Sequence[str], n: int = 5, rule: str = "rank", share: float = 0.1
) -> list[tuple[list[str], list[str]]]:
    """Per unit (row of ``values``, higher = better): (strength codes, weakness codes)."""
    if rule not in ("rank", "gii"):
        raise ValueError(f"rule must be 'rank' or 'gii', got {rule!r}")
    ranks = np.column_stack([rank_desc(values[:, j]) for j in range(values.shape[1])])
    n_valid = np.sum(~np.isnan(values), axis=0)
    out = []
    for i in range(values.shape[0]):
        avail = [j for j in range(len(codes)) if not np.isnan(ranks[i, j])]
        if rule == "rank":
            key = {j: ranks[i, j] for j in avail}
            k = min(n, len(avail))
        else:
            # percentile rank: share of the other units this unit is not below
            key = {j: -(n_valid[j] - ranks[i, j]) / max(n_valid[j] - 1, 1) for j in avail}
            k = max(1, math.ceil(share * len(avail))) if avail else 0
        best = sorted(avail, key=lambda j: (key[j], codes[j]))[:k]
        worst = sorted(avail, key=lambda j: (-key[j], codes[j]))[:k]
        out.append(([codes[j] for j in best], [codes[j] for j in worst]))
    return out


@dataclass
class ScoreResult:
    """Everything a run produced; see ``wide``, ``long``, ``write_csv``."""

    units: list[str]
    structure: Structure
    raw: np.ndarray  # indicator values as given in iData (kept units, structure order)
    screened: np.ndarray  # denominated, before imputation/treatment
    treated: np.ndarray
    scores: dict[str, np.ndarray]
    log: pl.DataFrame
    data: dict[str, pl.DataFrame] = field(default_factory=dict)
    method: str = ""

    @property
    def codes(self) -> list[str]:
        """Every code, indicators first, then each level up to the index."""
        st = self.structure
        return [c for lev in range(1, st.n_levels + 1) for c in st.codes_at(lev)]

    @property
    def ranks(self) -> dict[str, np.ndarray]:
        return {c: rank_desc(self.scores[c]) for c in self.codes}

    @property
    def treatment_log(self) -> pl.DataFrame:
        return self.log.filter(pl.col("step") == "treat")

    def score(self, code: str | None = None) -> pl.DataFrame:
        """uCode, score and rank of one code (default: the index)."""
        code = code or self.structure.top
        frame = pl.DataFrame({"uCode": self.units, "score": self.scores[code], "rank": self.ranks[code]})
        return frame.with_columns(pl.col("score").fill_nan(None), _as_int("rank"))

    def wide(self) -> pl.DataFrame:
        """One row per unit, one score column per code (every level)."""
        frame = pl.DataFrame({"uCode": self.units, **{c: self.scores[c] for c in self.codes}})
        return frame.with_columns(pl.col(c).fill_nan(None) for c in self.codes)

    def ranks_wide(self) -> pl.DataFrame:
        ranks = self.ranks
        frame = pl.DataFrame({"uCode": self.units, **{c: ranks[c] for c in self.codes}})
        return frame.with_columns(_as_int(c) for c in self.codes)

    def long(self) -> pl.DataFrame:
        """uCode, level, code, raw_value, treated_value, score, rank (values only for indicators)."""
        st, ranks, n = self.structure, self.ranks, len(self.units)
        ind_pos = {c: j for j, c in enumerate(st.indicators)}
        parts = []
        for c in self.codes:
            j = ind_pos.get(c)
            parts.append(
                pl.DataFrame(
                    {
                        "uCode": self.units,
                        "level": [st.nodes[c].level] * n,
                        "code": [c] * n,
                        "raw_value": self.raw[:, j] if j is not None else np.full(n, np.nan),
                        "treated_value": self.treated[:, j] if j is not None else np.full(n, np.nan),
                        "score": self.scores[c],
                        "rank": ranks[c],
                    }
                )
            )
        return pl.concat(parts).with_columns(
            pl.col("level").cast(pl.Int64),
            _as_int("rank"),
            pl.col("raw_value", "treated_value", "score").fill_nan(None),
        )

    def strengths_weaknesses(self, n: int = 5, rule: str = "rank") -> pl.DataFrame:
        """uCode, kind ('strength'/'weakness'), position, iCode, rank."""
        st = self.structure
        dirs = np.array([st.direction(c) for c in st.indicators], dtype=float)
        adjusted = self.screened * dirs
        picks = strengths_weaknesses(adjusted, st.indicators, n=n, rule=rule)
        pos = {c: j for j, c in enumerate(st.indicators)}
        rows = []
        for i, (best, worst) in enumerate(picks):
            for kind, codes in (("strength", best), ("weakness", worst)):
                for k, c in enumerate(codes, start=1):
                    r = rank_desc(adjusted[:, pos[c]])[i]
                    rows.append({"uCode": self.units[i], "kind": kind, "position": k, "iCode": c, "rank": int(r)})
        schema = {"uCode": pl.String, "kind": pl.String, "position": pl.Int64, "iCode": pl.String, "rank": pl.Int64}
        return pl.DataFrame(rows, schema=schema)

    def efficiency(self, input_code: str = "INPUT", output_code: str = "OUTPUT") -> pl.DataFrame:
        """PII-style efficiency ratio = output sub-index / input sub-index."""
        return pl.DataFrame(
            {
                "uCode": self.units,
                "efficiency": efficiency_ratio(self.scores[output_code], self.scores[input_code]),
            }
        )

    def write_csv(self, out_dir: str | Path) -> list[Path]:
        """Write scores_wide, ranks_wide, scores_long, treatment_log and log CSVs."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        files = {
            "scores_wide.csv": self.wide(),
            "ranks_wide.csv": self.ranks_wide(),
            "scores_long.csv": self.long(),
            "treatment_log.csv": self.treatment_log,
            "log.csv": self.log,
        }
        paths = []
        for name, frame in files.items():
            path = out / name
            frame.write_csv(path)
            paths.append(path)
        return paths


def _as_int(col: str) -> pl.Expr:
    """Float ranks (NaN = no rank) as nullable integers."""
    return pl.col(col).fill_nan(None).cast(pl.Int64)


def pii_imeta(
    lower: pl.DataFrame,
    input_pillars: Sequence[str],
    output_pillars: Sequence[str],
    input_code: str = "INPUT",
    output_code: str = "OUTPUT",
    index_code: str = "PII",
) -> pl.DataFrame:
    """Add the PII top: input = mean of ``input_pillars``, output = mean of
    ``output_pillars``, PII = (input + output)/2. ``lower`` is an iMeta table up
    to the pillars (their Parent may be empty); pillar weights are kept."""
    pillars = list(input_pillars) + list(output_pillars)
    levels = lower.filter(pl.col("iCode").is_in(pillars))["Level"].unique().to_list()
    if len(levels) != 1:
        raise ValueError(f"pillars {pillars} must all be present and at one Level, found levels {levels}")
    lev = int(levels[0])
    parent_of = {p: input_code for p in input_pillars} | {p: output_code for p in output_pillars}
    body = lower.with_columns(
        pl.col("Parent").cast(pl.String),
        pl.col("Level").cast(pl.Int64),
        pl.col("Weight").cast(pl.Float64),
        pl.col("Direction").cast(pl.Int64),
    ).with_columns(
        pl.when(pl.col("iCode").is_in(pillars))
        .then(pl.col("iCode").replace_strict(parent_of, default=None))
        .otherwise(pl.col("Parent"))
        .alias("Parent")
    )
    top = pl.DataFrame(
        {
            "iCode": [input_code, output_code, index_code],
            "Level": [lev + 1, lev + 1, lev + 2],
            "Parent": [index_code, index_code, None],
            "Weight": [1.0, 1.0, 1.0],
            "Direction": [1, 1, 1],
            "Type": ["Aggregate"] * 3,
        },
        schema={
            "iCode": pl.String,
            "Level": pl.Int64,
            "Parent": pl.String,
            "Weight": pl.Float64,
            "Direction": pl.Int64,
            "Type": pl.String,
        },
    )
    return pl.concat([body, top], how="diagonal_relaxed")
