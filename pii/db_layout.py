"""The column layout of a warehouse table: what an asset checks before it appends to a table an older version
of the code may have built with other columns (it drops such a table and builds it again, never fails on insert)."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb


def table_columns(conn: duckdb.DuckDBPyConnection, table: str) -> tuple[str, ...]:
    """Column names of ``schema.table`` in order; () when the table does not exist."""
    schema, name = table.split(".")
    return tuple(c for (c,) in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
        "ORDER BY ordinal_position", [schema, name]).fetchall())


def drop_if_layout_differs(conn: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str]) -> bool:
    """Drop ``table`` when it exists with other columns than ``columns``; True when it was dropped."""
    existing = table_columns(conn, table)
    if existing and existing != tuple(columns):
        conn.execute(f"DROP TABLE {table}")
        return True
    return False
