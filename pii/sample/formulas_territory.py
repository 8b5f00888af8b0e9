"""Formulas for the agriculture, planning-and-investment, industrial-park and banking submissions.

Values are p63 and unrounded; counts are drawn as Poisson or binomial so they are whole numbers.
"""

from __future__ import annotations

import numpy as np

from pii.sample.latent import Latent, enterprises_of, formula, growth, population_of, years_since_base


# --- Agriculture, planning, industrial parks, banking ---------------------------------------------
@formula("commune_units")
def commune_units(c: Latent, y: int) -> np.ndarray:
    units = (25 + population_of(c, y) / 1e4 * (1.1 - 0.6 * c.dev)) * np.exp(c.effect("commune_units", 0.1))
    # Communes are merged a little every year, and by about two thirds in the July 2025 reform.
    reform = 0.35 if y >= 2025 else 1.0
    return np.round(units * 0.985 ** years_since_base(y) * reform)


@formula("ocop_products")
def ocop_products(c: Latent, y: int) -> np.ndarray:
    communes = c.get("commune_units", min(y, 2024))  # products come from villages, not from the 2025 reform
    lam = (20 + communes * 0.5 * (1.2 - 0.5 * c.dev)) * np.exp(c.effect("ocop_products", 0.35))
    return c.poisson("ocop_products", y, lam * growth(y, 0.05))


@formula("ocop_products_4star")
def ocop_products_4star(c: Latent, y: int) -> np.ndarray:
    p = np.clip(0.12 + 0.15 * c.dev + c.effect("ocop_products_4star", 0.03), 0.02, 0.6)
    return c.rng("ocop_products_4star", y).binomial(c.get("ocop_products", y).astype(np.int64), p).astype(float)


@formula("_plant_variety")
def plant_variety_intensity(c: Latent, y: int) -> np.ndarray:
    return (0.3 + 4 * c.p.agriculture * (0.3 + c.dev)) * c.p.research ** 0.8 * np.exp(c.effect("_plant_variety", 0.5))


@formula("plant_variety_applications")
def plant_variety_applications(c: Latent, y: int) -> np.ndarray:
    return c.poisson("plant_variety_applications", y, c.get("_plant_variety", y))


@formula("plant_variety_certificates")
def plant_variety_certificates(c: Latent, y: int) -> np.ndarray:
    return c.poisson("plant_variety_certificates", y, 0.6 * c.get("_plant_variety", y))


@formula("new_enterprises")
def new_enterprises(c: Latent, y: int) -> np.ndarray:
    rate = np.clip(0.14 + 0.04 * c.dev + c.effect("new_enterprises", 0.015) + c.noise("new_enterprises", y, 0.008),
                   0.08, 0.25)
    return np.round(enterprises_of(c, y) * rate)


@formula("fdi_disbursed")
def fdi_disbursed(c: Latent, y: int) -> np.ndarray:
    ratio = np.clip(0.015 * np.exp(2.5 * c.dev + c.effect("fdi_disbursed", 0.6)) * c.p.fdi, 0.001, 0.35)
    return c.get("grdp", y) * ratio * np.exp(c.noise("fdi_disbursed", y, 0.15))


@formula("industrial_land_planned")
def industrial_land_planned(c: Latent, y: int) -> np.ndarray:
    scale = 1500 * (c.p.pop0 / 1e6) ** 0.6 * c.dev * c.p.fdi ** 0.7 * np.exp(c.effect("industrial_land_planned", 0.4))
    return (120 + scale) * growth(y, 0.02)


@formula("industrial_land_built")
def industrial_land_built(c: Latent, y: int) -> np.ndarray:
    t = years_since_base(y)
    share = np.clip(0.3 + 0.5 * c.dev + c.effect("industrial_land_built", 0.08) + 0.01 * t, 0.1, 0.95)
    return c.get("industrial_land_planned", y) * share


@formula("ip_operating_projects")
def ip_operating_projects(c: Latent, y: int) -> np.ndarray:
    lam = 2 + c.get("industrial_land_built", y) * 0.3 * np.exp(c.effect("ip_operating_projects", 0.3))
    return c.poisson("ip_operating_projects", y, lam)


@formula("credit_outstanding")
def credit_outstanding(c: Latent, y: int) -> np.ndarray:
    ratio = np.clip(0.5 + 0.9 * c.dev + c.effect("credit_outstanding", 0.12), 0.3, 2.2) * c.p.finance
    return c.get("grdp", y) * ratio * growth(y, 0.03) * np.exp(c.noise("credit_outstanding", y, 0.02))


@formula("microfinance_outstanding")
def microfinance_outstanding(c: Latent, y: int) -> np.ndarray:
    ratio = 0.004 * (1.25 - c.dev) * np.exp(c.effect("microfinance_outstanding", 0.4))  # larger where poorer
    return c.get("grdp", y) * ratio * np.exp(c.noise("microfinance_outstanding", y, 0.1))
