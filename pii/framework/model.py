"""The PII framework as typed objects: index → sub-indices → pillars → sub-pillars → indicators."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Formula:
    """How an indicator is computed from base measures.

    kind: ``direct`` (one measure), ``ratio`` (sum of numerator measures / denominator × scale),
    ``change`` (a measure against the previous year: growth_pct, difference or decrease),
    ``share`` (the province's share of the total over all provinces × scale).
    """

    kind: str
    numerator: tuple[str, ...]
    denominator: str | None = None
    scale: float = 1.0
    mode: str | None = None

    @property
    def measures(self) -> tuple[str, ...]:
        return self.numerator + ((self.denominator,) if self.denominator else ())


@dataclass(frozen=True)
class Indicator:
    code: str
    name_vi: str
    name_en: str
    unit: str
    formula: Formula
    direction: int
    weight: float
    data_year_offset: int
    source: str
    agency: str
    evidence: str
    formula_evidence: str
    provenance_source: str
    provenance_note: str
    sub_pillar: str
    pillar: str
    sub_index: str
    value_range: tuple[float | None, float | None] = (None, None)  # declared ``range``; see framework/ranges.py

    @property
    def column(self) -> str:
        """The column name in ``core.pii_input``: dots cannot stand in an unquoted SQL name."""
        return "ind_" + self.code.replace(".", "_")


@dataclass(frozen=True)
class Node:
    """A sub-pillar, pillar or sub-index: an aggregate with a parent and a weight."""

    code: str
    level: str
    name_vi: str
    name_en: str
    parent: str
    weight: float


@dataclass(frozen=True)
class Framework:
    year: int
    title: str
    decision: str
    boundary: str
    source_file: str
    sha256: str
    indicators: tuple[Indicator, ...]
    nodes: tuple[Node, ...]

    def indicator(self, code: str) -> Indicator:
        for ind in self.indicators:
            if ind.code == code:
                return ind
        raise KeyError(f"framework {self.year} has no indicator {code}")

    def measures(self) -> set[str]:
        return {m for ind in self.indicators for m in ind.formula.measures}

    def data_year(self, ind: Indicator) -> int:
        return self.year + ind.data_year_offset
