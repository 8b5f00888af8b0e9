"""Data-quality thresholds from reference/quality.yaml, as SQL parameters.

The file is validated against reference/quality.schema.json when first read (the Dagster definitions read it
when they load), so a typo fails the load with a message naming the key, never a run halfway.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import jsonschema
import yaml
from jsonschema.exceptions import best_match

from pii import yaml_io
from pii.paths import REFERENCE_DIR
from pii.schema_errors import describe

QUALITY_PATH = REFERENCE_DIR / "quality.yaml"
SCHEMA_PATH = REFERENCE_DIR / "quality.schema.json"


class ThresholdError(ValueError):
    """quality.yaml is malformed; the message names the file and the key."""


def load_thresholds(path: Path = QUALITY_PATH) -> dict[str, float]:
    """Read and validate a quality.yaml; keys are the SQL parameter names (``$reconcile_fail`` …)."""
    try:
        doc = yaml_io.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ThresholdError(f"{path.name}: not valid UTF-8 YAML: {exc}") from exc
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    error = best_match(jsonschema.Draft202012Validator(schema).iter_errors(doc))
    if error is not None:
        raise ThresholdError(f"{path.name}: {describe(error)}")
    if doc["reconciliation"]["warn_above"] > doc["reconciliation"]["fail_above"]:
        raise ThresholdError(f"{path.name}: field 'reconciliation.warn_above' exceeds 'reconciliation.fail_above'")
    return {
        "reconcile_warn": float(doc["reconciliation"]["warn_above"]),
        "reconcile_fail": float(doc["reconciliation"]["fail_above"]),
        "yoy_change": float(doc["plausibility"]["year_on_year_change"]),
        "yoy_min_level": float(doc["plausibility"]["year_on_year_min_level"]),
        "robust_z": float(doc["plausibility"]["robust_z"]),
        "min_coverage": float(doc["coverage"]["min_share"]),
    }


@cache
def thresholds() -> dict[str, float]:
    """The thresholds of reference/quality.yaml (validated; cached for the process)."""
    return load_thresholds()
