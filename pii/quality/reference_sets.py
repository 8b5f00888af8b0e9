"""Value sets the GX suites take from reference/, as GX suite parameters.

A suite names a set with ``{"$PARAMETER": "<name>"}`` in place of a hand-written list; the pipeline supplies
the values at validation time from the same reference files the tables are built from, so adding a measure,
a province or an indicator needs no edit of any suite (pii/quality/gx_suite.py).
"""

from __future__ import annotations

import csv
from functools import cache
from typing import Any

from pii.catalog import load_measures
from pii.framework.loader import framework_years, load_framework
from pii.paths import REFERENCE_DIR


def _province_pairs() -> list[list[str]]:
    with (REFERENCE_DIR / "provinces.csv").open(encoding="utf-8", newline="") as f:
        return sorted([row["boundary"], row["code"]] for row in csv.DictReader(f))


# The names suites may use, known without reading reference/ (definitions check suites against them when they
# load; the values, which parse the framework files, are built where GX validates: the worker process).
PARAMETER_NAMES = ("boundaries", "framework_indicator_codes", "measure_codes", "province_codes_by_boundary")


@cache
def reference_parameters() -> dict[str, Any]:
    """Every suite parameter by name (values sorted, so suites validate deterministically)."""
    pairs = _province_pairs()
    return {
        "measure_codes": sorted(load_measures()),
        "boundaries": sorted({b for b, _ in pairs}),
        "province_codes_by_boundary": pairs,
        "framework_indicator_codes": sorted([y, i.code] for y in framework_years()
                                            for i in load_framework(y).indicators),
    }
