"""Great Expectations suites (expectations/<schema>.<table>.json) as Dagster asset checks.

Each expectation becomes its own check, named by its ``meta.id``; critical ones block downstream assets.
The suite file is loaded (and guarded against silently dropped expectations) when definitions load, so a
broken suite fails loudly before any run starts.
"""


from collections.abc import Iterator

import dagster as dg
from dagster_duckdb import DuckDBResource

from pii.quality.gx_suite import load_suite, suite_path, validate


def gx_checks(table: str) -> dg.AssetChecksDefinition:
    suite = load_suite(suite_path(table))
    key = dg.AssetKey(table.split("."))
    specs = [
        dg.AssetCheckSpec(e.id, asset=key, blocking=e.severity == "critical",
                          description=f"[GX {e.severity}] {e.type}: {e.description}")
        for e in suite.expectations
    ]

    @dg.multi_asset_check(specs=specs, name=f"gx_{table.replace('.', '__')}", can_subset=False)
    def _checks(context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource) -> Iterator[dg.AssetCheckResult]:
        with duckdb.get_connection() as conn:
            frame = conn.sql(f"SELECT * FROM {table}").df()
        frame.index.name = "table_row"
        for o in validate(suite, frame):
            yield dg.AssetCheckResult(
                check_name=o.id, asset_key=key, passed=o.success,
                severity=dg.AssetCheckSeverity.ERROR if o.severity == "critical" else dg.AssetCheckSeverity.WARN,
                metadata={
                    "expectation_type": o.type, "severity": o.severity,
                    "unexpected_count": dg.MetadataValue.int(o.unexpected_count),
                    "element_count": dg.MetadataValue.int(o.element_count),
                    "examples": dg.MetadataValue.json(o.examples),
                    "example_rows": dg.MetadataValue.json(o.example_rows),
                    "observed_value": dg.MetadataValue.json({"value": o.observed}),
                    "suite": str(suite.path.name),
                },
            )

    return _checks
