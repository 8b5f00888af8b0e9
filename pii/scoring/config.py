"""The warehouse's scoring method as data: reference/method.yaml, loaded and validated.

Every field is required, unknown fields are rejected, and each error names the file and the field, so
the method the warehouse ran is exactly what the file says. :meth:`MethodConfig.method` turns it into
the engine's :class:`~pii.scoring.methods.Method`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from pii import yaml_io
from pii.paths import REFERENCE_DIR
from pii.scoring.aggregate import METHODS as AGGREGATIONS
from pii.scoring.aggregate import AggregateSpec
from pii.scoring.impute import parse_impute
from pii.scoring.methods import METHODS, Method, get_method
from pii.scoring.normalise import METHODS as NORMALISATIONS
from pii.scoring.normalise import NormaliseSpec

METHOD_PATH = REFERENCE_DIR / "method.yaml"
SW_RULES = ("rank", "gii")


class MethodConfigError(ValueError):
    """method.yaml is invalid; the message names the file and the field."""


@dataclass(frozen=True)
class UncertaintyConfig:
    """Monte Carlo settings (see pii/scoring/uncertainty.py)."""

    replications: int = 200
    seed: int = 0
    weight_jitter: float = 0.2
    vary_treatment: bool = True
    vary_aggregation: bool = True


@dataclass(frozen=True)
class MethodConfig:
    """The validated content of method.yaml."""

    preset: str = "none"
    imputation: str = "none"
    normalisation: str = "minmax"
    normalisation_range: tuple[float, float] = (0.0, 100.0)
    aggregation: str = "arithmetic"
    sw_rule: str = "rank"
    sw_count: int = 5
    uncertainty: UncertaintyConfig = UncertaintyConfig()
    source: str = ""

    def method(self) -> Method:
        """The engine Method: the preset with imputation, normalisation and aggregation from the file."""
        base = get_method(self.preset)
        return replace(
            base,
            impute=None if self.imputation == "none" else self.imputation,
            normalise=NormaliseSpec(self.normalisation, self.normalisation_range),
            aggregate=AggregateSpec(self.aggregation),
        )


def load_method_config(path: Path = METHOD_PATH) -> MethodConfig:
    """Read and validate method.yaml (default reference/method.yaml)."""
    try:
        doc = yaml_io.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise MethodConfigError(f"{path.name}: cannot read: {exc}") from exc
    return parse_method_config(doc, path.name)


def parse_method_config(doc: Any, name: str = "method.yaml") -> MethodConfig:
    """Validate a parsed method document (a mapping) and build the MethodConfig."""
    r = _Reader(name)
    top = r.mapping(doc, "", ("method", "imputation", "normalisation", "aggregation", "strengths_weaknesses",
                              "uncertainty"))
    preset = r.choice(top, "method", tuple(METHODS))
    imputation = r.text(top, "imputation")
    try:
        parse_impute(imputation)
    except ValueError as exc:
        raise MethodConfigError(f"{name}: field 'imputation': {exc}") from None
    norm = r.mapping(top["normalisation"], "normalisation", ("method", "range"))
    norm_method = r.choice(norm, "method", NORMALISATIONS, "normalisation")
    bounds = norm["range"]
    if not (isinstance(bounds, list) and len(bounds) == 2 and all(_is_number(b) for b in bounds)):
        raise MethodConfigError(f"{name}: field 'normalisation/range' must be a list of two numbers, got {bounds!r}")
    low, high = float(bounds[0]), float(bounds[1])
    if norm_method == "minmax" and not low < high:
        raise MethodConfigError(f"{name}: field 'normalisation/range' must have low < high, got {bounds!r}")
    aggregation = r.choice(top, "aggregation", AGGREGATIONS)
    if aggregation == "geometric" and norm_method == "minmax" and low <= 0:
        raise MethodConfigError(f"{name}: field 'aggregation': geometric needs a normalisation range above 0")
    sw = r.mapping(top["strengths_weaknesses"], "strengths_weaknesses", ("rule", "count"))
    sw_rule = r.choice(sw, "rule", SW_RULES, "strengths_weaknesses")
    sw_count = r.integer(sw, "count", "strengths_weaknesses", minimum=1)
    unc = r.mapping(top["uncertainty"], "uncertainty",
                    ("replications", "seed", "weight_jitter", "vary_treatment", "vary_aggregation"))
    jitter = unc["weight_jitter"]
    if not (_is_number(jitter) and 0 <= float(jitter) < 1):
        raise MethodConfigError(f"{name}: field 'uncertainty/weight_jitter' must be a number in [0, 1), got {jitter!r}")
    uncertainty = UncertaintyConfig(
        replications=r.integer(unc, "replications", "uncertainty", minimum=1),
        seed=r.integer(unc, "seed", "uncertainty", minimum=0),
        weight_jitter=float(jitter),
        vary_treatment=r.boolean(unc, "vary_treatment", "uncertainty"),
        vary_aggregation=r.boolean(unc, "vary_aggregation", "uncertainty"),
    )
    return MethodConfig(preset, imputation, norm_method, (low, high), aggregation, sw_rule, sw_count, uncertainty,
                        name)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Reader:
    """Field readers that raise MethodConfigError naming ``file: field 'a/b'``."""

    def __init__(self, name: str) -> None:
        self.name = name

    def _fail(self, where: str, message: str) -> MethodConfigError:
        return MethodConfigError(f"{self.name}: field '{where}' {message}")

    def mapping(self, value: Any, where: str, keys: tuple[str, ...]) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise MethodConfigError(f"{self.name}: {('field ' + repr(where)) if where else 'the document'} "
                                    f"must be a mapping, got {type(value).__name__}")
        prefix = f"{where}/" if where else ""
        unknown = sorted(set(value) - set(keys))
        if unknown:
            raise self._fail(prefix + str(unknown[0]), f"is not allowed (allowed: {', '.join(keys)})")
        missing = [k for k in keys if k not in value]
        if missing:
            raise self._fail(prefix + missing[0], "is required")
        return value

    def text(self, m: Mapping[str, Any], key: str, parent: str = "") -> str:
        value = m[key]
        if not isinstance(value, str) or not value.strip():
            raise self._fail(_join(parent, key), f"must be a non-empty text, got {value!r}")
        return value.strip()

    def choice(self, m: Mapping[str, Any], key: str, allowed: tuple[str, ...], parent: str = "") -> str:
        value = m[key]
        if value not in allowed:
            raise self._fail(_join(parent, key), f"= {value!r} must be one of {', '.join(allowed)}")
        return str(value)

    def integer(self, m: Mapping[str, Any], key: str, parent: str, minimum: int) -> int:
        value = m[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise self._fail(_join(parent, key), f"must be an integer >= {minimum}, got {value!r}")
        return value

    def boolean(self, m: Mapping[str, Any], key: str, parent: str) -> bool:
        value = m[key]
        if not isinstance(value, bool):
            raise self._fail(_join(parent, key), f"must be true or false, got {value!r}")
        return value


def _join(parent: str, key: str) -> str:
    return f"{parent}/{key}" if parent else key
