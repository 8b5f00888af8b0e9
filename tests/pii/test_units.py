"""Every unit of every framework year has its Vietnamese wording, and reports and workbooks use it."""

from __future__ import annotations

import csv

from pii.framework.loader import framework_years, load_framework
from pii.units import UNITS_FILE, unit_in, units_vi


def test_every_framework_unit_has_a_vietnamese_wording() -> None:
    units = {i.unit for year in framework_years() for i in load_framework(year).indicators}
    assert len(units) >= 20
    assert sorted(units - set(units_vi())) == []


def test_the_table_lists_each_unit_once_and_nothing_unused() -> None:
    with UNITS_FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    listed = [r["unit"] for r in rows]
    assert len(listed) == len(set(listed))
    assert all(r["unit_vi"].strip() for r in rows)
    used = {i.unit for year in framework_years() for i in load_framework(year).indicators}
    assert sorted(set(listed) - used) == []


def test_units_per_language() -> None:
    assert unit_in("vi", "per 1000 population") == "trên 1.000 dân"
    assert unit_in("en", "per 1000 population") == "per 1000 population"
    assert unit_in("vi", "an unknown unit") == "an unknown unit"
    assert unit_in("vi", None) == ""
