"""Writing to DuckDB and describing what was written, shared by every asset."""

from __future__ import annotations

from typing import Any

import dagster as dg
import duckdb
import polars as pl

from assets._sql import read_sql

SCHEMAS = ("raw", "staging", "core", "quarantine", "meta")
PREVIEW_ROWS = 10


def ensure_schemas(conn: duckdb.DuckDBPyConnection) -> None:
    for schema in SCHEMAS:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")


def write_frame(conn: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, order_by: list[str]) -> None:
    """Replace ``table`` with ``frame`` in a fixed row order, so reruns give identical tables."""
    ensure_schemas(conn)
    arrow = frame.sort(order_by, nulls_last=True, maintain_order=True).to_arrow()
    conn.register("_frame", arrow)
    try:
        conn.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _frame")
    finally:
        conn.unregister("_frame")


def run_sql(conn: duckdb.DuckDBPyConnection, schema: str, table: str, params: dict[str, Any] | None = None) -> None:
    """Run sql/<schema>/<table>.sql (one CREATE OR REPLACE TABLE statement) with bound parameters."""
    ensure_schemas(conn)
    sql = read_sql(schema, table)
    # Bind only the parameters the file names: DuckDB rejects unused named parameters.
    bound = {k: v for k, v in (params or {}).items() if f"${k}" in sql}
    conn.execute(sql, bound)


def table_metadata(conn: duckdb.DuckDBPyConnection, table: str) -> dict[str, Any]:
    """Row count, column schema and a preview, recorded on every materialization."""
    schema, name = table.split(".")
    columns = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position", [schema, name],
    ).fetchall()
    count = conn.execute(f"SELECT count(*) FROM {table}").fetchall()[0]
    preview = conn.sql(f"SELECT * FROM {table} LIMIT {PREVIEW_ROWS}").pl()
    return {
        "dagster/row_count": dg.MetadataValue.int(int(count[0]) if count else 0),
        "dagster/column_schema": dg.TableSchema(
            columns=[dg.TableColumn(name=c, type=t) for c, t in columns]
        ),
        "table": dg.MetadataValue.text(table),
        "preview": dg.MetadataValue.md(_markdown(preview)),
    }


def _markdown(frame: pl.DataFrame) -> str:
    if frame.is_empty():
        return "(empty)"
    shown = frame.select(frame.columns[:12])
    head = "| " + " | ".join(shown.columns) + " |"
    rule = "|" + "---|" * len(shown.columns)
    body = ["| " + " | ".join("" if v is None else str(v)[:40] for v in row) + " |" for row in shown.iter_rows()]
    return "\n".join([head, rule, *body])
