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
SOURCE_KINDS = ("yearbook", "survey_index", "agency_submission", "record_list")


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
        if self.kind == "survey_index":
            return list(self.spec["columns"].values())
        if self.kind == "record_list":
            cats = self.spec.get("categories")
            return list(cats.values()) if cats else [self.spec["measure"]]
        return []  # agency submissions: the measures whose source_id is this source

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
def load_sources(path: Path = REFERENCE_DIR / "sources.yaml") -> dict[str, Source]:
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
        out[entry["source_id"]] = Source(
            source_id=entry["source_id"], kind=entry["kind"], agency=entry["agency"], title=entry.get("title", ""),
            format=entry["format"], file_pattern=entry["file_pattern"], spec=spec,
        )
    _check_coverage(out, load_measures(), path)
    return out


def _check_coverage(sources: dict[str, Source], measures: dict[str, Measure], path: Path) -> None:
    """Each measure comes from exactly one source, and every measure a source names exists."""
    for s in sources.values():
        for code in s.measures():
            if code not in measures:
                raise CatalogError(f"{path.name}: source '{s.source_id}' names unknown measure '{code}'")
            if measures[code].source_id != s.source_id:
                raise CatalogError(
                    f"{path.name}: source '{s.source_id}' supplies '{code}' but measures.csv says "
                    f"source_id '{measures[code].source_id}'"
                )
    for m in measures.values():
        if m.source_id not in sources:
            raise CatalogError(f"measures.csv: measure '{m.code}': source_id '{m.source_id}' is not in {path.name}")


def measures_of_source(source_id: str) -> list[Measure]:
    """The measures a source supplies, in catalog order."""
    return [m for m in load_measures().values() if m.source_id == source_id]
