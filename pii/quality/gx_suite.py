"""Great Expectations 1.x suites from JSON files, validated on in-memory frames.

GX's SQL datasource does not work on DuckDB, so tables are read into pandas and validated there.
Two GX behaviours are guarded here: an expectation with a mistyped type is dropped silently by
``ExpectationSuite`` (we build each entry ourselves so it raises, and compare counts), and results come
back in no particular order (we match them by the ``meta.id`` each entry must carry).

Value sets that reference/ owns (measure codes, province codes per boundary …) are never written into a
suite: the suite says ``{"$PARAMETER": "measure_codes"}`` and :func:`validate` supplies the values from
reference/ (pii/quality/reference_sets.py). A parameter the pipeline does not know fails the load.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pii.paths import EXPECTATIONS_DIR
from pii.quality.reference_sets import PARAMETER_NAMES, reference_parameters

if TYPE_CHECKING:  # pandas only where GX runs (the worker, tests): the run's process never imports it
    import pandas as pd
    import pyarrow as pa

SEVERITIES = ("critical", "warning")


class SuiteError(ValueError):
    """A suite file is malformed; the message names the file and the expectation."""


@dataclass(frozen=True)
class ExpectationSpec:
    id: str
    type: str
    kwargs: dict[str, Any]
    severity: str
    description: str


@dataclass(frozen=True)
class Suite:
    name: str
    path: Path
    expectations: tuple[ExpectationSpec, ...]


@dataclass(frozen=True)
class ExpectationOutcome:
    id: str
    type: str
    severity: str
    description: str
    success: bool
    unexpected_count: int
    element_count: int
    examples: list[Any]
    example_rows: list[Any]
    observed: Any


def suite_path(table: str) -> Path:
    return EXPECTATIONS_DIR / f"{table}.json"


def parameters_used(value: Any) -> set[str]:
    """Names of the ``{"$PARAMETER": name}`` placeholders anywhere in ``value``."""
    if isinstance(value, dict):
        if set(value) == {"$PARAMETER"}:
            return {str(value["$PARAMETER"])}
        return set().union(*(parameters_used(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(parameters_used(v) for v in value))
    return set()


def load_suite(path: Path, types: bool = True) -> Suite:
    """Parse and check a suite file: every expectation has a unique id, a severity, only suite parameters that
    reference/ supplies and, unless ``types`` is False, a type GX knows with valid kwargs (:func:`check_types`,
    which imports GX: the definitions load suites without it and the validation worker checks the types)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SuiteError(f"{path.name}: not valid JSON: {exc}") from exc
    if doc.get("name") != path.stem:
        raise SuiteError(f"{path.name}: field 'name' is {doc.get('name')!r}, expected {path.stem!r}")
    specs: list[ExpectationSpec] = []
    for i, entry in enumerate(doc.get("expectations", [])):
        meta = entry.get("meta", {})
        where = f"{path.name}: expectations[{i}]"
        if not meta.get("id"):
            raise SuiteError(f"{where}: field 'meta.id' is missing")
        if meta.get("severity") not in SEVERITIES:
            raise SuiteError(f"{where} ({meta['id']}): field 'meta.severity' must be one of {SEVERITIES}")
        unknown = parameters_used(entry.get("kwargs", {})) - set(PARAMETER_NAMES)
        if unknown:
            raise SuiteError(f"{where} ({meta['id']}): unknown suite parameter(s) {sorted(unknown)}; "
                             f"reference/ supplies {sorted(PARAMETER_NAMES)}")
        if not isinstance(entry.get("type"), str):
            raise SuiteError(f"{where} ({meta['id']}): field 'type' {entry.get('type')!r} is not a GX expectation")
        specs.append(ExpectationSpec(meta["id"], entry["type"], entry.get("kwargs", {}), meta["severity"],
                                     meta.get("description", "")))
    ids = [s.id for s in specs]
    if len(set(ids)) != len(ids):
        raise SuiteError(f"{path.name}: duplicate meta.id values")
    if len(specs) != len(doc.get("expectations", [])):
        raise SuiteError(f"{path.name}: built {len(specs)} expectations from {len(doc['expectations'])} entries")
    suite = Suite(doc["name"], path, tuple(specs))
    if types:
        check_types(suite)
    return suite


def check_types(suite: Suite) -> None:
    """Every expectation of ``suite`` has a type GX knows and kwargs GX accepts (GX would drop a mistyped one)."""
    _gx_expectations(suite)


def _gx_expectations(suite: Suite) -> list[Any]:
    """GX's expectation objects of ``suite`` (``meta.id`` kept); a type or kwargs GX rejects is a SuiteError
    naming the file and expectation."""
    from great_expectations.exceptions import ExpectationNotFoundError
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    built = []
    for i, spec in enumerate(suite.expectations):
        where = f"{suite.path.name}: expectations[{i}] ({spec.id})"
        try:
            built.append(ExpectationConfiguration(type=spec.type, kwargs=spec.kwargs,
                                                  meta={"id": spec.id}).to_domain_obj())
        except ExpectationNotFoundError as exc:
            raise SuiteError(f"{where}: field 'type' {spec.type!r} is not a GX expectation") from exc
        except Exception as exc:  # invalid kwargs surface as pydantic errors
            raise SuiteError(f"{where}: invalid kwargs: {exc}") from exc
    return built


@cache
def gx_context() -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    import pii.quality.gx_metrics  # noqa: F401  (registers the vectorised column-pair metric over GX's row loop)

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    return ctx


def pandas_frame(table: pa.Table) -> pd.DataFrame:
    """The pandas frame GX validates: DuckDB's conversion of the Arrow table (the frame ``relation.df()`` gives),
    indexed by ``table_row`` (the row's position, which failing examples name)."""
    import duckdb

    frame = duckdb.from_arrow(table).df()
    frame.index.name = "table_row"
    return frame


def validate(suite: Suite, frame: pd.DataFrame) -> list[ExpectationOutcome]:
    """Run every expectation of ``suite`` on ``frame``; outcomes in suite order. A type or kwargs GX rejects is a
    SuiteError naming the file and expectation (suites loaded with ``types=False`` are checked here)."""
    import great_expectations as gx

    expectations = _gx_expectations(suite)
    ctx = gx_context()
    name = f"{suite.name}-{id(frame)}"
    datasource = ctx.data_sources.add_or_update_pandas(name)
    batch_def = datasource.add_dataframe_asset("frame").add_batch_definition_whole_dataframe("all")
    batch = batch_def.get_batch(batch_parameters={"dataframe": frame})
    gx_suite = gx.ExpectationSuite(name=name)
    for expectation in expectations:
        gx_suite.add_expectation(expectation)
    if len(gx_suite.expectations) != len(suite.expectations):
        raise SuiteError(f"{suite.path.name}: GX kept {len(gx_suite.expectations)} of {len(suite.expectations)}")
    result = batch.validate(gx_suite, result_format="SUMMARY", expectation_parameters=reference_parameters())
    ctx.data_sources.delete(name)
    by_id = {r.expectation_config.meta["id"]: r for r in result.results}
    outcomes = []
    for spec in suite.expectations:
        r = by_id[spec.id]
        res = r.result or {}
        outcomes.append(ExpectationOutcome(
            id=spec.id, type=spec.type, severity=spec.severity, description=spec.description, success=bool(r.success),
            unexpected_count=int(res.get("unexpected_count") or 0), element_count=int(res.get("element_count") or 0),
            examples=_plain(res.get("partial_unexpected_list") or [])[:10],
            example_rows=_plain(res.get("partial_unexpected_index_list") or [])[:10],
            observed=_plain(res.get("observed_value")),
        ))
    return outcomes


def _plain(value: Any) -> Any:
    """JSON-safe copies of GX result values (numpy scalars, NaN)."""
    return json.loads(json.dumps(value, default=str).replace("NaN", "null"))
