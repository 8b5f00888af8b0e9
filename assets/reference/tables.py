"""Reference data and the framework, loaded (and validated) from reference/ into ``meta`` tables.

One asset per table, all built by one factory: the table list below is the only thing to edit.
"""


from collections.abc import Callable
from dataclasses import asdict

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from assets._warehouse import table_metadata, write_frame
from pii.catalog import load_measures, load_sources
from pii.framework.loader import framework_years, load_framework
from pii.framework.tables import framework_frames
from pii.paths import REFERENCE_DIR

GROUP = "reference"


def _csv(name: str) -> pl.DataFrame:
    return pl.read_csv(REFERENCE_DIR / name, infer_schema=False)


def _provinces() -> pl.DataFrame:
    return _csv("provinces.csv").rename({"code": "province_code"})


def _measures() -> pl.DataFrame:
    rows = [asdict(m) for m in load_measures().values()]
    return pl.DataFrame(rows).rename({"code": "measure_code"})


def _sources() -> pl.DataFrame:
    rows = [{"source_id": s.source_id, "kind": s.kind, "agency": s.agency, "format": s.format,
             "file_pattern": s.file_pattern, "title": s.title, "spec_error": s.spec_error}
            for s in load_sources().values()]
    return pl.DataFrame(rows, schema_overrides={"spec_error": pl.String})


def _framework(table: str) -> Callable[[], pl.DataFrame]:
    return lambda: framework_frames([load_framework(y) for y in framework_years()])[table]


# table -> (builder, sort key, description)
TABLES: dict[str, tuple[Callable[[], pl.DataFrame], list[str], str]] = {
    "provinces": (_provinces, ["boundary", "province_code"],
                  "The 63 provinces (boundary p63, to 30 June 2025) and the 34 (p34, from 1 July 2025)."),
    "province_crosswalk": (lambda: _csv("merger_2025.csv"), ["old_code"],
                           "1 July 2025 merger: each of the 63 old provinces maps to one of the 34."),
    "province_aliases": (lambda: _csv("province_aliases.csv"), ["boundary", "code", "alias"],
                         "Province names as they appear in real files, with the code they resolve to."),
    "agencies": (lambda: _csv("agencies.csv"), ["agency_code"], "Supplying agencies and their 2025 successors."),
    "measures": (_measures, ["measure_code"], "Base-measure catalog: unit, source and aggregation over provinces."),
    "sources": (_sources, ["source_id"], "Source register: every landing-file family, its adapter kind, and why "
                "it is disabled (spec_error) when its entry is invalid."),
    "framework_indicators": (_framework("framework_indicators"), ["framework_year", "indicator_code"],
                             "PII indicators per framework year, with formula, weight, direction and provenance."),
    "framework_nodes": (_framework("framework_nodes"), ["framework_year", "level", "code"],
                        "Aggregation tree per framework year: sub-pillars, pillars, sub-indices."),
    "framework_formula_terms": (_framework("framework_formula_terms"),
                                ["framework_year", "indicator_code", "role", "measure_code", "year"],
                                "(measure, year) pairs each indicator reads, as numerator or denominator."),
}


def _build(table: str, builder: Callable[[], pl.DataFrame], order: list[str], description: str) -> dg.AssetsDefinition:
    @dg.asset(key=["meta", table], group_name=GROUP, kinds={"duckdb"}, description=description)
    def _asset(duckdb: DuckDBResource) -> dg.MaterializeResult:
        frame = builder()
        with duckdb.get_connection() as conn:
            write_frame(conn, f"meta.{table}", frame, order)
            return dg.MaterializeResult(metadata=table_metadata(conn, f"meta.{table}"))

    return _asset


reference_assets = [_build(t, *spec) for t, spec in TABLES.items()]
