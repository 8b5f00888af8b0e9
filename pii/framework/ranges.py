"""The range an indicator's values must lie in: declared in the framework file, or derived from its formula.

An indicator may declare ``range: [min, max]`` (``null`` for an open end) — a share of a whole, such as
enterprises with R&D among surveyed enterprises, is ``[0, 100]``: only the declaration knows the numerator
is part of the denominator. Without one, the range follows from the formula and the measure ranges in
measures.csv:

* ``direct``: the measure's range (a PCI sub-index 0–10, a share 0–100);
* ``share``: 0 to ``scale`` (one province's part of the national total);
* ``ratio``: at least 0 when its measures cannot be negative, no upper bound (credit can exceed GRDP);
* ``change``: ``growth_pct`` at least −100 %; ``difference`` / ``decrease`` within ± the measure's span.

``core.indicator_values`` is checked against this range by a critical check (assets/core/quality.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from pii.catalog import Measure
from pii.framework.model import Indicator


@dataclass(frozen=True)
class ValueRange:
    min_value: float | None
    max_value: float | None
    basis: str  # where the bounds come from, in words shown beside a failing value


def _non_negative(codes: tuple[str, ...], measures: dict[str, Measure]) -> bool:
    return all(measures[c].min_value is not None and measures[c].min_value >= 0 for c in codes)


def derived_range(ind: Indicator, measures: dict[str, Measure]) -> ValueRange:
    """The range the formula implies (see the module docstring)."""
    f = ind.formula
    first = measures[f.numerator[0]]
    if f.kind == "direct":
        return ValueRange(first.min_value, first.max_value, f"range of measure {first.code} in measures.csv")
    if f.kind == "share" and _non_negative(f.numerator, measures):
        return ValueRange(0.0, f.scale, "a province's share of the national total")
    if f.kind == "ratio" and _non_negative(f.measures, measures):
        return ValueRange(0.0, None, "ratio of non-negative measures")
    if f.kind == "change" and f.mode == "growth_pct" and _non_negative(f.numerator, measures):
        return ValueRange(-100.0, None, "growth of a non-negative measure")
    if f.kind == "change" and first.min_value is not None and first.max_value is not None:
        span = first.max_value - first.min_value
        return ValueRange(-span, span, f"change within the range of measure {first.code}")
    return ValueRange(None, None, "no bound follows from the formula")


def indicator_range(ind: Indicator, measures: dict[str, Measure]) -> ValueRange:
    """The declared range where the framework gives one (each end may be open), else the derived range."""
    low, high = ind.value_range
    if low is None and high is None:
        return derived_range(ind, measures)
    return ValueRange(low, high, "range declared in the framework file")
