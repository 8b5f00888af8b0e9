"""The base-measure catalog (reference/measures.csv) and the source register (reference/sources.yaml).

Both are validated on load: a broken file fails with a message naming the file, the row or entry and the field.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from pii.paths import REFERENCE_DIR

AGGREGATIONS = ("sum", "weighted_mean", "not_additive")
SOURCE_KINDS = ("yearbook", "survey_index", "survey_workbook", "agency_submission", "record_list")
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

    def measures(self) -> list[str]:
        """Measure codes this source supplies, in the order its spec lists them."""
        if self.kind == "yearbook":
            return [t["measure"] for t in self.spec["tables"]]
        if self.kind in ("survey_index", "survey_workbook"):
            return [c.measure for c in self.sheet_columns() if c.role == "primary"]
        if self.kind == "record_list":
            cats = self.spec.get("categories")
            return list(cats.values()) if cats else [self.spec["measure"]]
        return []  # agency submissions: the measures whose source_id is this source

    def cross_check_measures(self) -> list[str]:
        """Measures of other sources this source re-reads as cross-checks (never used where a primary exists)."""
        return [c.measure for c in self.sheet_columns() if c.role == "cross_check"]

    def sheet_columns(self) -> list[SheetColumn]:
        """Mapped columns of a survey source (sheet, header label, measure, role); empty for other kinds."""
        if self.kind not in ("survey_index", "survey_workbook"):
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


@cache
def load_sources(path: Path = REFERENCE_DIR / "sources.yaml", measures_path: Path | None = None) -> dict[str, Source]:
    """The source register, checked against the measure catalog (``measures_path``, default measures.csv)."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: dict[str, Source] = {}
    for i, entry in enumerate(doc.get("sources", [])):
        where = f"{path.name}: sources[{i}]"
        for key in ("source_id", "kind", "agency", "format", "file_pattern"):
            if not entry.get(key):
                raise CatalogError(f"{where}: field '{key}' is missing")
        if entry["kind"] not in SOURCE_KINDS:
            raise CatalogError(f"{where}: field 'kind' is '{entry['kind']}', expected one of {SOURCE_KINDS}")
        if ".." in Path(entry["file_pattern"]).parts or entry["file_pattern"].startswith("/"):
            raise CatalogError(f"{where}: field 'file_pattern' must stay inside the landing folder")
        common = ("source_id", "kind", "agency", "title", "format", "file_pattern")
        spec = {k: v for k, v in entry.items() if k not in common}
        if entry["kind"] in ("survey_index", "survey_workbook"):
            parse_sheet_columns(entry["kind"], spec, f"{where} ({entry['source_id']})")
        out[entry["source_id"]] = Source(
            source_id=entry["source_id"], kind=entry["kind"], agency=entry["agency"], title=entry.get("title", ""),
            format=entry["format"], file_pattern=entry["file_pattern"], spec=spec,
        )
    _check_coverage(out, load_measures() if measures_path is None else load_measures(measures_path), path)
    return out


def _check_coverage(sources: dict[str, Source], measures: dict[str, Measure], path: Path) -> None:
    """Each measure comes from exactly one primary source, and every measure a source names exists.

    A source may also name another source's measure when it marks it ``role: cross_check``.
    """
    for s in sources.values():
        named = s.measures() + s.cross_check_measures()
        for code in named:
            if code not in measures:
                raise CatalogError(f"{path.name}: source '{s.source_id}' names unknown measure '{code}'")
            if named.count(code) > 1:
                raise CatalogError(f"{path.name}: source '{s.source_id}' names measure '{code}' more than once")
        for code in s.measures():
            if measures[code].source_id != s.source_id:
                raise CatalogError(
                    f"{path.name}: source '{s.source_id}' supplies '{code}' but measures.csv says "
                    f"source_id '{measures[code].source_id}' (mark the column 'role: cross_check' if this "
                    "source only cross-checks it)"
                )
        for code in s.cross_check_measures():
            if measures[code].source_id == s.source_id:
                raise CatalogError(
                    f"{path.name}: source '{s.source_id}' marks '{code}' as a cross_check but is its primary source"
                )
    for m in measures.values():
        if m.source_id not in sources:
            raise CatalogError(f"measures.csv: measure '{m.code}': source_id '{m.source_id}' is not in {path.name}")


def measures_of_source(source_id: str) -> list[Measure]:
    """The measures a source supplies, in catalog order."""
    return [m for m in load_measures().values() if m.source_id == source_id]
