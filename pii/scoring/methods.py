"""Named scoring methods: every setting of every step in one object.

* ``coinr``: COINr 1.1.x defaults - Treat (winmax 5, skew 2, kurtosis 3.5,
  log_CT), Normalise (min-max 0-100), Aggregate (weighted arithmetic mean).
* ``gii``: GII-style treatment (winmax 5, skew 2.25, kurtosis 3.5, GII log),
  otherwise as ``coinr``.
* ``none``: no treatment - plain min-max and arithmetic means, which is the
  arithmetic that published PII figures show.

All three: denominate where iMeta asks, no unit screening, no imputation (as
the GII); override any field with ``get_method(name, impute=...)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from pii.scoring.aggregate import AggregateSpec
from pii.scoring.normalise import NormaliseSpec
from pii.scoring.treat import COINR_TREAT, GII_TREAT, TreatSpec


@dataclass(frozen=True)
class Method:
    """Settings for a full run: denominate -> screen -> impute -> treat -> normalise -> aggregate."""

    name: str
    denominate: bool = True
    screen_threshold: float | None = None
    impute: str | None = None
    treat: TreatSpec | None = COINR_TREAT
    normalise: NormaliseSpec = field(default_factory=NormaliseSpec)
    aggregate: AggregateSpec = field(default_factory=AggregateSpec)


METHODS: dict[str, Method] = {
    "coinr": Method("coinr", treat=COINR_TREAT),
    "gii": Method("gii", treat=GII_TREAT),
    "none": Method("none", treat=None),
}


def get_method(method: str | Method = "coinr", **overrides: object) -> Method:
    """Look up a named method (or pass a Method through) and apply overrides.

    Overrides set to None are ignored, so optional arguments (e.g. from the CLI)
    pass straight through; to switch a step off, e.g. ``treat=None``, build a
    Method with ``dataclasses.replace`` instead.
    """
    if isinstance(method, str):
        try:
            base = METHODS[method]
        except KeyError:
            raise ValueError(f"unknown method {method!r}; choose from {', '.join(METHODS)}") from None
    else:
        base = method
    changes = {k: v for k, v in overrides.items() if v is not None}
    return replace(base, **changes) if changes else base  # type: ignore[arg-type]
