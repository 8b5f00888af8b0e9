"""Monte Carlo rank uncertainty of the top-level index.

Each replication draws, independently:

* every weight (at every level) times U(1 - jitter, 1 + jitter), default +-20 %;
* treatment on (the method's treatment, or COINr's defaults if the method has
  none) or off, with probability 1/2;
* arithmetic or geometric aggregation, with probability 1/2. Geometric
  replications normalise min-max onto [1, 100] instead of [0, 100] because a
  geometric mean cannot take zeros (COINr's advice for ``a_gmean``).

Steps before treatment (denomination, screening, imputation) are fixed. The
generator is ``numpy.random.default_rng(seed)`` with a fixed draw order, so a
given seed always gives the same answer. Percentiles use numpy's default
linear interpolation (R's quantile type 7).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from pii.scoring.aggregate import AggregateSpec, LevelPlan, aggregate, aggregation_plan
from pii.scoring.build import Build
from pii.scoring.methods import Method, get_method
from pii.scoring.normalise import NormaliseSpec, normalise
from pii.scoring.results import rank_desc
from pii.scoring.structure import Structure
from pii.scoring.treat import COINR_TREAT, treat


def rank_uncertainty(
    idata: pl.DataFrame,
    structure: Structure | pl.DataFrame,
    n_reps: int = 500,
    seed: int = 0,
    method: str | Method = "coinr",
    weight_jitter: float = 0.2,
    vary_treatment: bool = True,
    vary_aggregation: bool = True,
    impute: str | None = None,
) -> pl.DataFrame:
    """Per unit: nominal rank, median rank, 5th and 95th percentile rank of the index."""
    if n_reps < 1:
        raise ValueError("n_reps must be at least 1")
    if not 0 <= weight_jitter < 1:
        raise ValueError("weight_jitter must be in [0, 1)")
    st = structure if isinstance(structure, Structure) else Structure.from_imeta(structure)
    m = get_method(method, impute=impute)
    build = Build(idata, st)
    nominal = build.run(m)
    base = build.matrix("Imputed")
    codes = st.indicators
    dirs = [st.direction(c) for c in codes]
    treat_spec = m.treat or COINR_TREAT
    geo_norm = NormaliseSpec("minmax", (1.0, 100.0), m.normalise.constant_value)
    mats = {}
    for treated in (False, True):
        x = treat(base, codes, treat_spec)[0] if treated else base
        mats[treated, False] = normalise(x, codes, dirs, m.normalise)[0]
        mats[treated, True] = normalise(x, codes, dirs, geo_norm)[0]
    plans = aggregation_plan(st)
    node_codes = list(st.nodes)
    nominal_treated = m.treat is not None
    nominal_geo = m.aggregate.method == "geometric"
    rng = np.random.default_rng(seed)
    ranks = np.empty((n_reps, len(nominal.units)))
    for r in range(n_reps):
        factors = dict(zip(node_codes, rng.uniform(1 - weight_jitter, 1 + weight_jitter, len(node_codes)), strict=True))
        coin_treat, coin_geo = rng.random(2) < 0.5
        treated = bool(coin_treat) if vary_treatment else nominal_treated
        geo = bool(coin_geo) if vary_aggregation else nominal_geo
        spec = AggregateSpec("geometric" if geo else "arithmetic", m.aggregate.dat_thresh)
        if not vary_aggregation:
            spec = m.aggregate
        scores, _ = aggregate(mats[treated, geo], st, spec, _jitter(plans, factors))
        ranks[r] = rank_desc(scores[st.top])
    with np.errstate(all="ignore"):
        med = np.nanmedian(ranks, axis=0) if ranks.size else np.array([])
        p05 = np.nanpercentile(ranks, 5, axis=0)
        p95 = np.nanpercentile(ranks, 95, axis=0)
    return (
        pl.DataFrame(
            {
                "uCode": nominal.units,
                "nominal_rank": rank_desc(nominal.scores[st.top]),
                "median_rank": med,
                "p05_rank": p05,
                "p95_rank": p95,
            }
        )
        .with_columns(
            pl.col("nominal_rank").fill_nan(None).cast(pl.Int64),
            pl.col("median_rank", "p05_rank", "p95_rank").fill_nan(None),
        )
        .sort("nominal_rank", nulls_last=True)
    )


def _jitter(plans: list[LevelPlan], factors: dict[str, float]) -> list[LevelPlan]:
    """Plans with every child's weight multiplied by its factor."""
    out = []
    for p in plans:
        f = np.array([factors[c] for c in p.children])[:, None]
        out.append(LevelPlan(p.children, p.parents, p.weights * f, p.member))
    return out
