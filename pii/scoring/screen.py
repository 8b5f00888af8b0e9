"""Screening units by data availability (COINr ``Screen(unit_screen = "byNA")``).

A unit is kept when the share of its indicators that are present is at least
``threshold``; COINr removes units *below* the threshold, so equality is kept.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pii.scoring.steplog import LogEntry

STEP = "screen"


def availability(x: np.ndarray) -> np.ndarray:
    """Share of non-missing indicator values per unit (row)."""
    if x.shape[1] == 0:
        return np.ones(x.shape[0])
    return np.mean(~np.isnan(x), axis=1)


def screen_units(
    x: np.ndarray, units: Sequence[str], threshold: float | None = None
) -> tuple[np.ndarray, list[LogEntry]]:
    """Boolean mask of units to keep, plus a log entry per removed unit.

    ``threshold=None`` (the default, as in GII) keeps every unit.
    """
    if threshold is None:
        return np.ones(len(units), dtype=bool), []
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"screen threshold must be in [0, 1], got {threshold}")
    avail = availability(x)
    keep = avail >= threshold
    log = [
        LogEntry(
            STEP,
            units[i],
            "unit removed",
            1,
            f"data availability {avail[i]:.3f} < threshold {threshold}",
            {"availability": float(avail[i])},
        )
        for i in np.flatnonzero(~keep)
    ]
    log.append(
        LogEntry(STEP, "*", "units kept", int(keep.sum()), f"{int((~keep).sum())} of {len(units)} unit(s) removed")
    )
    return keep, log
