"""Denomination: divide an indicator by a size variable (population, GDP, area...).

Which indicator is divided by what comes from the structure's ``Denominator``
field (COINr's iMeta column of the same name).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from pii.scoring.steplog import LogEntry
from pii.scoring.structure import Structure

STEP = "denominate"


def denominate(
    x: np.ndarray,
    codes: Sequence[str],
    structure: Structure,
    denominators: Mapping[str, np.ndarray],
) -> tuple[np.ndarray, list[LogEntry]]:
    """Return ``x`` with each denominated column divided by its denominator.

    A zero or missing denominator gives a missing value (never inf), counted in
    the log's ``n_affected``.
    """
    out = np.array(x, dtype=float, copy=True)
    log: list[LogEntry] = []
    for j, code in enumerate(codes):
        den_code = structure.nodes[code].denominator
        if den_code is None:
            continue
        if den_code not in denominators:
            raise KeyError(f"indicator '{code}' needs denominator column '{den_code}', not in the data")
        den = np.asarray(denominators[den_code], dtype=float)
        bad = ~np.isfinite(den) | (den == 0)
        col = out[:, j]
        lost = int(np.sum(bad & ~np.isnan(col)))
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:, j] = np.where(bad, np.nan, col / np.where(bad, 1.0, den))
        detail = f"divided by '{den_code}'"
        if lost:
            detail += f"; {lost} value(s) set missing (denominator zero or missing)"
        log.append(LogEntry(STEP, code, "denominated", lost, detail))
    return out, log
