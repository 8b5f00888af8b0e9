"""Exact what-if for the linear method: min-max, no treatment, no imputation, arithmetic means.

With those settings a unit's index score is linear in its normalised indicator values:
``P_k = P0_k + sum_j W_kj (n_kj - n0_kj)``, where ``W_kj`` is indicator j's effective weight in unit k's
index through the sub-pillar, pillar and sub-index means (children present for k only, as the engine's
arithmetic mean rescales over present children), and ``n = (v - min)/(max - min) (u - l) + l`` with
``v = direction x value``. Improving unit i on indicator j by ``t`` (direction-adjusted, capped at the
best observed value, ``t <= max - v_i``):

* the maximum never moves (the cap), so inside ``[min, max]`` the unit gains
  ``W_ij (u - l)/(max - min)`` points per unit and nobody else changes (``points_per_unit``);
* if the unit is the *unique* minimum, the minimum moves with it until it reaches the second-lowest
  value: its own normalised value stays ``l`` (right derivative 0) while everyone else's falls, so its
  rank can still improve; past that point the first case applies;
* at the maximum there is no room: right derivative 0, gains None.

``gain_K`` is closed-form in the linear segment (the K-th score above the unit) and by bisection on the
exact O(n) evaluation in the moving-minimum segment (the rank is monotone there). The result is raised
by 1e-9 of the indicator's range (capped at the best value) so re-scoring with the engine reaches the
target despite rounding. Indicators where the improvement could make the indicator constant (every other
unit equal) or that are constant already fall back to the general re-run path.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from pii.scoring.aggregate import LevelPlan, aggregate, aggregation_plan
from pii.scoring.build import Build
from pii.scoring.impute import ImputeSpec, parse_impute
from pii.scoring.methods import Method, get_method
from pii.scoring.results import ScoreResult, rank_desc
from pii.scoring.structure import Structure

NUDGE = 1e-9


def gain_col(k: int) -> str:
    """Column name of the K-rank gain: gain_1_rank, gain_3_ranks ..."""
    return f"gain_{k}_rank" + ("s" if k != 1 else "")


def is_linear(m: Method) -> bool:
    """True when the fast exact path applies to method ``m``."""
    agg = m.aggregate.method
    methods = (agg,) if isinstance(agg, str) else tuple(agg)
    return (m.normalise.method == "minmax" and m.treat is None and parse_impute(m.impute) is None
            and all(a == "arithmetic" for a in methods))


@dataclass
class WhatIfContext:
    """One engine run and what both what-if paths read from it."""

    structure: Structure
    method: Method
    build: Build
    result: ScoreResult
    screened: np.ndarray
    normalised: np.ndarray
    keep_idx: np.ndarray
    impute: ImputeSpec | None
    groups: list[object] | None
    plans: list[LevelPlan]
    top_scores: np.ndarray
    top_ranks: np.ndarray

    @classmethod
    def prepare(
        cls, idata: pl.DataFrame, structure: Structure | pl.DataFrame, method: str | Method, impute: str | None
    ) -> WhatIfContext:
        st = structure if isinstance(structure, Structure) else Structure.from_imeta(structure)
        m = get_method(method, impute=impute)
        build = Build(idata, st)
        res = build.run(m)
        keep_idx = np.flatnonzero(build.keep)
        spec = parse_impute(m.impute)
        groups = None
        if spec is not None and spec.group is not None:
            groups = [build.group_columns[spec.group][k] for k in keep_idx]
        top = res.scores[st.top]
        return cls(st, m, build, res, build.matrix("Screened"), build.matrix("Normalised"), keep_idx, spec, groups,
                   aggregation_plan(st), top, rank_desc(top))

    @property
    def units(self) -> list[str]:
        return self.result.units

    def to_raw(self, i: int, j: int) -> float:
        """Raw units per screened unit: the unit's denominator for a denominated indicator, else 1."""
        den = self.structure.nodes[self.structure.indicators[j]].denominator if self.method.denominate else None
        return 1.0 if den is None else float(self.build.denominators[den][self.keep_idx[i]])

    def base_row(self, i: int, j: int, rank_gains: Sequence[int]) -> tuple[dict[str, object], dict[str, object]]:
        code = self.structure.indicators[j]
        r0 = self.top_ranks[i]
        row: dict[str, object] = {
            "uCode": self.units[i], "iCode": code, "direction": self.structure.direction(code),
            "raw_value": float(self.result.raw[i, j]), "index_score": float(self.top_scores[i]),
            "index_rank": None if np.isnan(r0) else int(r0), "points_per_unit": None,
        }
        return row, {gain_col(k): None for k in rank_gains}


@dataclass
class LinearModel:
    """Effective weights and direction-adjusted values for the exact path."""

    weights: np.ndarray  # W (units x indicators): d index / d normalised value
    values: np.ndarray  # v = direction x screened value
    normalised: np.ndarray  # n0, recomputed with the formula used for trial values
    usable: np.ndarray  # per indicator: at least two distinct values
    low: float
    high: float

    @classmethod
    def build(cls, ctx: WhatIfContext) -> LinearModel:
        st, m = ctx.structure, ctx.method
        dirs = np.array([st.direction(c) for c in st.indicators], dtype=float)
        v = ctx.screened * dirs
        present = ~np.isnan(ctx.normalised)
        w = np.zeros(v.shape)
        for j in range(v.shape[1]):
            x = np.where(present, 0.0, np.nan)
            x[:, j] = np.where(present[:, j], 1.0, np.nan)
            w[:, j] = aggregate(x, st, m.aggregate, ctx.plans)[0][st.top]
        low, high = m.normalise.bounds
        with np.errstate(all="ignore"), warnings.catch_warnings():
            # An indicator no province has (its source quarantined for the year) is an all-NaN column: not usable.
            warnings.simplefilter("ignore", RuntimeWarning)
            lo, hi = np.nanmin(v, axis=0), np.nanmax(v, axis=0)
            n0 = (v - lo) / (hi - lo) * (high - low) + low
        usable = present.any(axis=0) & (hi > lo)
        return cls(np.nan_to_num(w), v, n0, usable, float(low), float(high))

    def scores(self, ctx: WhatIfContext, i: int, j: int, t: float, lo_ex: float, hi_ex: float) -> np.ndarray:
        """Every unit's index score after unit i improves indicator j by t (direction-adjusted)."""
        v = self.values[:, j].copy()
        v[i] += t
        lo, hi = min(lo_ex, v[i]), max(hi_ex, v[i])
        n = (v - lo) / (hi - lo) * (self.high - self.low) + self.low
        dn = np.where(np.isnan(v), 0.0, n - self.normalised[:, j])
        return ctx.top_scores + self.weights[:, j] * dn


def _rank(p: np.ndarray, i: int) -> int:
    """Rank of unit i (1 = best, ties share the best rank)."""
    return 1 + int(np.sum(p > p[i]))


def fast_row(
    ctx: WhatIfContext, lin: LinearModel, i: int, j: int, rank_gains: Sequence[int]
) -> dict[str, object] | None:
    """The what-if row of unit i and indicator j, or None when the general path must answer."""
    row, gains = ctx.base_row(i, j, rank_gains)
    vi, to_raw, r0 = lin.values[i, j], ctx.to_raw(i, j), ctx.top_ranks[i]
    if np.isnan(vi) or np.isnan(ctx.top_scores[i]) or not np.isfinite(to_raw) or to_raw == 0:
        return row | gains
    if not lin.usable[j]:
        return None
    others = np.delete(lin.values[:, j], i)
    others = others[~np.isnan(others)]
    lo_ex, hi_ex = float(others.min()), float(others.max())
    if lo_ex == hi_ex:
        return None
    lo, hi = min(lo_ex, vi), max(hi_ex, vi)
    span, room = hi - lo, hi - vi
    per_point = lin.weights[i, j] * (lin.high - lin.low)
    moving_min = vi < lo_ex  # the unique minimum: the minimum follows the unit up to lo_ex
    row["points_per_unit"] = 0.0 if room == 0 or moving_min else per_point / span / to_raw
    t1 = lo_ex - vi if moving_min else 0.0

    def score_at(t: float) -> np.ndarray:
        return lin.scores(ctx, i, j, t, lo_ex, hi_ex)

    for k in rank_gains:
        target = int(r0) - k
        if target < 1 or room <= 0 or _rank(score_at(room), i) > target:
            continue
        if t1 > 0 and _rank(score_at(t1), i) <= target:
            a, b = 0.0, t1
            for _ in range(200):
                if b - a <= 1e-13 * span:
                    break
                mid = 0.5 * (a + b)
                a, b = (a, mid) if _rank(score_at(mid), i) <= target else (mid, b)
            t = b
        else:
            p1 = score_at(t1)
            rest = np.delete(p1, i)
            needed = float(np.sort(rest[~np.isnan(rest)])[::-1][target - 1])
            slope = per_point / (hi - min(lo_ex, vi + t1))
            t = t1 + max(0.0, (needed - p1[i]) / slope)
        t = min(room, t + NUDGE * span)
        if _rank(score_at(t), i) > target:
            t = room
        gains[gain_col(k)] = t * to_raw
    return row | gains
