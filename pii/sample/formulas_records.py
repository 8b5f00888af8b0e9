"""Formulas for the record-list counts: industrial-property applications and S&T organisations.

The writers emit exactly this many records per province, so counting the files gives these values.
Caps keep the ranges of real registers (and the IP list under ~70,000 rows a year).
"""

from __future__ import annotations

import numpy as np

from pii.sample.latent import Latent, enterprises_of, formula, growth, population_of


# --- Record lists: industrial-property applications and S&T organisations -------------------------
@formula("patent_applications")
def patent_applications(c: Latent, y: int) -> np.ndarray:
    return np.minimum(c.poisson("patent_applications", y, c.get("_patent_intensity", y)), 800)


@formula("_patent_intensity")
def patent_intensity(c: Latent, y: int) -> np.ndarray:
    per_10k = 0.017 * np.exp(3.6 * c.dev + c.effect("_patent_intensity", 0.3)) * np.minimum(c.p.research, 1.5)
    return np.minimum(population_of(c, y) / 1e4 * per_10k * growth(y, 0.04), 720)


@formula("utility_solution_applications")
def utility_solution_applications(c: Latent, y: int) -> np.ndarray:
    lam = 0.3 + 0.25 * c.get("_patent_intensity", y) * np.exp(c.effect("utility_solution_applications", 0.2))
    return np.minimum(c.poisson("utility_solution_applications", y, lam), 300)


@formula("trademark_applications")
def trademark_applications(c: Latent, y: int) -> np.ndarray:
    lam = enterprises_of(c, y) * 0.026 * np.exp(0.75 * c.dev + c.effect("trademark_applications", 0.1))
    return 10 + c.poisson("trademark_applications", y, np.minimum(lam, 14_900))


@formula("design_applications")
def design_applications(c: Latent, y: int) -> np.ndarray:
    lam = enterprises_of(c, y) * 0.005 * np.exp(0.6 * c.dev + c.effect("design_applications", 0.2))
    return 5 + c.poisson("design_applications", y, np.minimum(lam, 2_400))


@formula("gi_applications")
def gi_applications(c: Latent, y: int) -> np.ndarray:
    return np.minimum(c.poisson("gi_applications", y, 0.2 + 0.6 * c.p.agriculture), 5)


@formula("collective_mark_applications")
def collective_mark_applications(c: Latent, y: int) -> np.ndarray:
    lam = (3 + 12 * (1 - c.dev)) * np.exp(c.effect("collective_mark_applications", 0.3))
    return np.minimum(c.poisson("collective_mark_applications", y, lam), 40)


@formula("st_organisations")
def st_organisations(c: Latent, y: int) -> np.ndarray:
    per_10k = 0.2 * np.exp(2.0 * c.dev + c.effect("st_organisations", 0.25)) * np.sqrt(c.p.research)
    lam = population_of(c, y) / 1e4 * per_10k
    return 8 + c.poisson("st_organisations", y, np.minimum(lam * growth(y, 0.02), 1_380))
