"""Formulas for the yearbook measures, the survey indices and the policy score (p63, unrounded).

Magnitudes follow public orders of magnitude: population 0.3-10 million, enterprises ~1,000-250,000,
GRDP ~15,000-1,700,000 billion VND, nominal growth 6-12 %/yr, constant-price growth 4-9 %/yr.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pii.catalog import load_measures, load_sources
from pii.sample.latent import FORMULAS, Latent, formula, years_since_base


@formula("population")
def population(c: Latent, y: int) -> np.ndarray:
    # Big cities grow faster (migration): 0.4-2 %/yr.
    return c.grow("population", y, lambda: c.p.pop0,
                  lambda: np.clip(0.004 + 0.012 * c.dev + c.noise("population", y, 0.002), 0.0, 0.025))


@formula("_real_growth")
def real_growth(c: Latent, y: int) -> np.ndarray:
    return np.clip(0.05 + 0.03 * c.dev + c.effect("_real_growth", 0.006) + c.noise("_real_growth", y, 0.008),
                   0.04, 0.09)


@formula("_deflator")
def deflator(c: Latent, y: int) -> np.ndarray:
    # Current / 2010 prices; inflation 2-2.8 %/yr keeps nominal growth within 6-12 %/yr.
    return c.grow("_deflator", y, lambda: 1.55 * np.exp(c.effect("_deflator", 0.04)),
                  lambda: np.clip(0.024 + c.noise("_deflator", y, 0.003), 0.02, 0.028))


@formula("grdp_constant")
def grdp_constant(c: Latent, y: int) -> np.ndarray:
    def base() -> np.ndarray:
        per_capita = 44 * np.exp(1.1 * c.dev + c.effect("grdp", 0.12))  # million VND, current prices
        return c.get("population", y) * per_capita / 1000 / c.get("_deflator", y)

    return c.grow("grdp_constant", y, base, lambda: c.get("_real_growth", y))


@formula("grdp")
def grdp(c: Latent, y: int) -> np.ndarray:
    return c.get("grdp_constant", y) * c.get("_deflator", y)


@formula("employed")
def employed(c: Latent, y: int) -> np.ndarray:
    ratio = np.clip(0.555 + c.effect("employed", 0.025) + c.noise("employed", y, 0.004), 0.47, 0.64)
    return c.get("population", y) * ratio


@formula("labour_productivity")
def labour_productivity(c: Latent, y: int) -> np.ndarray:
    # Defined as GRDP per worker (billion -> million VND) so the weighted mean by employed stays exact.
    return c.get("grdp", y) * 1000 / c.get("employed", y)


@formula("trained_labour_share")
def trained_labour_share(c: Latent, y: int) -> np.ndarray:
    t = years_since_base(y)
    return np.clip(14 + 36 * c.dev + c.effect("trained_labour_share", 3) + 0.6 * t
                   + c.noise("trained_labour_share", y, 0.5), 8, 75)


@formula("poverty_rate")
def poverty_rate(c: Latent, y: int) -> np.ndarray:
    base = 28 * np.exp(-3.3 * c.dev + c.effect("poverty_rate", 0.25))
    trend = 0.9 ** years_since_base(y) * np.exp(c.noise("poverty_rate", y, 0.04))
    return np.clip(base * trend, 0.5, 30)


@formula("hdi")
def hdi(c: Latent, y: int) -> np.ndarray:
    t = years_since_base(y)
    return np.clip(0.63 + 0.19 * c.dev + c.effect("hdi", 0.012) + 0.003 * t + c.noise("hdi", y, 0.002), 0.6, 0.85)


@formula("iip")
def iip(c: Latent, y: int) -> np.ndarray:
    return np.clip(105 + 7 * c.dev + c.effect("iip", 2.5) + c.noise("iip", y, 4), 95, 125)


@formula("active_enterprises")
def active_enterprises(c: Latent, y: int) -> np.ndarray:
    def base() -> np.ndarray:  # ~2-26 enterprises per 1,000 people
        return c.get("population", y) / 1000 * 2.2 * np.exp(2.45 * c.dev + c.effect("active_enterprises", 0.15))

    rate = lambda: np.clip(0.045 + 0.02 * c.dev + c.noise("active_enterprises", y, 0.01), 0.02, 0.08)  # noqa: E731
    return np.round(c.grow("active_enterprises", y, base, rate))


@formula("enterprise_capital")
def enterprise_capital(c: Latent, y: int) -> np.ndarray:
    per_firm = 38 * np.exp(0.7 * c.dev + c.effect("enterprise_capital", 0.25))  # billion VND
    trend = 1.03 ** years_since_base(y) * np.exp(c.noise("enterprise_capital", y, 0.03))
    return c.get("active_enterprises", y) * per_firm * trend


@formula("enterprises_section_m")
def enterprises_section_m(c: Latent, y: int) -> np.ndarray:
    share = np.clip(0.035 + 0.045 * c.dev + c.effect("enterprises_section_m", 0.005)
                    + c.noise("enterprises_section_m", y, 0.002), 0.02, 0.1)
    return np.round(c.get("active_enterprises", y) * share)


@formula("broadband_subscriptions")
def broadband_subscriptions(c: Latent, y: int) -> np.ndarray:
    per_100 = np.clip(10 + 24 * c.dev + c.effect("broadband_subscriptions", 2.5), 5, 45)
    trend = 1.06 ** years_since_base(y) * np.exp(c.noise("broadband_subscriptions", y, 0.02))
    return np.round(c.get("population", y) / 100 * per_100 * trend)


@formula("urban_waste_treated_share")
def urban_waste_treated_share(c: Latent, y: int) -> np.ndarray:
    t = years_since_base(y)
    return np.clip(84 + 12 * c.dev + c.effect("urban_waste_treated_share", 3) + 0.7 * t
                   + c.noise("urban_waste_treated_share", y, 0.8), 60, 99.9)


@formula("policy_score")
def policy_score(c: Latent, y: int) -> np.ndarray:
    return np.clip(5.2 + 3 * c.dev + c.effect("policy_score", 0.8) + c.noise("policy_score", y, 0.4), 1, 10)


def policy_score_direct(dev: np.ndarray, noise_effect: np.ndarray, noise_year: np.ndarray) -> np.ndarray:
    """policy_score for provinces it cannot be aggregated to (not additive): same model, own draws."""
    return np.clip(5.2 + 3 * dev + 0.8 * noise_effect + 0.4 * noise_year, 1, 10)


@dataclass(frozen=True)
class Component:
    """A survey column: level at development 0.4, slope per unit of development, spread, bounds, decimals."""

    column: str
    centre: float
    slope: float
    effect_sd: float
    noise_sd: float
    lo: float
    hi: float
    decimals: int
    trend: float = 0.0


def _pci(column: str, centre: float) -> Component:
    return Component(column, centre, 1.4, 0.45, 0.3, 3.0, 9.6, 2, 0.05)


def _papi(column: str, centre: float, slope: float = 0.5, lo: float = 1.0, hi: float = 10.0) -> Component:
    return Component(column, centre, slope, 0.25, 0.12, lo, hi, 4, 0.02)


def _dti(column: str, centre: float) -> Component:
    return Component(column, centre, 0.35, 0.06, 0.03, 0.05, 0.98, 4, 0.025)


# Component columns and composite of each survey file (docs/source_formats.md), with plausible levels.
SURVEY_COLUMNS: dict[str, tuple[list[Component], str]] = {
    "vcci_pci": ([
        _pci("CSTP 1: Gia nhập thị trường", 6.6), _pci("CSTP 2: Tiếp cận đất đai", 5.8),
        _pci("CSTP 3: Tính minh bạch", 5.9), _pci("CSTP 4: Chi phí thời gian", 6.6),
        _pci("CSTP 5: Chi phí không chính thức", 6.0), _pci("CSTP 6: Cạnh tranh bình đẳng", 5.2),
        _pci("CSTP 7: Tính năng động của chính quyền tỉnh", 5.8), _pci("CSTP 8: Dịch vụ hỗ trợ doanh nghiệp", 5.8),
        _pci("CSTP 9: Đào tạo lao động", 6.0), _pci("CSTP 10: Thiết chế pháp lý và an ninh trật tự", 6.3),
    ], "PCI"),
    "papi": ([
        _papi("Tham gia của người dân ở cấp cơ sở", 4.9, 0.4),
        _papi("Công khai, minh bạch trong việc ra quyết định", 5.3),
        _papi("Trách nhiệm giải trình với người dân", 4.6, 0.4),
        _papi("Kiểm soát tham nhũng trong khu vực công", 6.3, 0.4),
        _papi("Thủ tục hành chính công", 7.3, 0.3), _papi("Cung ứng dịch vụ công", 7.4),
        _papi("Quản trị môi trường", 3.7, 0.6, 2.8, 4.8), _papi("Quản trị điện tử", 3.0, 1.0),
    ], "PAPI tổng hợp"),
    "par_index": ([Component("Chỉ số CCHC (%)", 84.5, 8.0, 2.2, 1.0, 75.0, 95.0, 2, 0.4)], "Xếp hạng"),
    "dti": ([
        _dti("Chuyển đổi nhận thức", 0.55), _dti("Kiến tạo thể chế", 0.5), _dti("Hạ tầng số", 0.45),
        _dti("Nhân lực số", 0.35), _dti("An toàn thông tin mạng", 0.45), _dti("Chính quyền số", 0.5),
        _dti("Kinh tế số", 0.25), _dti("Xã hội số", 0.35),
    ], "DTI"),
}


def component_key(source_id: str, column: str) -> str:
    """Series key of a survey column: its measure code when sources.yaml maps it, else 'source:column'."""
    mapped = load_sources()[source_id].column_measures()
    return mapped.get(column, f"{source_id}:{column}")


def _component_formula(comp: Component, key: str) -> None:
    def compute(c: Latent, y: int) -> np.ndarray:
        level = comp.centre + comp.slope * (c.dev - 0.4) + comp.trend * years_since_base(y)
        return np.clip(level + c.effect(key, comp.effect_sd) + c.noise(key, y, comp.noise_sd), comp.lo, comp.hi)

    FORMULAS[key] = compute


def _register_components() -> None:
    measures = load_measures()
    for source_id, (components, _) in SURVEY_COLUMNS.items():
        known = {comp.column for comp in components}
        for column, measure in load_sources()[source_id].column_measures().items():
            if column not in known:  # a column added to sources.yaml: generate it within its measure range
                m = measures[measure]
                lo, hi = m.min_value or 0.0, m.max_value or 100.0
                components.append(Component(column, lo + 0.55 * (hi - lo), 0.15 * (hi - lo), 0.05 * (hi - lo),
                                            0.02 * (hi - lo), lo, hi, 4 if hi <= 1 else 2))
        for comp in components:
            _component_formula(comp, component_key(source_id, comp.column))


_register_components()
