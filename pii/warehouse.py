"""Open the published warehouse for reading.

The published file is ``warehouse/pii_warehouse.duckdb``: DuckDB names the catalog after the file, and
``pii_warehouse`` is no schema name, so a plain ``duckdb.connect(path, read_only=True)`` (or ``duckdb -readonly``)
resolves ``pii.scores``, ``core.pii_input`` … as written (pii/paths.py refuses a file named like a schema).
:func:`connect_readonly` is a convenience that attaches the file as ``warehouse`` whatever it is called.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb
import polars as pl

from pii.errors import UsageError, one_line

CATALOG = "warehouse"
T = TypeVar("T")


def connect_readonly(path: str | Path) -> duckdb.DuckDBPyConnection:
    """An in-memory connection with the warehouse file attached read-only as ``warehouse`` and in use."""
    file = Path(path)
    if not file.exists():
        raise FileNotFoundError(f"no warehouse at {file}")
    conn = duckdb.connect()
    try:
        literal = str(file).replace("'", "''")
        conn.execute(f"ATTACH '{literal}' AS {CATALOG} (READ_ONLY)")
        conn.execute(f"USE {CATALOG}")
    except Exception:
        conn.close()
        raise
    return conn


def open_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    """:func:`connect_readonly` for the command line: a missing or unreadable warehouse is a UsageError."""
    if not path.exists():
        raise UsageError(f"no warehouse at {path}: run `pii materialize` first")
    try:
        return connect_readonly(path)
    except duckdb.Error as exc:
        raise UsageError(f"cannot open the warehouse {path}: {one_line(str(exc))}") from None


def lookup(conn: duckdb.DuckDBPyConnection, path: Path, query: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    """Run ``query``; a table missing from the warehouse (an old or partial build) is a UsageError."""
    try:
        return query(conn)
    except duckdb.CatalogException as exc:
        raise UsageError(f"the warehouse {path} lacks a table this command reads ({one_line(str(exc))}): "
                         "run `pii materialize` to rebuild it") from None


def framework_boundary(conn: duckdb.DuckDBPyConnection, year: int) -> str:
    """The province boundary of a framework year (p63 or p34), from meta.framework_indicators."""
    rows = conn.execute("SELECT DISTINCT boundary FROM meta.framework_indicators WHERE framework_year = ?",
                        [year]).fetchall()
    if not rows:
        years = [r[0] for r in conn.execute(
            "SELECT DISTINCT framework_year FROM meta.framework_indicators ORDER BY 1").fetchall()]
        raise UsageError(f"--year {year}: the warehouse has no PII {year} (it has {', '.join(map(str, years))}): "
                         "run `pii materialize`")
    return str(rows[0][0])


def province_whatif(conn: duckdb.DuckDBPyConnection, year: int, province_code: str) -> pl.DataFrame:
    """pii.whatif rows of one province and year with indicator names, best points_per_unit first."""
    return conn.sql("""
        SELECT w.indicator_code, i.name_en AS indicator, w.direction, w.current_value, w.points_per_unit,
               w.gain_1_rank, w.gain_3_ranks, w.gain_5_ranks, w.current_rank
        FROM pii.whatif w
        JOIN meta.framework_indicators i USING (framework_year, indicator_code)
        WHERE w.framework_year = ? AND w.province_code = ?
        ORDER BY w.points_per_unit DESC NULLS LAST, w.indicator_code
    """, params=[year, province_code]).pl()


def province_index(conn: duckdb.DuckDBPyConnection, year: int, province_code: str) -> dict[str, object] | None:
    """The province's PII score and rank, and how many provinces were ranked."""
    row = conn.execute("""
        SELECT s.score, s.rank, (SELECT count(rank) FROM pii.scores
                                 WHERE framework_year = s.framework_year AND code = s.code) AS n
        FROM pii.scores s WHERE s.framework_year = ? AND s.province_code = ? AND s.level = 'index'
    """, [year, province_code]).fetchall()
    return {"score": row[0][0], "rank": row[0][1], "n": row[0][2]} if row else None
