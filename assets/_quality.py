"""Quality checks as Dagster asset checks, every outcome also recorded in ``meta.dq_results``.

Checks run inside the step of the asset they check (``check_specs`` on the asset), so a blocking failure
stops downstream assets in the same run, and every result is in the warehouse before it is published.
GX suites (expectations/<schema>.<table>.json) become one check per expectation, named by ``meta.id``.
"""

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

import dagster as dg
import duckdb

from pii.quality import gx_worker
from pii.quality.gx_suite import Suite, load_suite, suite_path

DQ_DDL = """
CREATE TABLE IF NOT EXISTS meta.dq_results (
    run_id VARCHAR, checked_at TIMESTAMP WITH TIME ZONE, table_name VARCHAR, check_name VARCHAR, kind VARCHAR,
    severity VARCHAR, passed BOOLEAN, unexpected_count BIGINT, element_count BIGINT, examples VARCHAR,
    description VARCHAR
)"""
SEVERITY = {"critical": dg.AssetCheckSeverity.ERROR, "warning": dg.AssetCheckSeverity.WARN}


def spec(table: str, name: str, severity: str, description: str) -> dg.AssetCheckSpec:
    """A check on ``table``; critical checks block downstream assets."""
    return dg.AssetCheckSpec(name, asset=table.split("."), blocking=severity == "critical",
                             description=f"[{severity}] {description}")


def record(
    conn: duckdb.DuckDBPyConnection, run_id: str, table: str, check: str, kind: str, severity: str, passed: bool,
    unexpected: int, elements: int, examples: Any, description: str,
) -> None:
    conn.execute(DQ_DDL)
    if isinstance(examples, list):
        examples = examples[:20]  # a sample is enough; the check's table holds the full list
    conn.execute(
        "INSERT INTO meta.dq_results VALUES (?, now(), ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, table, check, kind, severity, passed, unexpected, elements,
         json.dumps(examples, ensure_ascii=False, default=str), description],
    )


def result(
    conn: duckdb.DuckDBPyConnection, run_id: str, table: str, check: str, severity: str, passed: bool,
    description: str, unexpected: int = 0, examples: Any = None, metadata: dict[str, Any] | None = None,
) -> dg.AssetCheckResult:
    """Record a custom check's outcome and return it for Dagster."""
    record(conn, run_id, table, check, "custom", severity, passed, unexpected, 0, examples or [], description)
    meta = {"severity": severity, "unexpected_count": dg.MetadataValue.int(unexpected),
            "examples": dg.MetadataValue.json({"examples": examples or []}), **(metadata or {})}
    return dg.AssetCheckResult(check_name=check, asset_key=table.split("."), passed=passed,
                               severity=SEVERITY[severity], metadata=meta)


@cache  # parsed and guarded once, when definitions load: the run validates with the suite its check specs name
def gx_suite(table: str) -> Suite:
    return load_suite(suite_path(table), types=False)  # GX checks the types in its worker (gx_worker.py)


def gx_specs(table: str) -> list[dg.AssetCheckSpec]:
    """One check per expectation of the table's suite (loaded, and guarded, when definitions load)."""
    return [spec(table, e.id, e.severity, f"GX {e.type}: {e.description}") for e in gx_suite(table).expectations]


def gx_results(conn: duckdb.DuckDBPyConnection, run_id: str, table: str) -> Iterator[dg.AssetCheckResult]:
    suite = gx_suite(table)
    for o in gx_worker.validate(suite, conn.sql(f"SELECT * FROM {table}").to_arrow_table()):
        record(conn, run_id, table, o.id, "gx", o.severity, o.success, o.unexpected_count, o.element_count,
               o.examples, f"{o.type}: {o.description}")
        yield dg.AssetCheckResult(
            check_name=o.id, asset_key=table.split("."), passed=o.success, severity=SEVERITY[o.severity],
            metadata={
                "expectation_type": o.type, "severity": o.severity, "suite": suite.path.name,
                "unexpected_count": dg.MetadataValue.int(o.unexpected_count),
                "element_count": dg.MetadataValue.int(o.element_count),
                "examples": dg.MetadataValue.json({"values": o.examples, "rows": o.example_rows}),
                "observed_value": dg.MetadataValue.json({"value": o.observed}),
            },
        )
