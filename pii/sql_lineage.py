"""The warehouse tables a SQL text reads, parsed with sqlglot's DuckDB dialect.

Used to derive each SQL asset's upstream assets from the file it runs (assets/_lineage.py), so the asset graph
is the lineage the SQL really has. What counts as a table read:

- every ``schema.table`` in a FROM, JOIN, subquery or CTE body, written ``schema.table`` (lower case; a
  catalog prefix is dropped: the warehouse uses two-part names only);
- not the table a statement creates or writes (CREATE ... AS, INSERT INTO, UPDATE, DELETE, MERGE,
  COPY ... FROM, DROP, TRUNCATE), nor a table or view an earlier statement of the same text created
  (``COPY t TO 'file'`` reads ``t``);
- not a CTE name, a table function (``read_csv(...)``, ``range(...)``, ``glob(...)``), a file read by
  name (``FROM 'data.csv'``), or a system catalog (``information_schema``, ``pg_catalog``).

An unqualified name that is none of these (e.g. a registered DataFrame) is returned as it is, without a
schema, so a caller mapping tables to assets sees it instead of losing it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

DIALECT = "duckdb"
SYSTEM_SCHEMAS = frozenset({"information_schema", "pg_catalog"})
# Statements whose `this` is the table they write (or drop), not one they read; COPY only when it imports.
_WRITES = (exp.Create, exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Drop, exp.TruncateTable)


class SqlLineageError(ValueError):
    """The SQL could not be parsed, so the tables it reads are unknown."""


def tables_read(sql: str) -> tuple[str, ...]:
    """The tables ``sql`` reads: sorted, without duplicates, ``schema.table`` (see the module docstring)."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=DIALECT) if s is not None]
    except ParseError as error:
        raise SqlLineageError(f"cannot parse SQL: {error}") from error
    read: set[str] = set()
    created: set[str] = set()  # by an earlier statement of this text
    for statement in statements:
        ctes = {cte.alias_or_name.lower() for cte in statement.find_all(exp.CTE)}
        targets = _write_targets(statement)
        for table in statement.find_all(exp.Table):
            if id(table) in targets or not isinstance(table.this, exp.Identifier):
                continue  # written, or a table function such as read_csv(...)
            name = _qualified(table)
            if name in created or (not table.db and (name in ctes or _is_file(name))):
                continue
            if table.db.lower() in SYSTEM_SCHEMAS:
                continue
            read.add(name)
        if isinstance(statement, exp.Create):
            created.update(_qualified(t) for t in _target_tables(statement))
    return tuple(sorted(read))


@cache
def file_tables_read(path: Path) -> tuple[str, ...]:
    """:func:`tables_read` of a SQL file; a parse error names the file."""
    try:
        return tables_read(path.read_text(encoding="utf-8"))
    except SqlLineageError as error:
        raise SqlLineageError(f"{path}: {error}") from error


def _qualified(table: exp.Table) -> str:
    return f"{table.db}.{table.name}".lower() if table.db else table.name.lower()


def _is_file(name: str) -> bool:
    """``FROM 'x.csv'`` / ``FROM "dir/*.parquet"``: DuckDB reads the file (a replacement scan)."""
    return any(c in name for c in "./*")


def _target_tables(statement: exp.Expression) -> list[exp.Table]:
    target = statement.this
    if isinstance(target, exp.Table):
        return [target]
    if isinstance(target, exp.Schema) and isinstance(target.this, exp.Table):  # CREATE TABLE t (col type, ...)
        return [target.this]
    return []


def _write_targets(statement: exp.Expression) -> set[int]:
    """Identities of the Table nodes a statement (or a statement nested in it) writes."""
    found: set[int] = set()
    for node in statement.walk():
        if isinstance(node, _WRITES) or (isinstance(node, exp.Copy) and node.args.get("kind")):
            found.update(id(t) for t in _target_tables(node))
        if isinstance(node, exp.Drop | exp.TruncateTable):
            found.update(id(t) for t in node.find_all(exp.Table))
    return found
