"""What-if for one unit: what does improving one indicator buy, all else fixed?

For each indicator the pipeline is re-run from imputation on, with only that
unit's value changed (so treatment, imputation of other units' gaps and the
min/max of the normalisation follow the change, as they would for real).

* ``points_per_unit``: index points gained per unit of raw improvement, by a
  one-sided finite difference in the improving direction with step
  ``rel_step`` x (observed range of the indicator). Raw units are those of the
  iData column; for a denominated indicator the change is applied to the
  numerator with the unit's denominator fixed.
* ``gain_K``: the raw improvement needed to climb K ranks (rank <= current - K,
  ties share the best rank), found by bisection between the current value
  and the best value observed on that indicator (becoming the best unit on
  it). None when even that is not enough, when K exceeds the ranks above the
  unit, when the unit is already the best, or when its value is missing.
  Bisection assumes the rank only improves as the value improves; that holds
  for min-max without treatment, and with treatment the value found still
  achieves the target but may not be the smallest that does.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from pii.scoring.aggregate import aggregate, aggregation_plan
from pii.scoring.build import Build
from pii.scoring.impute import impute_column, parse_impute
from pii.scoring.methods import Method, get_method
from pii.scoring.normalise import normalise_vector
from pii.scoring.results import rank_desc
from pii.scoring.structure import Structure
from pii.scoring.treat import treat_vector


def what_if(
    idata: pl.DataFrame,
    structure: Structure | pl.DataFrame,
    unit: str,
    method: str | Method = "coinr",
    impute: str | None = None,
    rank_gains: Sequence[int] = (1, 3, 5),
    rel_step: float = 1e-3,
    tol: float = 1e-9,
    max_iter: int = 80,
) -> pl.DataFrame:
    """One row per indicator: points_per_unit and the raw gain needed per rank target."""
    st = structure if isinstance(structure, Structure) else Structure.from_imeta(structure)
    m = get_method(method, impute=impute)
    build = Build(idata, st)
    res = build.run(m)
    if unit not in res.units:
        raise ValueError(f"unit '{unit}' is not in the scored data (unknown or screened out)")
    i = res.units.index(unit)
    screened, norm = build.matrix("Screened"), build.matrix("Normalised")
    keep_idx = np.flatnonzero(build.keep)
    spec = parse_impute(m.impute)
    groups = None
    if spec is not None and spec.group is not None:
        groups = [build.group_columns[spec.group][k] for k in keep_idx]
    plans = aggregation_plan(st)
    top = st.top
    s0 = float(res.scores[top][i])
    if np.isnan(s0):
        raise ValueError(f"unit '{unit}' has no '{top}' score, so no rank to improve")
    r0 = int(rank_desc(res.scores[top])[i])

    def evaluate(j: int, value: float) -> tuple[float, float]:
        col = screened[:, j].copy()
        col[i] = value
        if spec is not None:
            col = impute_column(col, spec.stat, groups)
        if m.treat is not None:
            col = treat_vector(col, m.treat).x
        x = norm.copy()
        x[:, j] = normalise_vector(col, st.direction(st.indicators[j]), m.normalise)[0]
        top_scores = aggregate(x, st, m.aggregate, plans)[0][top]
        return float(top_scores[i]), float(rank_desc(top_scores)[i])

    rows = []
    for j, code in enumerate(st.indicators):
        d = st.direction(code)
        x0 = screened[i, j]
        den_code = st.nodes[code].denominator if m.denominate else None
        to_raw = 1.0 if den_code is None else float(build.denominators[den_code][keep_idx[i]])
        row: dict[str, object] = {
            "uCode": unit,
            "iCode": code,
            "direction": d,
            "raw_value": float(res.raw[i, j]),
            "index_score": s0,
            "index_rank": r0,
        }
        gains: dict[str, float | None] = {_gain_col(k): None for k in rank_gains}
        if np.isnan(x0) or not np.isfinite(to_raw) or to_raw == 0:
            rows.append(row | {"points_per_unit": None} | gains)
            continue
        col = screened[:, j]
        span = float(np.nanmax(col) - np.nanmin(col))
        h = rel_step * (span if span > 0 else max(abs(x0), 1.0))
        s1, _ = evaluate(j, x0 + d * h)
        row["points_per_unit"] = (s1 - s0) / h / to_raw
        best = float(np.nanmax(col) if d > 0 else np.nanmin(col))
        room = abs(best - x0)
        for k in rank_gains:
            target = r0 - k
            if target < 1 or room == 0 or evaluate(j, best)[1] > target:
                continue
            lo, hi = 0.0, room
            for _ in range(max_iter):
                if hi - lo <= tol * max(span, abs(x0), 1e-300):
                    break
                mid = 0.5 * (lo + hi)
                if evaluate(j, x0 + d * mid)[1] <= target:
                    hi = mid
                else:
                    lo = mid
            gains[_gain_col(k)] = hi * to_raw
        rows.append(row | gains)
    schema = {
        "uCode": pl.String,
        "iCode": pl.String,
        "direction": pl.Int64,
        "raw_value": pl.Float64,
        "index_score": pl.Float64,
        "index_rank": pl.Int64,
        "points_per_unit": pl.Float64,
    }
    schema |= {_gain_col(k): pl.Float64 for k in rank_gains}
    return pl.DataFrame(rows, schema=schema).with_columns(pl.col("raw_value").fill_nan(None))


def _gain_col(k: int) -> str:
    return f"gain_{k}_rank" + ("s" if k != 1 else "")
