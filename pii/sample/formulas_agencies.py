"""Formulas for the S&T, finance, education, trade and labour submissions (p63, unrounded).

Counts are drawn as Poisson/binomial so they are whole numbers; ratios the framework computes
(e.g. rd_personnel_fte / population) land in plausible ranges because numerators scale with the
denominators and the development score.
"""

from __future__ import annotations

import numpy as np

from pii.sample.latent import Latent, enterprises_of, formula, growth, population_of


# --- Science and technology (SKHCN) ---------------------------------------------------------------
@formula("rd_personnel_fte")
def rd_personnel_fte(c: Latent, y: int) -> np.ndarray:
    per_10k = 0.6 * np.exp(3.3 * c.dev + c.effect("rd_personnel_fte", 0.3)) * c.p.research
    return population_of(c, y) / 1e4 * per_10k * growth(y, 0.04) * np.exp(c.noise("rd_personnel_fte", y, 0.05))


@formula("rd_expenditure")
def rd_expenditure(c: Latent, y: int) -> np.ndarray:
    share = 0.0006 * np.exp(2.2 * c.dev + c.effect("rd_expenditure", 0.4)) * np.sqrt(c.p.research)
    return c.get("grdp", y) * share * np.exp(c.noise("rd_expenditure", y, 0.1))


@formula("innovative_startups")
def innovative_startups(c: Latent, y: int) -> np.ndarray:
    lam = c.get("new_enterprises", y) * 0.0025 * np.exp(1.6 * c.dev + c.effect("innovative_startups", 0.2))
    return c.poisson("innovative_startups", y, lam)


@formula("surveyed_enterprises")
def surveyed_enterprises(c: Latent, y: int) -> np.ndarray:
    size = 30 + 0.6 * enterprises_of(c, y) ** 0.65
    return np.round(size * np.exp(c.noise("surveyed_enterprises", y, 0.1)))


@formula("enterprises_with_rd")
def enterprises_with_rd(c: Latent, y: int) -> np.ndarray:
    p = np.clip(0.05 + 0.2 * c.dev + c.effect("enterprises_with_rd", 0.03), 0.01, 0.5)
    return c.rng("enterprises_with_rd", y).binomial(c.get("surveyed_enterprises", y).astype(np.int64), p).astype(float)


@formula("enterprises_with_innovation")
def enterprises_with_innovation(c: Latent, y: int) -> np.ndarray:
    # Every enterprise with R&D counts as innovating, plus a share of the others.
    rd = c.get("enterprises_with_rd", y)
    rest = (c.get("surveyed_enterprises", y) - rd).astype(np.int64)
    p = np.clip(0.18 + 0.3 * c.dev + c.effect("enterprises_with_innovation", 0.04), 0.05, 0.8)
    return rd + c.rng("enterprises_with_innovation", y).binomial(rest, p)


@formula("research_collab_contracts")
def research_collab_contracts(c: Latent, y: int) -> np.ndarray:
    lam = 2 + 120 * c.dev ** 2.5 * c.p.research * np.exp(c.effect("research_collab_contracts", 0.3))
    return c.poisson("research_collab_contracts", y, lam * growth(y, 0.03))


@formula("st_enterprises")
def st_enterprises(c: Latent, y: int) -> np.ndarray:
    lam = 0.5 + 0.6 * enterprises_of(c, y) / 1000 * c.dev * np.exp(c.effect("st_enterprises", 0.3))
    return c.poisson("st_enterprises", y, lam)


@formula("iso_certified_enterprises")
def iso_certified_enterprises(c: Latent, y: int) -> np.ndarray:
    lam = enterprises_of(c, y) * (0.004 + 0.012 * c.dev) * np.exp(c.effect("iso_certified_enterprises", 0.2))
    return c.poisson("iso_certified_enterprises", y, lam)


# --- Finance, education, trade, labour ------------------------------------------------------------
@formula("st_budget_local")
def st_budget_local(c: Latent, y: int) -> np.ndarray:
    share = 0.0004 * np.exp(0.5 * c.dev + c.effect("st_budget_local", 0.3))
    return (10 + c.get("grdp", y) * share) * np.exp(c.noise("st_budget_local", y, 0.08))


@formula("education_spending")
def education_spending(c: Latent, y: int) -> np.ndarray:
    per_learner = (8 + 7 * c.dev) * np.exp(c.effect("education_spending", 0.1)) * growth(y, 0.05)  # million VND
    return c.get("learners", y) * per_learner / 1000 * np.exp(c.noise("education_spending", y, 0.03))


@formula("population_11_17")
def population_11_17(c: Latent, y: int) -> np.ndarray:
    share = np.clip(0.105 - 0.02 * c.dev + c.effect("population_11_17", 0.006), 0.07, 0.14)
    return np.round(population_of(c, y) * share * np.exp(c.noise("population_11_17", y, 0.005)))


@formula("learners")
def learners(c: Latent, y: int) -> np.ndarray:
    share = np.clip(0.215 + 0.03 * (1 - c.dev) + c.effect("learners", 0.012), 0.17, 0.3)
    return np.round(population_of(c, y) * share * np.exp(c.noise("learners", y, 0.01)))


@formula("exam_avg_score")
def exam_avg_score(c: Latent, y: int) -> np.ndarray:
    national = c.rng("exam_avg_score", y, "national").normal(0, 0.12)  # the exam paper differs each year
    return np.clip(6.15 + 0.75 * c.dev + c.effect("exam_avg_score", 0.18) + national
                   + c.noise("exam_avg_score", y, 0.05), 5.5, 7.3)


@formula("exam_candidates")
def exam_candidates(c: Latent, y: int) -> np.ndarray:
    rate = 0.12 + c.effect("exam_candidates", 0.008) + c.noise("exam_candidates", y, 0.003)
    return np.round(c.get("population_11_17", y) * rate)


@formula("excellent_student_prize_points")
def excellent_student_prize_points(c: Latent, y: int) -> np.ndarray:
    prizes = 3 + 45 * c.dev ** 1.5 * np.sqrt(population_of(c, y) / 1e6)
    return c.poisson("excellent_student_prize_points", y,
                     2.5 * prizes * np.exp(c.effect("excellent_student_prize_points", 0.3)))


@formula("science_contest_participants")
def science_contest_participants(c: Latent, y: int) -> np.ndarray:
    rate = (0.0008 + 0.004 * c.dev) * np.exp(c.effect("science_contest_participants", 0.3))
    return c.poisson("science_contest_participants", y, c.get("secondary_students", y) * rate)


@formula("secondary_students")
def secondary_students(c: Latent, y: int) -> np.ndarray:
    share = np.clip(0.088 + 0.025 * (1 - c.dev) + c.effect("secondary_students", 0.005), 0.06, 0.13)
    return np.round(population_of(c, y) * share * np.exp(c.noise("secondary_students", y, 0.005)))


@formula("secondary_schools")
def secondary_schools(c: Latent, y: int) -> np.ndarray:
    per_10k = (9 + 14 * (1 - c.dev)) * np.exp(c.effect("secondary_schools", 0.1))  # small rural schools
    return np.round(c.get("population_11_17", y) / 1e4 * per_10k)


@formula("exports_value")
def exports_value(c: Latent, y: int) -> np.ndarray:
    ratio = np.clip(0.08 * np.exp(2.0 * c.dev + c.effect("exports_value", 0.5)) * c.p.export, 0.02, 2.5)
    return c.get("grdp", y) * ratio * np.exp(c.noise("exports_value", y, 0.08))


@formula("enterprise_total_cost")
def enterprise_total_cost(c: Latent, y: int) -> np.ndarray:
    ratio = np.clip(0.9 + c.effect("enterprise_total_cost", 0.15), 0.5, 1.5)
    return c.get("enterprise_capital", y) * ratio * np.exp(c.noise("enterprise_total_cost", y, 0.04))


@formula("enterprise_training_cost")
def enterprise_training_cost(c: Latent, y: int) -> np.ndarray:
    share = (0.0008 + 0.003 * c.dev) * np.exp(c.effect("enterprise_training_cost", 0.3))
    return c.get("enterprise_total_cost", y) * share * np.exp(c.noise("enterprise_training_cost", y, 0.05))
