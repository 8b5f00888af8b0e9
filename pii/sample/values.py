"""Published (rounded) values per boundary, the 2025 rebasing onto the 34 provinces, yearbook revisions,
and ``expected_values``: the truth the landing files encode.

Rounding happens on the 63 old provinces first; the 34 new provinces are aggregated from those rounded
values (sum, or weighted mean by the rounded weight measure) and rounded again, so a sum measure of a
merged province equals the sum of its members exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
import polars as pl

import pii.sample.formulas_agencies
import pii.sample.formulas_records
import pii.sample.formulas_territory  # noqa: F401
from pii.catalog import load_measures, load_sources
from pii.sample.formulas_economy import SURVEY_COLUMNS, component_key, policy_score_direct
from pii.sample.latent import Latent
from pii.sample.profiles import BASE_YEAR, boundary_for_year, members, provinces, stream

DEFAULT_SEED = 20240724
DEFAULT_YEARS = (2022, 2023, 2024, 2025)
# Decimals in the catalog unit where the kind default (count 0, amount 1, other 2) does not fit.
DECIMALS = {
    "population": -2, "employed": -2, "rd_personnel_fte": 1, "poverty_rate": 2, "hdi": 3, "exam_avg_score": 2,
    "policy_score": 1, "trained_labour_share": 1, "iip": 1, "urban_waste_treated_share": 1,
    "labour_productivity": 1,
}
REVISED_SHARE = 0.35  # share of preliminary yearbook cells that the final edition revises
MAX_REVISION = 0.02


def normalise_years(years: Sequence[int]) -> tuple[int, ...]:
    out = tuple(sorted({int(y) for y in years}))
    if not out:
        raise ValueError("no data years given")
    if out[0] <= BASE_YEAR or out[-1] > 2035:
        raise ValueError(f"data years must lie in {BASE_YEAR + 1}..2035, got {list(out)}")
    return out


def measure_decimals(code: str) -> int:
    if code in DECIMALS:
        return DECIMALS[code]
    for source_id, (components, _) in SURVEY_COLUMNS.items():
        for comp in components:
            if component_key(source_id, comp.column) == code:
                return comp.decimals
    kind = load_measures()[code].kind
    return {"count": 0, "amount": 1}.get(kind, 2)


def round_values(values: np.ndarray, decimals: int) -> np.ndarray:
    """Round as the printed decimal text would (so CSV text and float agree exactly)."""
    if decimals < 0:
        step = 10 ** -decimals
        return np.round(np.asarray(values) / step) * step
    return np.array([float(f"{v:.{decimals}f}") for v in np.asarray(values, dtype=float)])


def _weighted(values: np.ndarray, weights: np.ndarray, groups: Sequence[Sequence[int]]) -> np.ndarray:
    out = []
    for idx in groups:
        w = weights[list(idx)]
        out.append(float(np.dot(w, values[list(idx)]) / w.sum()) if w.sum() > 0 else float(values[list(idx)].mean()))
    return np.array(out)


class SampleModel:
    """Rounded values of one seed for any (series, year, boundary); memoised."""

    def __init__(self, seed: int = DEFAULT_SEED) -> None:
        self.seed = seed
        self.latent = Latent(seed)
        self._cache: dict[tuple[str, int, str], np.ndarray] = {}

    def value(self, code: str, year: int, boundary: str) -> np.ndarray:
        """A catalog measure on ``boundary`` (provinces in provinces.csv order), rounded in its catalog unit."""
        key = (code, year, boundary)
        if key not in self._cache:
            self._cache[key] = self._compute(code, year, boundary, measure_decimals(code))
        return self._cache[key]

    def component(self, source_id: str, column: str, year: int, boundary: str) -> np.ndarray:
        """A survey column (mapped to a measure or not) on ``boundary``, rounded as printed."""
        code = component_key(source_id, column)
        if code in load_measures():
            return self.value(code, year, boundary)
        decimals = next(c.decimals for c in SURVEY_COLUMNS[source_id][0] if c.column == column)
        key = (code, year, boundary)
        if key not in self._cache:
            # Unmapped columns are rebased like the source's mapped ones (same weight measure).
            mapped = list(load_sources()[source_id].column_measures().values())
            weight = load_measures()[mapped[0]].weight_measure if mapped else "population"
            self._cache[key] = self._compute(code, year, boundary, decimals, weight)
        return self._cache[key]

    def _compute(self, code: str, year: int, boundary: str, decimals: int, weight: str | None = None) -> np.ndarray:
        if boundary == "p63":
            return round_values(self.latent.get(code, year), decimals)
        measure = load_measures().get(code)
        rule = measure.aggregation if measure else "weighted_mean"
        weight = measure.weight_measure if measure else weight
        if rule == "not_additive":
            return round_values(self._direct_p34(code, year), decimals)
        old = self.value(code, year, "p63") if measure else self._compute(code, year, "p63", decimals)
        if rule == "sum":
            merged = np.array([old[list(idx)].sum() for idx in members()])
        else:
            merged = _weighted(old, self.value(weight or "population", year, "p63"), members())
        return round_values(merged, decimals)

    def _direct_p34(self, code: str, year: int) -> np.ndarray:
        """A not-additive measure assessed afresh for each new province (own random draws)."""
        if code != "policy_score":
            raise NotImplementedError(f"no direct p34 model for not-additive measure '{code}'")
        dev = _weighted(self.latent.dev, self.latent.get("population", year), members())
        n = len(members())
        effect = stream(self.seed, "effect", code, "p34").normal(0, 1, n)
        noise = stream(self.seed, "value", code, year, "p34").normal(0, 1, n)
        return policy_score_direct(dev, effect, noise)

    def yearbook_values(self, code: str, year: int, boundary: str, revised: bool) -> np.ndarray:
        """A yearbook column: the final value, or the preliminary one a later edition revises by 0-2 %."""
        final = self.value(code, year, boundary)
        if not revised:
            return final
        rng = stream(self.seed, "revision", code, year, boundary)
        factor = 1 + rng.uniform(-MAX_REVISION, MAX_REVISION, len(final)) * (rng.random(len(final)) < REVISED_SHARE)
        m = load_measures()[code]
        lo = m.min_value if m.min_value is not None else -np.inf
        hi = m.max_value if m.max_value is not None else np.inf
        return round_values(np.clip(final * factor, lo, hi), measure_decimals(code))


def yearbook_measures() -> list[str]:
    return [m for s in load_sources().values() if s.kind == "yearbook" for m in s.measures()]


def yearbook_years(edition: int) -> tuple[int, int]:
    """Edition Y carries Y-1 (final) and Y (preliminary), both on the edition's boundary."""
    return edition - 1, edition


def is_revised(edition: int, years: Sequence[int]) -> bool:
    """A preliminary figure is revised only when a generated later edition publishes it on the same boundary."""
    return edition + 1 in years and boundary_for_year(edition + 1) == boundary_for_year(edition)


@cache
def _model(seed: int) -> SampleModel:
    return SampleModel(seed)


def model_for(seed: int) -> SampleModel:
    """The shared (memoised) model of a seed."""
    return _model(seed)


def expected_values(seed: int = DEFAULT_SEED, years: Sequence[int] = DEFAULT_YEARS) -> pl.DataFrame:
    """What ``generate_sample(seed=seed, years=years)`` encodes, in catalog units, after rounding.

    One row per (province_code, boundary, year, measure_code). For each year: every measure on the
    year's boundary; for yearbook measures also the previous year on the same boundary (edition Y
    carries Y-1: 2021 on p63 for edition 2022, 2024 on p34 for edition 2025). Where a value is printed
    twice the newest edition wins, and that is always this final value.
    """
    years = normalise_years(years)
    model = model_for(seed)
    wanted: dict[tuple[int, str], list[str]] = {}
    for year in years:
        b = boundary_for_year(year)
        wanted.setdefault((year, b), list(load_measures()))
        if (year - 1, b) not in wanted:
            wanted[(year - 1, b)] = yearbook_measures()
    frames = []
    for (year, b), codes in sorted(wanted.items()):
        province_codes = [p.code for p in provinces(b)]
        for code in codes:
            frames.append(pl.DataFrame({
                "province_code": province_codes, "boundary": b, "year": year, "measure_code": code,
                "value": model.value(code, year, b),
            }, schema={"province_code": pl.String, "boundary": pl.String, "year": pl.Int64,
                       "measure_code": pl.String, "value": pl.Float64}))
    return pl.concat(frames).sort("year", "boundary", "measure_code", "province_code")
