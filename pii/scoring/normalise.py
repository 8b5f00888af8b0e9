"""Normalisation onto a common scale, after multiplying by the direction (+1/-1).

As COINr ``Normalise.numeric``: ``x * direction`` then the chosen function.

* ``minmax`` (default, COINr ``n_minmax`` with ``l_u = c(0, 100)``):
  ``(x - min)/(max - min) * (u - l) + l``.
* ``zscore`` (COINr ``n_zscore``): ``(x - mean)/sd * s + m`` with the sample
  sd (n - 1), default ``m, s = 0, 1``.
* ``rank`` (COINr ``n_rank``): rank with ties sharing the lowest rank, so the
  best value gets the highest number.

A constant indicator (max == min, or sd == 0) cannot be scaled. COINr returns
NaN (0/0); we do the same by default, so the indicator is simply skipped by
the aggregation (it does not distinguish units). ``constant_value`` (e.g. 50)
fills it with a fixed score instead. Either way the log records it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pii.scoring.steplog import LogEntry

STEP = "normalise"
METHODS = ("minmax", "zscore", "rank")


@dataclass(frozen=True)
class NormaliseSpec:
    """``params`` is (l, u) for minmax and (mean, sd) for zscore; unused for rank."""

    method: str = "minmax"
    params: tuple[float, float] | None = None
    constant_value: float | None = None

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"normalisation method must be one of {METHODS}, got {self.method!r}")

    @property
    def bounds(self) -> tuple[float, float]:
        if self.params is not None:
            return self.params
        return (0.0, 100.0) if self.method == "minmax" else (0.0, 1.0)


def rank_min(x: np.ndarray) -> np.ndarray:
    """Ascending ranks, ties get the lowest rank (R ``rank(ties = "min")``), NaN kept."""
    x = np.asarray(x, dtype=float)
    out = np.full(x.shape, np.nan)
    ok = ~np.isnan(x)
    v = x[ok]
    # rank = 1 + number of values strictly smaller
    out[ok] = np.searchsorted(np.sort(v), v, side="left") + 1
    return out


def normalise_vector(x: np.ndarray, direction: int = 1, spec: NormaliseSpec | None = None) -> tuple[np.ndarray, bool]:
    """Normalise one indicator; returns (values, was_constant)."""
    spec = spec or NormaliseSpec()
    v = np.asarray(x, dtype=float) * direction
    ok = ~np.isnan(v)
    if spec.method == "rank":
        return rank_min(v), False
    if not ok.any():
        return v.copy(), False
    if spec.method == "minmax":
        lo, hi = np.min(v[ok]), np.max(v[ok])
        spread = hi - lo
        if spread == 0:
            return _constant(v, spec), True
        l_, u_ = spec.bounds
        return (v - lo) / spread * (u_ - l_) + l_, False
    m, s = spec.bounds
    sd = np.std(v[ok], ddof=1) if ok.sum() > 1 else 0.0
    if not sd > 0:
        return _constant(v, spec), True
    return (v - np.mean(v[ok])) / sd * s + m, False


def _constant(v: np.ndarray, spec: NormaliseSpec) -> np.ndarray:
    fill = np.nan if spec.constant_value is None else spec.constant_value
    return np.where(np.isnan(v), np.nan, fill)


def normalise(
    x: np.ndarray,
    codes: Sequence[str],
    directions: Sequence[int],
    spec: NormaliseSpec | None = None,
) -> tuple[np.ndarray, list[LogEntry]]:
    """Normalise every column; log the method per indicator and flag constants."""
    spec = spec or NormaliseSpec()
    out = np.empty_like(x, dtype=float)
    log: list[LogEntry] = []
    for j, code in enumerate(codes):
        out[:, j], constant = normalise_vector(x[:, j], directions[j], spec)
        if constant:
            what = "NaN (skipped in aggregation)" if spec.constant_value is None else str(spec.constant_value)
            log.append(
                LogEntry(
                    STEP,
                    code,
                    "constant indicator",
                    int(np.sum(~np.isnan(x[:, j]))),
                    f"no spread: every value set to {what}",
                )
            )
        else:
            params = f" {spec.bounds}" if spec.method != "rank" else ""
            log.append(LogEntry(STEP, code, spec.method, 0, f"direction {directions[j]:+d}, {spec.method}{params}"))
    return out, log
