"""What the two floor scripts (floor_duckdb.py, floor_pandas.py) share: the spec, the files, the provinces.

Nothing here computes a value. It reads the source register (reference/sources.yaml, plain YAML) and the
measure catalog (reference/measures.csv, plain CSV) as an analyst would, lists the landing files of each source
from its ``file_pattern``, and resolves the DISTINCT province names of a file with the one pipeline import the
floors allow themselves: ``pii.provinces.ProvinceRegistry`` (the reference loader for provinces.csv,
province_aliases.csv and merger_2025.csv — Vietnamese names, abbreviations and NFD spellings are reference data,
not something a benchmark should re-invent). Everything else is straight DuckDB SQL or pandas in the scripts.
"""

from __future__ import annotations

import csv
import re
import sys
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "reference"
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from pii.provinces import ProvinceRegistry  # noqa: E402  (the one pipeline import: the province reference)

OUTPUT_COLUMNS = ["province_code", "boundary", "year", "measure_code", "value"]
KEY = OUTPUT_COLUMNS[:4]


def boundary_for(year: int) -> str:
    return "p63" if year <= 2024 else "p34"


def fold(text: object) -> str:
    """Compare labels ignoring case, diacritics, Unicode form and spacing (as the spec says labels match)."""
    nfd = unicodedata.normalize("NFD", str(text)).casefold().replace("đ", "d")
    return re.sub(r"\s+", " ", "".join(c for c in nfd if not unicodedata.combining(c))).strip()


def shift(text: str, factor: int | float) -> float:
    """``text`` × ``factor`` computed on the decimal text (1000, 100: a decimal-point shift, exact)."""
    try:
        return float(Decimal(str(text).strip()) * Decimal(str(factor)))
    except InvalidOperation:
        return float("nan")


def load_measures() -> dict[str, dict[str, str]]:
    with (REFERENCE / "measures.csv").open(encoding="utf-8", newline="") as fh:
        return {row["measure_code"]: row for row in csv.DictReader(fh)}


@dataclass
class SourceFiles:
    spec: dict
    files: list[tuple[int, Path]]  # (data year, absolute path), sorted

    @property
    def source_id(self) -> str:
        return self.spec["source_id"]

    @property
    def kind(self) -> str:
        return self.spec.get("kind", "")


def _pattern(file_pattern: str) -> re.Pattern[str]:
    parts = file_pattern.split("{year}")
    return re.compile(r"(\d{4})".join(re.escape(p) for p in parts), re.IGNORECASE)


def load_sources(landing: Path) -> list[SourceFiles]:
    """Every source of sources.yaml with its landing files (one per data year; path years must agree).

    A source that supplies a measure measures.csv gives to another source, without ``role: cross_check``, is
    skipped: the pipeline disables such an entry (``invalid_source_spec``) and stages none of its values.
    """
    register = yaml.safe_load((REFERENCE / "sources.yaml").read_text(encoding="utf-8"))["sources"]
    measures = load_measures()
    rel_files = sorted(p.relative_to(landing).as_posix() for p in landing.rglob("*") if p.is_file())
    out = []
    for spec in register:
        owned = [m for m in supplied_measures(spec) if not m[1]]
        if any(measures.get(code, {}).get("source_id") != spec["source_id"] for code, _ in owned):
            print(f"floor: skipping {spec['source_id']}: measures.csv gives its measures to another source "
                  "(the pipeline disables it)", file=sys.stderr)
            continue
        rx = _pattern(spec["file_pattern"])
        by_year: dict[int, list[str]] = {}
        for rel in rel_files:
            match = rx.fullmatch(rel)
            if match and len(set(match.groups())) == 1:
                by_year.setdefault(int(match.group(1)), []).append(rel)
        files = [(y, landing / rels[0]) for y, rels in sorted(by_year.items()) if len(rels) == 1]
        out.append(SourceFiles(spec, files))
    return out


def supplied_measures(spec: dict) -> list[tuple[str, bool]]:
    """(measure, is_cross_check) for every measure a source entry names."""
    kind = spec.get("kind")
    found: list[tuple[str, bool]] = []
    if kind == "yearbook":
        found = [(t["measure"], False) for t in spec.get("tables", [])]
    elif kind == "survey_index":
        found = [(m, False) for m in spec.get("columns", {}).values()]
    elif kind == "survey_workbook":
        for sheet in spec.get("sheets", []):
            for col in sheet.get("columns", {}).values():
                if isinstance(col, dict):
                    found.append((col["measure"], col.get("role") == "cross_check"))
                else:
                    found.append((col, False))
    elif kind == "record_list":
        found = [(m, False) for m in spec.get("categories", {}).values()] or [(spec.get("measure"), False)]
    elif kind == "microdata":
        found = [(m, False) for m in spec.get("measures", {})]
    return found


class Provinces:
    """Distinct names -> codes, resolved once per (name, year) with the pipeline's province reference."""

    def __init__(self) -> None:
        self.registry = ProvinceRegistry.load()
        self._cache: dict[tuple[str, int], str | None] = {}
        self.codes = {b: {p.code for p in self.registry.provinces(b)} for b in ("p63", "p34")}

    def code(self, name: object, year: int) -> str | None:
        if name is None or (isinstance(name, float) and name != name):
            return None
        key = (str(name), year)
        if key not in self._cache:
            res = self.registry.resolve(str(name), year=year)
            self._cache[key] = res.code if res.ok else None
        return self._cache[key]

    def mapping(self, names, year: int) -> list[tuple[str, str]]:
        """(name, code) for the distinct names that resolve."""
        out = []
        for name in dict.fromkeys(names):
            code = self.code(name, year)
            if code is not None:
                out.append((name, code))
        return out


def filter_sql(text: str | None) -> str:
    """A microdata filter (pii/ingest/microdata_filter.py grammar) as DuckDB SQL: prefix() is left()."""
    if not text:
        return "TRUE"
    return re.sub(r"\bprefix\s*\(", "left(", text, flags=re.IGNORECASE)


def filter_pandas(text: str | None) -> str | None:
    """The same filter as a ``DataFrame.query(engine='python')`` expression."""
    if not text:
        return None
    expr = re.sub(r"\b(?:prefix|left)\s*\(\s*(\w+)\s*,\s*(\d+)\s*\)", r"\1.str.slice(0, \2)", text, flags=re.I)
    operand = r"([\w.]+(?:\([^()]*\))?|'[^']*'|-?\d+(?:\.\d+)?)"
    expr = re.sub(operand + r"\s+NOT\s+BETWEEN\s+" + operand + r"\s+AND\s+" + operand,
                  r"not (\1 >= \2 and \1 <= \3)", expr, flags=re.I)
    expr = re.sub(operand + r"\s+BETWEEN\s+" + operand + r"\s+AND\s+" + operand,
                  r"(\1 >= \2 and \1 <= \3)", expr, flags=re.I)
    expr = re.sub(r"\bNOT\s+IN\b", "not in", expr, flags=re.I)
    expr = re.sub(r"\bIN\s*\(([^()]*)\)", r"in [\1]", expr, flags=re.I)
    expr = re.sub(r"\bAND\b", "and", expr, flags=re.I)
    expr = re.sub(r"\bOR\b", "or", expr, flags=re.I)
    expr = re.sub(r"\bNOT\b", "not", expr, flags=re.I)
    expr = expr.replace("<>", "!=")
    return re.sub(r"(?<![<>!=])=(?!=)", "==", expr)

