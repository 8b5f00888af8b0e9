"""The base-measure catalog (reference/measures.csv) and the source register (reference/sources.yaml).

Both are validated on load, with messages naming the file, the row or source, and the field. A broken
measures.csv, or a sources.yaml entry that cannot have a raw asset (YAML syntax, ``source_id``, ``format``,
``file_pattern``, duplicate ``source_id``), fails the load. An entry whose kind-specific keys are invalid
only disables that source (``Source.spec_error``; see pii/source_spec.py): every other source goes on.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from pii import yaml_io
from pii.paths import REFERENCE_DIR
from pii.source_spec import document_problem, kind_problem, named_measures, register_problem

AGGREGATIONS = ("sum", "weighted_mean", "not_additive")
SOURCE_KINDS = ("yearbook", "survey_index", "survey_workbook", "agency_submission", "record_list", "microdata")
# A source supplies a measure as its primary source, or re-reads another source's measure as a cross-check.
ROLES = ("primary", "cross_check")
PERCENT_MODES = ("auto", "fraction", "percent")


class CatalogError(ValueError):
    """A reference file is malformed; the message names file, entry and field."""


@dataclass(frozen=True)
class Measure:
    code: str
    name_vi: str
    name_en: str
    unit: str
    kind: str
    source_id: str
    aggregation: str
    weight_measure: str | None
    min_value: float | None
    max_value: float | None
    note: str = ""


@dataclass(frozen=True)
class SheetColumn:
    """One mapped column of a survey workbook (or survey table, where ``sheet`` is empty)."""

    sheet: str
    label: str
    measure: str
    role: str = "primary"
    percent: str = "auto"  # a '%' column: auto-detect fractions, or force 'fraction' / 'percent'

    @property
    def priority(self) -> int:
        """1 for the primary source of the measure, 2 for a cross-check (staging prefers 1)."""
        return 1 if self.role == "primary" else 2


def _sheet_column(sheet: str, label: str, value: object, where: str) -> SheetColumn:
    """A ``columns`` entry: a measure code, or ``{measure, role, percent}``."""
    if isinstance(value, str):
        return SheetColumn(sheet, label, value)
    if not isinstance(value, dict) or not value.get("measure"):
        raise CatalogError(f"{where}: column '{label}': expected a measure code or {{measure: ..., role: ...}}")
    unknown = set(value) - {"measure", "role", "percent"}
    if unknown:
        raise CatalogError(f"{where}: column '{label}': unknown field(s) {sorted(unknown)}")
    role, percent = value.get("role", "primary"), value.get("percent", "auto")
    if role not in ROLES:
        raise CatalogError(f"{where}: column '{label}': role '{role}', expected one of {ROLES}")
    if percent not in PERCENT_MODES:
        raise CatalogError(f"{where}: column '{label}': percent '{percent}', expected one of {PERCENT_MODES}")
    return SheetColumn(sheet, label, str(value["measure"]), role, percent)


def parse_sheet_columns(kind: str, spec: dict[str, Any], where: str) -> list[SheetColumn]:
    """The mapped columns of a survey source's spec, validated (errors name ``where``)."""
    if kind == "survey_index":  # its adapter reads plain label -> measure code pairs only
        columns = spec.get("columns") or {}
        for label, v in columns.items():
            if not isinstance(v, str):
                raise CatalogError(f"{where}: column '{label}': survey_index maps a label to a measure code "
                                   "(roles and percent need kind survey_workbook)")
        return [SheetColumn("", label, v) for label, v in columns.items()]
    sheets = spec.get("sheets")
    if not isinstance(sheets, list) or not sheets:
        raise CatalogError(f"{where}: field 'sheets' must list at least one sheet")
    out: list[SheetColumn] = []
    for i, sheet in enumerate(sheets):
        if not isinstance(sheet, dict) or not sheet.get("sheet") or not isinstance(sheet.get("columns"), dict):
            raise CatalogError(f"{where}: sheets[{i}]: needs 'sheet' and a 'columns' mapping")
        here = f"{where}: sheets[{i}]"
        out += [_sheet_column(sheet["sheet"], label, v, here) for label, v in sheet["columns"].items()]
    return out


@dataclass(frozen=True)
class Source:
    source_id: str
    kind: str
    agency: str
    title: str
    format: str
    file_pattern: str
    spec: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    # Set when the entry's kind-specific keys are invalid: the source is disabled (files quarantined, no values).
    spec_error: str | None = None

    def measures(self) -> list[str]:
        """Measure codes this source supplies, in the order its spec lists them (none when disabled)."""
        if self.spec_error:
            return []
        if self.kind == "yearbook":
            return [t["measure"] for t in self.spec["tables"]]
        if self.kind in ("survey_index", "survey_workbook"):
            return [c.measure for c in self.sheet_columns() if c.role == "primary"]
        if self.kind == "record_list":
            cats = self.spec.get("categories")
            return list(cats.values()) if cats else [self.spec["measure"]]
        if self.kind == "microdata":
            return list(self.spec["measures"])
        return []  # agency submissions: the measures whose source_id is this source

    def cross_check_measures(self) -> list[str]:
        """Measures of other sources this source re-reads as cross-checks (never used where a primary exists)."""
        return [c.measure for c in self.sheet_columns() if c.role == "cross_check"]

    def sheet_columns(self) -> list[SheetColumn]:
        """Mapped columns of a survey source (sheet, header label, measure, role); empty for other kinds."""
        if self.kind not in ("survey_index", "survey_workbook") or self.spec_error:
            return []
        return parse_sheet_columns(self.kind, self.spec, f"sources.yaml: source '{self.source_id}'")

    def column_measures(self) -> dict[str, str]:
        """Header label -> measure code of the primary columns (what the sample generator models)."""
        return {c.label: c.measure for c in self.sheet_columns() if c.role == "primary"}

    def path_for(self, year: int) -> str:
        return self.file_pattern.format(year=year)


def _opt_float(text: str) -> float | None:
    return float(text) if text.strip() else None


@cache
def load_measures(path: Path = REFERENCE_DIR / "measures.csv") -> dict[str, Measure]:
    required = ("measure_code", "unit", "source_id", "aggregation")
    out: dict[str, Measure] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for line_no, row in enumerate(csv.DictReader(f), start=2):
            for col in required:
                if not (row.get(col) or "").strip():
                    raise CatalogError(f"{path.name}: row {line_no}: field '{col}' is empty")
            code = row["measure_code"]
            if code in out:
                raise CatalogError(f"{path.name}: row {line_no}: duplicate measure_code '{code}'")
            if row["aggregation"] not in AGGREGATIONS:
                raise CatalogError(
                    f"{path.name}: row {line_no}: field 'aggregation' is '{row['aggregation']}', "
                    f"expected one of {AGGREGATIONS}"
                )
            if row["aggregation"] == "weighted_mean" and not row["weight_measure"]:
                raise CatalogError(f"{path.name}: row {line_no}: weighted_mean needs 'weight_measure'")
            out[code] = Measure(
                code=code, name_vi=row["name_vi"], name_en=row["name_en"], unit=row["unit"], kind=row["kind"],
                source_id=row["source_id"], aggregation=row["aggregation"],
                weight_measure=row["weight_measure"] or None,
                min_value=_opt_float(row["min_value"]), max_value=_opt_float(row["max_value"]), note=row["note"],
            )
    for m in out.values():
        if m.weight_measure and m.weight_measure not in out:
            raise CatalogError(f"{path.name}: measure '{m.code}': weight_measure '{m.weight_measure}' is not a measure")
    return out


COMMON_KEYS = ("source_id", "kind", "agency", "title", "format", "file_pattern")


def read_register(path: Path) -> list[dict[str, Any]]:
    """The entries of sources.yaml; YAML syntax and the top-level shape are checked (errors fail the load)."""
    try:
        doc = yaml_io.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path.name}: not valid UTF-8 YAML: {exc}") from exc
    problem = document_problem(doc)
    if problem:
        raise CatalogError(f"{path.name}: {problem}")
    return doc["sources"]


def _source(entry: dict[str, Any], error: str | None) -> Source:
    return Source(
        source_id=entry["source_id"], kind=str(entry.get("kind", "")), agency=str(entry.get("agency", "")),
        title=str(entry.get("title", "")), format=entry["format"], file_pattern=entry["file_pattern"],
        spec={k: v for k, v in entry.items() if k not in COMMON_KEYS}, spec_error=error,
    )


@cache
def load_sources(path: Path = REFERENCE_DIR / "sources.yaml", measures_path: Path | None = None) -> dict[str, Source]:
    """The source register, checked against the measure catalog (``measures_path``, default measures.csv).

    Raises CatalogError for what no single source can absorb; an entry invalid in its kind-specific keys
    comes back with ``spec_error`` set (the source is disabled, the others are unaffected).
    """
    measures = load_measures() if measures_path is None else load_measures(measures_path)
    out: dict[str, Source] = {}
    index: dict[str, int] = {}
    for i, entry in enumerate(read_register(path)):
        sid = entry.get("source_id") if isinstance(entry, dict) else None
        where = f"{path.name}: sources[{i}]" + (f" (source '{sid}')" if isinstance(sid, str) else "")
        problem = register_problem(entry)
        if problem:
            raise CatalogError(f"{where}: {problem}")
        if sid in out:
            raise CatalogError(f"{where}: field 'source_id': '{sid}' is already used by sources[{index[sid]}]")
        if ".." in Path(entry["file_pattern"]).parts or entry["file_pattern"].startswith("/"):
            raise CatalogError(f"{where}: field 'file_pattern' must stay inside the landing folder")
        problem = _entry_problem(entry, measures)
        index[sid] = i
        out[sid] = _source(entry, f"{path.name}: source '{sid}': {problem}" if problem else None)
    for m in measures.values():
        if m.source_id not in out:
            raise CatalogError(f"measures.csv: measure '{m.code}': source_id '{m.source_id}' is not in {path.name}")
    return out


def revalidated(source: Source, measures: dict[str, Measure] | None = None) -> Source:
    """``source`` with ``spec_error`` set from its current kind and spec (for a source built in code or a test)."""
    entry = {"source_id": source.source_id, "kind": source.kind, "agency": source.agency, "title": source.title,
             "format": source.format, "file_pattern": source.file_pattern, **source.spec}
    problem = register_problem(entry) or _entry_problem(entry, load_measures() if measures is None else measures)
    return replace(source, spec_error=f"sources.yaml: source '{source.source_id}': {problem}" if problem else None)


def _entry_problem(entry: dict[str, Any], measures: dict[str, Measure]) -> str | None:
    """Why the kind-specific part of an entry disables its source, or None."""
    problem = kind_problem(entry) or _measure_problem(entry, measures)
    return problem or _role_problem(_source(entry, None), measures)


def _measure_problem(entry: dict[str, Any], measures: dict[str, Measure]) -> str | None:
    """Every measure the entry names exists, once."""
    seen: dict[str, str] = {}
    for where, code in named_measures(entry):
        if code not in measures:
            return f"field '{where}' names unknown measure '{code}' (not in measures.csv)"
        if code in seen:
            return f"field '{where}' names measure '{code}' more than once (also '{seen[code]}')"
        seen[code] = where
    return None


def _role_problem(s: Source, measures: dict[str, Measure]) -> str | None:
    """Each measure comes from exactly one primary source: the source that measures.csv names.

    A source may also name another source's measure when it marks it ``role: cross_check``.
    """
    foreign = [c for c in s.measures() if measures[c].source_id != s.source_id]
    own = [c for c in s.cross_check_measures() if measures[c].source_id == s.source_id]
    if foreign:
        return (f"supplies '{foreign[0]}' but measures.csv says source_id '{measures[foreign[0]].source_id}' "
                "(mark the column 'role: cross_check' if this source only cross-checks it)")
    if own:
        return f"marks '{own[0]}' as a cross_check but is its primary source"
    return None


def measures_of_source(source_id: str) -> list[Measure]:
    """The measures a source supplies, in catalog order."""
    return [m for m in load_measures().values() if m.source_id == source_id]
