"""The readable log every step writes to (one row per step x code, like COINr's)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import polars as pl

BASE_COLUMNS = ("step", "code", "action", "n_affected", "detail")


@dataclass(frozen=True)
class LogEntry:
    """What one step did to one code (an indicator, aggregate or unit).

    ``values`` carries step-specific numbers (e.g. skew/kurtosis before and
    after treatment); they become extra columns of the log table.
    """

    step: str
    code: str
    action: str
    n_affected: int = 0
    detail: str = ""
    values: Mapping[str, float | None] = field(default_factory=dict)


def log_frame(entries: Iterable[LogEntry]) -> pl.DataFrame:
    """Log entries as a table; value columns are the union over entries, in first-seen order."""
    entries = list(entries)
    extra: list[str] = []
    for e in entries:
        for key in e.values:
            if key not in extra:
                extra.append(key)
    schema: dict[str, pl.DataType] = {
        "step": pl.String(),
        "code": pl.String(),
        "action": pl.String(),
        "n_affected": pl.Int64(),
        "detail": pl.String(),
    }
    schema.update({k: pl.Float64() for k in extra})
    rows = []
    for e in entries:
        row: dict[str, object] = {
            "step": e.step,
            "code": e.code,
            "action": e.action,
            "n_affected": e.n_affected,
            "detail": e.detail,
        }
        for k in extra:
            v = e.values.get(k)
            row[k] = None if v is None else float(v)
        rows.append(row)
    return pl.DataFrame(rows, schema=schema)
