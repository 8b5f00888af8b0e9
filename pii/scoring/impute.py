"""Imputation of missing indicator values (default: none, as in the GII).

Spec strings: ``none``, ``mean``, ``median``, ``group_mean:COL``,
``group_median:COL`` where COL is a group column of the data (COINr's
``i_mean``, ``i_median``, ``i_mean_grp``, ``i_median_grp``). In the group
variants a unit whose group is missing is left as it is, and a group with no
observed value for an indicator leaves its gaps missing (as COINr does).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from pii.scoring.steplog import LogEntry

STEP = "impute"
_STATS = {"mean": np.nanmean, "median": np.nanmedian}


@dataclass(frozen=True)
class ImputeSpec:
    """How to fill gaps: ``stat`` is 'mean' or 'median'; ``group`` a column or None."""

    stat: str
    group: str | None = None

    def __str__(self) -> str:
        return f"group_{self.stat}:{self.group}" if self.group else self.stat


def parse_impute(spec: str | ImputeSpec | None) -> ImputeSpec | None:
    """Parse an impute spec string; ``None``/'none'/'' mean no imputation."""
    if spec is None or isinstance(spec, ImputeSpec):
        return spec
    text = spec.strip()
    if text.lower() in ("", "none"):
        return None
    if text in _STATS:
        return ImputeSpec(text)
    head, sep, col = text.partition(":")
    if sep and head in ("group_mean", "group_median") and col.strip():
        return ImputeSpec(head.removeprefix("group_"), col.strip())
    raise ValueError(f"unknown impute spec {spec!r}: use none, mean, median, group_mean:COL or group_median:COL")


def impute_column(col: np.ndarray, stat: str, groups: Sequence[object] | None = None) -> np.ndarray:
    """Fill NaNs in one column with the (group) mean or median of its observed values."""
    out = np.array(col, dtype=float, copy=True)
    fn = _STATS[stat]
    gaps = np.isnan(out)
    if not gaps.any():
        return out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-missing slice -> stays NaN
        if groups is None:
            out[gaps] = fn(col)
            return out
        labels = np.array([None if g is None else str(g) for g in groups], dtype=object)
        for label in {g for g in labels if g is not None}:
            members = labels == label
            out[members & gaps] = fn(col[members])
    return out


def impute(
    x: np.ndarray,
    codes: Sequence[str],
    spec: str | ImputeSpec | None,
    group_columns: Mapping[str, Sequence[object]] | None = None,
) -> tuple[np.ndarray, list[LogEntry]]:
    """Impute every column of ``x``; log how many values each indicator got."""
    parsed = parse_impute(spec)
    if parsed is None:
        return np.array(x, dtype=float, copy=True), []
    groups = None
    if parsed.group is not None:
        if not group_columns or parsed.group not in group_columns:
            raise KeyError(f"impute group column '{parsed.group}' is not in the data")
        groups = group_columns[parsed.group]
    out = np.empty_like(x, dtype=float)
    log: list[LogEntry] = []
    for j, code in enumerate(codes):
        out[:, j] = impute_column(x[:, j], parsed.stat, groups)
        filled = int(np.sum(np.isnan(x[:, j]) & ~np.isnan(out[:, j])))
        left = int(np.sum(np.isnan(out[:, j])))
        if filled or left:
            detail = f"{filled} value(s) imputed by {parsed}"
            if left:
                detail += f"; {left} still missing"
            log.append(LogEntry(STEP, code, "imputed", filled, detail))
    return out, log
