"""Units of the framework's indicators in Vietnamese, for what leaders and the ministry read (reports, workbooks).

The framework files keep one English unit per indicator (it also picks number formats); ``reference/units.csv``
gives each its Vietnamese wording. A unit the table lacks is shown as it is, and a test fails on it.
"""

from __future__ import annotations

import csv
from functools import cache

from pii.paths import REFERENCE_DIR

UNITS_FILE = REFERENCE_DIR / "units.csv"


@cache
def units_vi() -> dict[str, str]:
    """English unit -> Vietnamese unit, as ``reference/units.csv`` lists them."""
    with UNITS_FILE.open(encoding="utf-8", newline="") as handle:
        return {row["unit"]: row["unit_vi"] for row in csv.DictReader(handle)}


def unit_in(lang: str, unit: str | None) -> str:
    """``unit`` as written in ``lang`` ('vi' or 'en'); an unknown unit unchanged."""
    if not unit:
        return ""
    return units_vi().get(unit, unit) if lang == "vi" else unit
