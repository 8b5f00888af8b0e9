"""The framework as warehouse tables: indicators, the aggregation tree, and formula terms.

Formula terms are what make indicator computation generic: each indicator lists the (measure, year)
pairs it reads and the role each plays (numerator or denominator), so one SQL file computes every
indicator of every framework year.
"""

from __future__ import annotations

import polars as pl

from pii.catalog import load_measures
from pii.framework.model import Framework
from pii.framework.ranges import indicator_range

INDICATOR_SCHEMA = {
    "framework_year": pl.Int32, "indicator_code": pl.String, "column_name": pl.String, "name_vi": pl.String,
    "name_en": pl.String, "unit": pl.String, "formula_kind": pl.String, "scale": pl.Float64,
    "change_mode": pl.String, "direction": pl.Int8, "weight": pl.Float64, "data_year_offset": pl.Int32,
    "data_year": pl.Int32, "source": pl.String, "agency": pl.String, "evidence": pl.String,
    "formula_evidence": pl.String, "provenance_source": pl.String, "provenance_note": pl.String,
    "sub_pillar": pl.String, "pillar": pl.String, "sub_index": pl.String, "boundary": pl.String,
    "framework_file": pl.String, "framework_sha256": pl.String,
    "min_value": pl.Float64, "max_value": pl.Float64, "range_basis": pl.String,
}
NODE_SCHEMA = {
    "framework_year": pl.Int32, "code": pl.String, "level": pl.String, "name_vi": pl.String, "name_en": pl.String,
    "parent": pl.String, "weight": pl.Float64,
}
TERM_SCHEMA = {
    "framework_year": pl.Int32, "indicator_code": pl.String, "boundary": pl.String, "role": pl.String,
    "measure_code": pl.String, "year": pl.Int32,
}


def indicator_rows(fw: Framework) -> list[dict]:
    ranges = {i.code: indicator_range(i, load_measures()) for i in fw.indicators}
    return [{
        "framework_year": fw.year, "indicator_code": i.code, "column_name": i.column, "name_vi": i.name_vi,
        "name_en": i.name_en, "unit": i.unit, "formula_kind": i.formula.kind, "scale": i.formula.scale,
        "change_mode": i.formula.mode, "direction": i.direction, "weight": i.weight,
        "data_year_offset": i.data_year_offset, "data_year": fw.data_year(i), "source": i.source, "agency": i.agency,
        "evidence": i.evidence, "formula_evidence": i.formula_evidence, "provenance_source": i.provenance_source,
        "provenance_note": i.provenance_note, "sub_pillar": i.sub_pillar, "pillar": i.pillar,
        "sub_index": i.sub_index, "boundary": fw.boundary, "framework_file": fw.source_file,
        "framework_sha256": fw.sha256, "min_value": ranges[i.code].min_value, "max_value": ranges[i.code].max_value,
        "range_basis": ranges[i.code].basis,
    } for i in fw.indicators]


def node_rows(fw: Framework) -> list[dict]:
    return [{"framework_year": fw.year, "code": n.code, "level": n.level, "name_vi": n.name_vi,
             "name_en": n.name_en, "parent": n.parent, "weight": n.weight} for n in fw.nodes]


def term_rows(fw: Framework) -> list[dict]:
    rows = []
    for i in fw.indicators:
        year = fw.data_year(i)
        f = i.formula
        terms: list[tuple[str, str, int]]
        if f.kind == "change":
            terms = [("numerator", f.numerator[0], year), ("denominator", f.numerator[0], year - 1)]
        else:
            terms = [("numerator", m, year) for m in f.numerator]
            if f.denominator:
                terms.append(("denominator", f.denominator, year))
        rows += [{"framework_year": fw.year, "indicator_code": i.code, "boundary": fw.boundary, "role": role,
                  "measure_code": m, "year": y} for role, m, y in terms]
    return rows


def framework_frames(frameworks: list[Framework]) -> dict[str, pl.DataFrame]:
    """The three framework tables over all framework years, sorted for deterministic output."""
    ind, nodes, terms = [], [], []
    for fw in frameworks:
        ind += indicator_rows(fw)
        nodes += node_rows(fw)
        terms += term_rows(fw)
    return {
        "framework_indicators": pl.DataFrame(ind, schema=INDICATOR_SCHEMA, orient="row"),
        "framework_nodes": pl.DataFrame(nodes, schema=NODE_SCHEMA, orient="row"),
        "framework_formula_terms": pl.DataFrame(terms, schema=TERM_SCHEMA, orient="row"),
    }
