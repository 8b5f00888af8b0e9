"""Engine for the latent (unrounded, p63) values: a registry of per-measure formulas with memoised lookup.

A formula computes one series for one year over the 63 provinces and may ask for other series
(``ctx.get``), including the same series in the previous year for cumulative growth. Randomness comes
from streams keyed by (series, year), and persistent province effects from streams keyed by series, so
adding a formula or a year never changes the numbers of another.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from pii.catalog import Measure, load_measures
from pii.sample.profiles import BASE_YEAR, Profiles, build_profiles, stream

Formula = Callable[["Latent", int], np.ndarray]
FORMULAS: dict[str, Formula] = {}


def formula(code: str) -> Callable[[Formula], Formula]:
    """Register the function computing series ``code`` (a measure code or a survey component key)."""

    def register(fn: Formula) -> Formula:
        FORMULAS[code] = fn
        return fn

    return register


class Latent:
    """Latent series of one seed on the p63 boundary; values are float arrays in p63 order."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.p: Profiles = build_profiles(seed)
        self._memo: dict[tuple[str, int], np.ndarray] = {}
        self._effects: dict[tuple[str, str], np.ndarray] = {}

    @property
    def n(self) -> int:
        return self.p.n

    @property
    def dev(self) -> np.ndarray:
        return self.p.dev

    def get(self, code: str, year: int) -> np.ndarray:
        if year < BASE_YEAR:
            raise ValueError(f"the sample model starts in {BASE_YEAR}; {code} asked for {year}")
        key = (code, year)
        if key not in self._memo:
            fn = FORMULAS.get(code) or _default_formula(code)
            values = np.asarray(fn(self, year), dtype=float)
            if values.shape != (self.n,) or not np.all(np.isfinite(values)):
                raise ValueError(f"sample formula for {code} {year} returned a bad array")
            self._memo[key] = values
        return self._memo[key]

    def rng(self, code: str, year: int, tag: str = "") -> np.random.Generator:
        return stream(self.seed, "value", code, year, tag)

    def noise(self, code: str, year: int, sd: float, tag: str = "") -> np.ndarray:
        """Year-specific normal noise for each province."""
        return self.rng(code, year, "noise" + tag).normal(0.0, sd, self.n)

    def effect(self, code: str, sd: float, tag: str = "") -> np.ndarray:
        """A persistent province effect N(0, sd) of a series: the same in every year."""
        key = (code, tag)
        if key not in self._effects:
            self._effects[key] = stream(self.seed, "effect", code, tag).normal(0.0, 1.0, self.n)
        return self._effects[key] * sd

    def poisson(self, code: str, year: int, lam: np.ndarray) -> np.ndarray:
        return self.rng(code, year, "poisson").poisson(np.maximum(lam, 0.0)).astype(float)

    def grow(self, code: str, year: int, base: Callable[[], np.ndarray], rate: Callable[[], np.ndarray]) -> np.ndarray:
        """Cumulative series: base() in BASE_YEAR, then previous year times (1 + rate())."""
        if year == BASE_YEAR:
            return base()
        return self.get(code, year - 1) * (1.0 + rate())


def years_since_base(year: int) -> int:
    return year - BASE_YEAR


def growth(year: int, rate: float) -> float:
    """Compound growth factor since BASE_YEAR."""
    return (1 + rate) ** years_since_base(year)


def population_of(c: Latent, year: int) -> np.ndarray:
    return c.get("population", year)


def enterprises_of(c: Latent, year: int) -> np.ndarray:
    return c.get("active_enterprises", year)


def _default_formula(code: str) -> Formula:
    """A plausible fallback so a measure added to measures.csv still gets values (and its own stream)."""
    measures = load_measures()
    if code not in measures:
        raise KeyError(f"no sample formula for '{code}' and it is not a catalog measure")
    m: Measure = measures[code]

    def fallback(ctx: Latent, year: int) -> np.ndarray:
        if m.kind in ("count", "amount"):
            rate = 0.002 * np.exp(1.5 * ctx.dev + ctx.effect(code, 0.3))
            return ctx.get("population", year) * rate * (1 + ctx.noise(code, year, 0.05))
        lo = m.min_value if m.min_value is not None else 0.0
        hi = m.max_value if m.max_value is not None else lo + 100.0
        centre = lo + (hi - lo) * (0.4 + 0.3 * ctx.dev)
        return np.clip(centre + (hi - lo) * (ctx.effect(code, 0.05) + ctx.noise(code, year, 0.02)), lo, hi)

    return fallback
