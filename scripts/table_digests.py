"""A digest of every table of a built warehouse, to prove a change left the outputs as they were.

    python scripts/table_digests.py WAREHOUSE.duckdb                      # print {table: {rows, digest}} as JSON
    python scripts/table_digests.py --write tests/e2e/table_digests.json WAREHOUSE.duckdb
    python scripts/table_digests.py --check tests/e2e/table_digests.json WAREHOUSE.duckdb

A table's digest is the md5 of its rows as text, sorted (rows, not their stored order: a faster plan that stores
the same rows in another order is not a change of output). Doubles are written with 12 significant digits, so a
sum taken in another order (last-bit noise) is not a change either; any real change of a value is. Run logs (run
ids, times) and caches keyed by the code's own fingerprint are left out. ``--check`` fails (exit 1) on a table
whose rows differ or that is missing; a table the stored digests do not know is listed as new and does not fail.
Computed in DuckDB: no row passes through Python.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import duckdb

# Tables that record run ids and times by design (tests/e2e/test_determinism.py leaves out the same ones).
RUN_LOGS = frozenset({"meta.file_versions", "meta.dq_results"})
# Caches keyed by a fingerprint of the code itself: any code change changes them, by design (not an output).
CODE_KEYED = frozenset({"meta.conform_cursor", "meta.engine_cursor"})
FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")


def _row_text(conn: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> str:
    """A SQL expression giving one row of the table as text, columns in declared order."""
    columns = conn.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? "
        "AND table_name = ? ORDER BY column_index", [catalog, schema, table]).fetchall()
    parts = []
    for name, data_type in columns:
        ident = '"' + name.replace('"', '""') + '"'
        text = f"printf('%.12g', {ident})" if data_type.upper() in FLOAT_TYPES else f"CAST({ident} AS VARCHAR)"
        parts.append(f"coalesce({text}, '\u2205')")  # NULL differs from the text 'NULL'
    return "concat_ws(chr(31), " + ", ".join(parts) + ")" if parts else "''"


def table_digests(path: Path) -> dict[str, dict[str, object]]:
    """``{schema.table: {"rows": n, "digest": md5}}`` for every base table of the file but the run logs."""
    conn = duckdb.connect()
    try:
        conn.execute(f"ATTACH '{str(path).replace(chr(39), chr(39) * 2)}' AS wh (READ_ONLY)")
        tables = conn.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'wh' ORDER BY 1, 2"
        ).fetchall()
        out: dict[str, dict[str, object]] = {}
        for schema, table in tables:
            name = f"{schema}.{table}"
            if name in RUN_LOGS or name in CODE_KEYED:
                continue
            row = _row_text(conn, "wh", schema, table)
            rows, digest = conn.execute(
                f'SELECT count(*), md5(coalesce(string_agg(r, chr(10) ORDER BY r), \'\')) '
                f'FROM (SELECT {row} AS r FROM wh."{schema}"."{table}")').fetchone()
            out[name] = {"rows": int(rows), "digest": digest}
        return out
    finally:
        conn.close()


def compare(stored: dict[str, dict[str, object]], built: dict[str, dict[str, object]]) -> tuple[list[str], list[str]]:
    """(problems, notes): tables that differ or are missing; tables that are new."""
    problems = []
    for name, want in sorted(stored.items()):
        got = built.get(name)
        if got is None:
            problems.append(f"{name}: missing from the build")
        elif got != want:
            problems.append(f"{name}: {want['rows']} rows / {want['digest']} stored, "
                            f"{got['rows']} rows / {got['digest']} built")
    notes = [f"{name}: new table (not in the stored digests)" for name in sorted(set(built) - set(stored))]
    return problems, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path, help="a built or published warehouse DuckDB file")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", type=Path, metavar="JSON", help="store the digests in this file")
    action.add_argument("--check", type=Path, metavar="JSON", help="compare with the digests stored in this file")
    args = parser.parse_args(argv)
    built = table_digests(args.warehouse)
    if args.write:
        args.write.write_text(json.dumps(built, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"{len(built)} table digests written to {args.write}")
        return 0
    if args.check:
        problems, notes = compare(json.loads(args.check.read_text(encoding="utf-8")), built)
        for line in (*problems, *notes):
            print(line)
        print(f"{len(problems)} of the stored tables differ" if problems else "every stored table is unchanged")
        return 1 if problems else 0
    print(json.dumps(built, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
