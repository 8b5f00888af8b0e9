"""The latent province model: who the provinces are and how developed they are.

Everything here is read from reference/ (provinces.csv, merger_2025.csv) and a seed; nothing is real
statistics. Population scales are rounded approximations of public orders of magnitude (so a small
mountainous province stays small), then perturbed by the seed.
"""

from __future__ import annotations

import csv
import zlib
from dataclasses import dataclass
from functools import cache

import numpy as np

from pii.paths import REFERENCE_DIR

BASE_YEAR = 2021  # first year the latent model knows: edition 2022 of the yearbook carries 2021

# Approximate average population around 2021, thousand persons (order of magnitude only).
POPULATION_K = {
    "01": 8330, "02": 887, "04": 538, "06": 320, "08": 797, "10": 749, "11": 620, "12": 474, "14": 1275,
    "15": 838, "17": 868, "19": 1314, "20": 791, "22": 1350, "24": 1860, "25": 1490, "26": 1190, "27": 1460,
    "30": 1930, "31": 2070, "33": 1280, "34": 1870, "35": 870, "36": 1780, "37": 1000, "38": 3670, "40": 3380,
    "42": 1300, "44": 910, "45": 640, "46": 1140, "48": 1200, "49": 1500, "51": 1240, "52": 1500, "54": 880,
    "56": 1240, "58": 595, "60": 1240, "62": 565, "64": 1540, "66": 1890, "67": 660, "68": 1320, "70": 1020,
    "72": 1180, "74": 2600, "75": 3170, "77": 1170, "79": 9170, "80": 1700, "82": 1780, "83": 1300, "84": 1010,
    "86": 1020, "87": 1600, "89": 1910, "91": 1750, "92": 1250, "93": 730, "94": 1200, "95": 910, "96": 1200,
}
# The large cities and industrial hubs lead: their development score is pinned (plus a small jitter).
PINNED_DEVELOPMENT = {
    "79": 1.00, "01": 0.93, "48": 0.85, "74": 0.84, "27": 0.82, "31": 0.80, "75": 0.76, "22": 0.76, "92": 0.68,
}
# Provinces known to sit above their region's typical level (industrial parks, tourism, oil).
DEVELOPMENT_BOOST = {"26": 0.15, "77": 0.2, "56": 0.12, "19": 0.12, "30": 0.1, "80": 0.1, "33": 0.08, "24": 0.08}
REGION_DEVELOPMENT = {
    "Trung du và miền núi phía Bắc": 0.20, "Đồng bằng sông Hồng": 0.48,
    "Bắc Trung Bộ và duyên hải miền Trung": 0.36, "Tây Nguyên": 0.27, "Đông Nam Bộ": 0.52,
    "Đồng bằng sông Cửu Long": 0.33,
}
# Multipliers for concentrations the development score alone does not explain.
RESEARCH_HUB = {"01": 2.0, "79": 1.2, "48": 1.2, "92": 1.2, "46": 1.6, "19": 1.4, "40": 1.1}
EXPORT_HUB = {"27": 3.0, "19": 3.0, "74": 1.8, "24": 1.8, "26": 2.0, "75": 1.5, "31": 1.5, "72": 1.5, "80": 1.3}
FDI_HUB = {"27": 2.5, "74": 1.5, "31": 1.5, "19": 1.5, "75": 1.4, "24": 1.6, "26": 1.4, "33": 1.3, "30": 1.3}
FINANCE_HUB = {"01": 1.4, "79": 1.4}
AGRICULTURE = {"Đồng bằng sông Cửu Long": 1.0, "Tây Nguyên": 1.0, "Đồng bằng sông Hồng": 0.7}


@dataclass(frozen=True)
class Province:
    boundary: str
    code: str
    name_vi: str
    region_vi: str


@cache
def provinces(boundary: str) -> tuple[Province, ...]:
    """The provinces of a boundary in provinces.csv order (which is also the yearbook order)."""
    with (REFERENCE_DIR / "provinces.csv").open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["boundary"] == boundary]
    if not rows:
        raise ValueError(f"no provinces for boundary '{boundary}' in provinces.csv")
    return tuple(Province(r["boundary"], r["code"], r["name_vi"], r["region_vi"]) for r in rows)


@cache
def merger() -> dict[str, str]:
    """p63 code -> p34 code (reference/merger_2025.csv)."""
    with (REFERENCE_DIR / "merger_2025.csv").open(encoding="utf-8", newline="") as f:
        return {r["old_code"]: r["new_code"] for r in csv.DictReader(f)}


@cache
def members() -> tuple[tuple[int, ...], ...]:
    """For each p34 province (in p34 order), the indexes of its p63 members (in p63 order)."""
    old = [p.code for p in provinces("p63")]
    target = merger()
    return tuple(
        tuple(i for i, code in enumerate(old) if target[code] == new.code) for new in provinces("p34")
    )


def boundary_for_year(year: int) -> str:
    """Data years up to 2024 are published on the 63 provinces, 2025 onwards on the 34."""
    return "p63" if year <= 2024 else "p34"


def stream(seed: int, *keys: object) -> np.random.Generator:
    """An independent random stream per key tuple (e.g. measure, year).

    Keys are hashed with crc32 (stable across processes, unlike hash()), so adding a measure or a year
    never shifts the numbers drawn for another.
    """
    words = [seed & 0xFFFFFFFF, seed >> 32 & 0xFFFFFFFF]
    words += [zlib.crc32(str(k).encode("utf-8")) for k in keys]
    return np.random.default_rng(np.random.SeedSequence(words))


@dataclass(frozen=True)
class Profiles:
    """Per-province latent attributes on the p63 boundary, as arrays in provinces('p63') order."""

    codes: tuple[str, ...]
    dev: np.ndarray  # development score 0..1: drives per-capita measures
    pop0: np.ndarray  # population in BASE_YEAR, persons
    research: np.ndarray
    export: np.ndarray
    fdi: np.ndarray
    finance: np.ndarray
    agriculture: np.ndarray

    @property
    def n(self) -> int:
        return len(self.codes)


def _lookup(codes: tuple[str, ...], table: dict[str, float], default: float) -> np.ndarray:
    return np.array([table.get(c, default) for c in codes], dtype=float)


@cache
def build_profiles(seed: int) -> Profiles:
    provs = provinces("p63")
    codes = tuple(p.code for p in provs)
    rng = stream(seed, "profile")
    regional = np.array([REGION_DEVELOPMENT[p.region_vi] for p in provs])
    drawn = regional + _lookup(codes, DEVELOPMENT_BOOST, 0.0) + rng.normal(0, 0.07, len(codes))
    pinned = _lookup(codes, PINNED_DEVELOPMENT, np.nan)
    jitter = rng.normal(0, 0.015, len(codes))
    dev = np.where(np.isnan(pinned), np.clip(drawn, 0.05, 0.7), np.clip(pinned + jitter, 0.6, 1.0))
    pop0 = _lookup(codes, POPULATION_K, 1000.0) * 1000 * np.exp(rng.normal(0, 0.03, len(codes)))
    return Profiles(
        codes=codes, dev=dev, pop0=pop0,
        research=_lookup(codes, RESEARCH_HUB, 1.0), export=_lookup(codes, EXPORT_HUB, 1.0),
        fdi=_lookup(codes, FDI_HUB, 1.0), finance=_lookup(codes, FINANCE_HUB, 1.0),
        agriculture=np.array([AGRICULTURE.get(p.region_vi, 0.4) for p in provs]),
    )
