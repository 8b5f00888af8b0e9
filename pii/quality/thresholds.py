"""Data-quality thresholds from reference/quality.yaml, as SQL parameters."""

from __future__ import annotations

from functools import cache

import yaml

from pii.paths import REFERENCE_DIR


@cache
def thresholds() -> dict[str, float]:
    doc = yaml.safe_load((REFERENCE_DIR / "quality.yaml").read_text(encoding="utf-8"))
    return {
        "reconcile_warn": float(doc["reconciliation"]["warn_above"]),
        "reconcile_fail": float(doc["reconciliation"]["fail_above"]),
        "yoy_change": float(doc["plausibility"]["year_on_year_change"]),
        "yoy_min_level": float(doc["plausibility"]["year_on_year_min_level"]),
        "robust_z": float(doc["plausibility"]["robust_z"]),
        "min_coverage": float(doc["coverage"]["min_share"]),
    }
