"""Bottom-up aggregation along the structure (COINr ``Aggregate``).

* ``arithmetic`` (COINr ``a_amean``): weighted mean of the children that are
  present; missing children are dropped and the remaining weights rescaled.
* ``geometric`` (COINr ``a_gmean``): ``exp(sum(w log x)/sum(w))`` over present
  children; like COINr it refuses zero or negative values (normalise onto
  e.g. [1, 100] first).
* ``dat_thresh`` (COINr's argument of the same name): if the share of a
  group's children that are present is *below* it, the parent is missing.

Each level is one matrix product (children x parents weight matrix), which
keeps uncertainty and what-if re-runs cheap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pii.scoring.steplog import LogEntry
from pii.scoring.structure import Structure

STEP = "aggregate"
METHODS = ("arithmetic", "geometric")


@dataclass(frozen=True)
class AggregateSpec:
    """``method`` is one name for all levels or one per aggregation level (bottom first)."""

    method: str | tuple[str, ...] = "arithmetic"
    dat_thresh: float | None = None

    def method_at(self, step: int) -> str:
        """Method for aggregating into level ``step + 2``."""
        m = self.method if isinstance(self.method, str) else self.method[step]
        if m not in METHODS:
            raise ValueError(f"aggregation method must be one of {METHODS}, got {m!r}")
        return m


@dataclass(frozen=True)
class LevelPlan:
    """Weights (children x parents) and 0/1 membership for one aggregation level."""

    children: tuple[str, ...]
    parents: tuple[str, ...]
    weights: np.ndarray
    member: np.ndarray


def aggregation_plan(structure: Structure) -> list[LevelPlan]:
    """One LevelPlan per level above the indicators, bottom-up."""
    plans = []
    for level in range(2, structure.n_levels + 1):
        kids = structure.codes_at(level - 1)
        parents = structure.codes_at(level)
        col = {p: i for i, p in enumerate(parents)}
        w = np.zeros((len(kids), len(parents)))
        b = np.zeros((len(kids), len(parents)))
        for i, k in enumerate(kids):
            j = col[structure.nodes[k].parent]  # type: ignore[index]
            w[i, j] = structure.nodes[k].weight
            b[i, j] = 1.0
        plans.append(LevelPlan(kids, parents, w, b))
    return plans


def aggregate_level(
    x: np.ndarray, plan: LevelPlan, method: str = "arithmetic", dat_thresh: float | None = None
) -> np.ndarray:
    """Aggregate child columns ``x`` (units x children, plan order) into parents."""
    present = ~np.isnan(x)
    den = present.astype(float) @ plan.weights
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "arithmetic":
            out = (np.where(present, x, 0.0) @ plan.weights) / den
        elif method == "geometric":
            if np.any(x[present] <= 0):
                bad = sorted({plan.children[j] for j in np.nonzero(present & (x <= 0))[1]})
                raise ValueError(
                    f"geometric mean needs positive values; zero/negative in {bad} (normalise onto e.g. [1, 100] first)"
                )
            out = np.exp((np.log(np.where(present, x, 1.0)) @ plan.weights) / den)
        else:
            raise ValueError(f"unknown aggregation method {method!r}")
    out[den == 0] = np.nan
    if dat_thresh is not None:
        share = (present.astype(float) @ plan.member) / plan.member.sum(axis=0)
        out[share < dat_thresh] = np.nan
    return out


def aggregate(
    indicators: np.ndarray,
    structure: Structure,
    spec: AggregateSpec | None = None,
    plans: list[LevelPlan] | None = None,
) -> tuple[dict[str, np.ndarray], list[LogEntry]]:
    """Scores for every code: indicators (as given, structure order) and all aggregates."""
    spec = spec or AggregateSpec()
    if spec.dat_thresh is not None and not 0.0 <= spec.dat_thresh <= 1.0:
        raise ValueError(f"dat_thresh must be in [0, 1], got {spec.dat_thresh}")
    plans = plans if plans is not None else aggregation_plan(structure)
    scores = {c: indicators[:, j] for j, c in enumerate(structure.indicators)}
    log: list[LogEntry] = []
    for step, plan in enumerate(plans):
        method = spec.method_at(step)
        kids = np.column_stack([scores[c] for c in plan.children])
        out = aggregate_level(kids, plan, method, spec.dat_thresh)
        for j, p in enumerate(plan.parents):
            scores[p] = out[:, j]
            missing = int(np.isnan(out[:, j]).sum())
            detail = f"{method} mean of {len(structure.children(p))} children"
            if missing:
                detail += f"; {missing} unit(s) missing"
            log.append(LogEntry(STEP, p, method, missing, detail))
    return scores, log
