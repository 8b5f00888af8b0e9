"""SQL files from sql/<schema>/<table>.sql, resolved from this file (not the working directory)."""

from __future__ import annotations

from functools import cache

from pii.paths import SQL_DIR


@cache
def read_sql(schema: str, table: str) -> str:
    return (SQL_DIR / schema / f"{table}.sql").read_text(encoding="utf-8")
