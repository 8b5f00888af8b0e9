"""Reusing a framework year's engine results when its inputs did not change (incremental refresh, issue 9).

The index, what-if and rank-uncertainty assets compute each framework year from that year's inputs alone:
``core.pii_input`` rows of the year, its framework (indicators, nodes), the provinces of its boundary and the
method settings. A landing file of one data year usually changes one framework year's inputs, yet every
refresh ran the engine for all of them (≈ 1.5 s of a 10 s incremental run). ``meta.engine_cursor`` records,
per table and framework year, a sha256 of everything the year's rows are computed from: those inputs (as
Arrow IPC bytes), the settings, the engine's code (pii/scoring, assets/pii) and the versions of Python,
polars and NumPy (floating-point results may differ between them). A year whose digest is unchanged keeps its
rows as the table holds them; the others are computed again. Rows are kept only when the table still holds
what the cursor vouches for: the table and its cursor rows are written in one transaction, each cursor row
also records a check of the year's rows (count and sum of DuckDB row hashes), so rows written since by anything
else (an older version of this code, a hand edit) are computed again; a table or cursor missing means
everything is computed.
"""

from __future__ import annotations

import hashlib
import io
import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import numpy
import polars as pl

from assets._warehouse import ensure_schemas
from assets.pii._inputs import YearInput, write_table
from pii.db_layout import table_columns

CURSOR = "meta.engine_cursor"
CURSOR_DDL = (f"CREATE TABLE IF NOT EXISTS {CURSOR} "
              "(table_name VARCHAR, framework_year INTEGER, inputs_sha256 VARCHAR, rows_check VARCHAR)")
CURSOR_COLUMNS = ("table_name", "framework_year", "inputs_sha256", "rows_check")
ROOT = Path(__file__).resolve().parents[2]
CODE = (("pii/scoring", "*.py"), ("assets/pii", "*.py"))


@cache
def code_fingerprint() -> str:
    """sha256 over the engine's code and the libraries its floating-point results depend on."""
    digest = hashlib.sha256(f"{platform.python_version()} polars {pl.__version__} numpy {numpy.__version__}".encode())
    for folder, pattern in CODE:
        for path in sorted((ROOT / folder).rglob(pattern)):
            if "__pycache__" not in path.parts:
                digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _ipc(frame: pl.DataFrame) -> bytes:
    out = io.BytesIO()
    frame.rechunk().write_ipc(out, compression="uncompressed")
    return out.getvalue()


def year_digest(year: YearInput, settings: object) -> str:
    """sha256 of what one framework year's results are computed from (``settings``: a frozen dataclass or
    tuple whose repr spells every setting the asset uses)."""
    digest = hashlib.sha256(code_fingerprint().encode())
    for part in (str(year.year), year.boundary, "\x1f".join(year.provinces), repr(settings)):
        digest.update(part.encode() + b"\0")
    digest.update(_ipc(year.idata))
    digest.update(_ipc(year.imeta))
    return digest.hexdigest()


def reusable_years(conn: duckdb.DuckDBPyConnection, tables: Sequence[str], digests: dict[int, str]) -> set[int]:
    """The framework years whose rows every one of ``tables`` holds for exactly these inputs (``digests``)."""
    ensure_schemas(conn)
    if table_columns(conn, CURSOR) != CURSOR_COLUMNS:  # missing, or written by another version: start over
        conn.execute(f"DROP TABLE IF EXISTS {CURSOR}")
        conn.execute(CURSOR_DDL)
    if any(not table_columns(conn, t) for t in tables):
        return set()
    rows = conn.execute(f"SELECT table_name, framework_year, inputs_sha256, rows_check FROM {CURSOR} "
                        "WHERE table_name IN (SELECT unnest(?))", [list(tables)]).fetchall()
    held = {(t, y): (d, check) for t, y, d, check in rows}
    now = {(t, y): check for t in tables for y, check in rows_checks(conn, t).items()}
    return {y for y, d in digests.items() if all(held.get((t, y)) == (d, now.get((t, y))) for t in tables)}


def rows_checks(conn: duckdb.DuckDBPyConnection, table: str) -> dict[int, str]:
    """Per framework year of ``table``: its row count and the sum of DuckDB's hash of each row (any change to
    the rows changes it; an order-independent sum, since the rows are compared, not their order)."""
    return {y: f"{n}:{h}" for y, n, h in conn.execute(
        f"SELECT framework_year, count(*), sum(hash(t)) FROM {table} t GROUP BY framework_year").fetchall()}


def kept_rows(conn: duckdb.DuckDBPyConnection, table: str, years: set[int], schema: pl.Schema | None) -> pl.DataFrame:
    """The rows ``table`` holds for ``years``, as the engine's frames type them (``schema``; None: as stored)."""
    frame = conn.sql(f"SELECT * FROM {table} WHERE framework_year IN (SELECT unnest(?))",
                     params=[sorted(years)]).pl()
    return frame.cast(dict(schema)) if schema is not None else frame  # type: ignore[arg-type]


def write_with_cursor(conn: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, order_by: list[str],
                      digests: dict[int, str]) -> None:
    """Replace ``table`` and its cursor rows in one transaction (a killed run leaves both as they were)."""
    conn.execute("BEGIN TRANSACTION")
    try:
        write_table(conn, table, frame, order_by)
        conn.execute(f"DELETE FROM {CURSOR} WHERE table_name = ?", [table])
        checks = rows_checks(conn, table)
        conn.executemany(f"INSERT INTO {CURSOR} VALUES (?, ?, ?, ?)",
                         [[table, year, digest, checks.get(year)] for year, digest in sorted(digests.items())])
        conn.execute(f"CREATE OR REPLACE TABLE {CURSOR} AS SELECT * FROM {CURSOR} ORDER BY table_name, framework_year")
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise


@dataclass(frozen=True)
class YearResults:
    """One engine table per name, every framework year: the kept years' rows and the computed years' rows."""

    frames: dict[str, pl.DataFrame]
    digests: dict[int, str]
    computed: list[int]  # framework years computed this run (the others were kept)
    unchanged: bool  # nothing computed and the tables hold exactly these years: nothing to write

    def computed_text(self) -> str:
        return ", ".join(map(str, self.computed)) or "none (every framework year's inputs unchanged)"


def compute_years(conn: duckdb.DuckDBPyConnection, tables: Sequence[str], years: Sequence[YearInput],
                  settings: object, compute: Callable[[YearInput], dict[str, pl.DataFrame]]) -> YearResults:
    """Each of ``tables`` over every framework year of ``years``: ``compute(year)`` (one frame per table) for the
    years whose inputs changed, the stored rows for the others."""
    digests = {y.year: year_digest(y, settings) for y in years}
    keep = reusable_years(conn, tables, digests)
    fresh = [(y.year, compute(y)) for y in years if y.year not in keep]
    frames: dict[str, pl.DataFrame] = {}
    for table in tables:
        parts = [out[table] for _, out in fresh]
        if keep:  # typed as the computed frames, so the table's column types are a full run's
            parts.insert(0, kept_rows(conn, table, keep, parts[0].schema if parts else None))
        frames[table] = pl.concat(parts)
    stored = {y for table in tables for (y,) in conn.execute(f"SELECT DISTINCT framework_year FROM {table}").fetchall()
              } if keep else set()
    return YearResults(frames, digests, [y for y, _ in fresh], not fresh and stored == set(digests))
