"""The ``microdata`` entry of sources.yaml, read into typed parts and checked beyond what the JSON schema says.

An entry declares the variables it reads (``columns``: ``text`` or ``number``, optional header ``label``,
``min``/``max``), the province variable, an optional survey ``weight_column``, the variables that identify a
unit record (``record_id_columns``), and per measure an aggregation computed in SQL (pii/ingest/microdata.py):

=================  ============================================================  =====================
aggregation        value per province                                            needs
=================  ============================================================  =====================
count              number of records passing ``filter``                          —
weighted_count     Σ weight over records passing ``filter``                       weight_column
sum                Σ value                                                       value
weighted_sum       Σ weight × value                                              value, weight_column
weighted_share     Σ weight [share_filter] / Σ weight, over ``filter``            share_filter, weight_column
ratio_of_sums      Σ numerator / Σ denominator (weighted when a weight is set)   numerator, denominator
=================  ============================================================  =====================

Every result is multiplied by ``scale`` (default 1: 100 for a percentage, 0.001 for million → billion VND).
No import of the catalog here: pii/source_spec.py calls :func:`spec_problem` while the catalog loads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pii.ingest.microdata_filter import Filter, FilterError, parse_filter

AGGREGATIONS = ("count", "weighted_count", "sum", "weighted_sum", "weighted_share", "ratio_of_sums")
WEIGHTED = ("weighted_count", "weighted_sum", "weighted_share")


@dataclass(frozen=True)
class Column:
    name: str  # the logical name filters use (a column of raw.<source_id>)
    type: str  # 'text' | 'number'
    label: str  # the header label in the file
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class MeasureRule:
    measure: str
    aggregation: str
    filter: Filter | None
    share_filter: Filter | None
    value: str | None
    numerator: str | None
    denominator: str | None
    scale: float
    unit_in_file: str
    note: str

    def variables(self, weight: str | None) -> list[str]:
        """Every variable the rule reads, in a stable order (the ``column_ref`` of its observations)."""
        names: list[str] = []
        for part in (self.filter, self.share_filter):
            names += list(part.columns) if part else []
        names += [n for n in (self.value, self.numerator, self.denominator) if n]
        if weight and (self.aggregation in WEIGHTED or self.aggregation == "ratio_of_sums"):
            names.append(weight)
        return list(dict.fromkeys(names))


@dataclass(frozen=True)
class MicrodataSpec:
    province_column: str
    weight_column: str | None
    record_id_columns: tuple[str, ...]
    columns: dict[str, Column]
    measures: dict[str, MeasureRule]

    def labels(self) -> dict[str, str]:
        """Logical name -> header label of every variable read (what load_tabular takes)."""
        return {c.name: c.label for c in self.columns.values()}


class MicrodataSpecError(ValueError):
    """An entry that cannot work; the message names the field (``measures.x.filter``)."""


def _column(name: str, value: Any) -> Column:
    if isinstance(value, str):
        return Column(name, value, name)
    return Column(name, value["type"], value.get("label", name), value.get("min"), value.get("max"))


def parse_spec(spec: Mapping[str, Any]) -> MicrodataSpec:
    """The typed spec of a schema-valid entry; raises MicrodataSpecError naming the field."""
    columns = {name: _column(name, v) for name, v in spec["columns"].items()}
    types = {name: c.type for name, c in columns.items()}

    def need(field: str, name: str | None, kind: str | None = None) -> None:
        if name is None:
            return
        if name not in columns:
            raise MicrodataSpecError(f"field '{field}' names '{name}', which is not in 'columns' "
                                     f"(declared: {', '.join(sorted(columns))})")
        if kind and columns[name].type != kind:
            raise MicrodataSpecError(f"field '{field}': column '{name}' must be of type {kind}")

    need("province_column", spec["province_column"])
    weight = spec.get("weight_column")
    need("weight_column", weight, "number")
    ids = tuple(spec.get("record_id_columns") or ())
    for i, name in enumerate(ids):
        need(f"record_id_columns[{i}]", name)
    labels = [c.label for c in columns.values()]
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise MicrodataSpecError(f"field 'columns': header label '{repeated[0]}' is read by two variables")
    for c in columns.values():
        if c.min is not None and c.max is not None and c.min > c.max:
            raise MicrodataSpecError(f"field 'columns.{c.name}': min {c.min} is above max {c.max}")
        if c.type == "text" and (c.min is not None or c.max is not None):
            raise MicrodataSpecError(f"field 'columns.{c.name}': min/max apply to number columns only")
    rules: dict[str, MeasureRule] = {}
    for code, m in spec["measures"].items():
        where = f"measures.{code}"
        agg = m["aggregation"]
        needs = {"sum": ["value"], "weighted_sum": ["value"], "weighted_share": ["share_filter"],
                 "ratio_of_sums": ["numerator", "denominator"]}.get(agg, [])
        for key in needs:
            if key not in m:
                raise MicrodataSpecError(f"field '{where}.{key}' is missing (aggregation {agg} needs it)")
        extra = [k for k in ("value", "numerator", "denominator", "share_filter") if k in m and k not in needs]
        if extra:
            raise MicrodataSpecError(f"field '{where}.{extra[0]}' is not used by aggregation {agg}")
        if agg in WEIGHTED and not weight:
            raise MicrodataSpecError(f"field '{where}.aggregation': {agg} needs the source's 'weight_column'")
        for key in ("value", "numerator", "denominator"):
            need(f"{where}.{key}", m.get(key), "number")
        filters: dict[str, Filter | None] = {}
        for key in ("filter", "share_filter"):
            try:
                filters[key] = parse_filter(m[key], types) if key in m else None
            except FilterError as exc:
                raise MicrodataSpecError(f"field '{where}.{key}': {exc}") from None
        rules[code] = MeasureRule(code, agg, filters["filter"], filters["share_filter"], m.get("value"),
                                  m.get("numerator"), m.get("denominator"), float(m.get("scale", 1)),
                                  str(m.get("unit_in_file", "")), str(m.get("rule", "")))
    return MicrodataSpec(spec["province_column"], weight, ids, columns, rules)


def spec_problem(entry: Mapping[str, Any]) -> str | None:
    """Why a schema-valid microdata entry cannot work, or None."""
    try:
        parse_spec(entry)
    except MicrodataSpecError as exc:
        return str(exc)
    return None
