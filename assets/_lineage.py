"""Asset deps derived from the SQL file an asset runs, so the asset graph is the lineage the SQL has.

``sql_deps(schema, table)`` parses sql/<schema>/<table>.sql (pii/sql_lineage.py) and maps each table it reads,
``schema.name``, to the asset key ``[schema, name]`` (every warehouse table is an asset under its own key),
except the tables in ``table_writers()``, which several assets write into. ``GATES`` adds the few deps the
SQL does not read. tests/assets/test_sql_lineage.py checks the loaded graph against the SQL files and fails on
a table no asset writes (Dagster itself would only show such a dep as an external asset).
"""

from __future__ import annotations

from functools import cache

import dagster as dg

from pii.paths import SQL_DIR
from pii.sql_lineage import file_tables_read

# table -> {asset it must wait for although its SQL does not read it: why}. Only assets with a blocking
# check belong here: the dep exists so that a failed critical check stops this table (test_sql_lineage.py
# asserts both). Anything else the SQL does not read is not lineage and is not declared.
GATES: dict[str, dict[str, str]] = {
    "core.framework_measure_values": {
        "staging.reconciliation": "totals_reconcile (critical): printed totals the staged values do not reproduce "
                                  "stop every indicator table (tests/e2e/test_quality_gates.py)",
    },
}


@cache
def table_writers() -> dict[str, tuple[str, ...]]:
    """Tables several assets write into, with no asset of their own: table -> the assets writing it."""
    from assets.staging.microdata import microdata_sources  # imported late: assets.staging imports this module

    return {
        # Each microdata source's asset (staging/<source_id>) writes its own rows of this table.
        "staging.microdata_observations": tuple(f"staging.{s.source_id}" for s in microdata_sources()),
    }


def sql_tables(schema: str, table: str) -> tuple[str, ...]:
    """The tables sql/<schema>/<table>.sql reads, other than the one it writes."""
    return tuple(t for t in file_tables_read(SQL_DIR / schema / f"{table}.sql") if t != f"{schema}.{table}")


def upstream_of(schema: str, table: str) -> list[str]:
    """The assets (``schema.name``) upstream of sql/<schema>/<table>.sql: what it reads, mapped, plus its gates."""
    writers = table_writers()
    out: set[str] = set()
    for read in sql_tables(schema, table):
        if "." not in read:
            raise ValueError(f"sql/{schema}/{table}.sql reads {read!r} without a schema: no asset can be upstream")
        out.update(writers.get(read, (read,)))
    out.update(GATES.get(f"{schema}.{table}", {}))
    return sorted(out)


def sql_deps(schema: str, table: str) -> list[dg.AssetKey]:
    """``deps`` for the asset running sql/<schema>/<table>.sql."""
    return [dg.AssetKey(name.split(".")) for name in upstream_of(schema, table)]
