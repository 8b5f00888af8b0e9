"""What ``pii export`` reads from the published warehouse: one framework year's input matrix and results.

Everything is read in SQL with a fixed row order, so the same warehouse always yields the same frames (and
byte-identical files). The synthetic-data label is read from the warehouse too: the sample generator writes a
notice ("DỮ LIỆU MÔ PHỎNG – SYNTHETIC DATA …") near the top of every cell-level source file, and raw tables
keep those rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from pii.errors import UsageError
from pii.warehouse import framework_boundary, lookup

SYNTHETIC_NOTICE = "DỮ LIỆU MÔ PHỎNG – SYNTHETIC DATA, NOT OFFICIAL STATISTICS"
LEVELS = ("index", "sub_index", "pillar", "sub_pillar", "indicator")
# sorts codes like 1.2.10 after 1.2.9; 'PII', 'INPUT' and 'OUTPUT' (no number) keep text order
_CODE_ORDER = "TRY_CAST(string_split({c}, '.') AS INTEGER[]) NULLS FIRST, {c}"
# a fixed stand-in for the document timestamps when the warehouse records no run time
_NO_TIME = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ExportData:
    """One framework year of the published warehouse, as the export files show it."""

    year: int
    boundary: str
    synthetic: bool
    run_id: str | None  # the run that built the published warehouse (meta.dq_results)
    run_time: datetime  # when that run checked its tables (UTC); fixes the workbook's document dates
    input: pl.DataFrame  # core.pii_input: one row per province, one column per indicator
    scores: pl.DataFrame  # pii.scores at every level with names, long
    strengths_weaknesses: pl.DataFrame
    indicators: pl.DataFrame  # meta.framework_indicators of the year: names, units, sources
    nodes: pl.DataFrame  # meta.framework_nodes of the year: sub-indices, pillars, sub-pillars


def latest_year(conn: duckdb.DuckDBPyConnection) -> int:
    """The latest framework year the warehouse has scores for."""
    row = conn.execute("SELECT max(framework_year) FROM pii.scores").fetchall()[0]
    if row[0] is None:
        raise UsageError("the warehouse has no PII scores: run `pii materialize`")
    return int(row[0])


def is_synthetic(conn: duckdb.DuckDBPyConnection) -> bool:
    """Whether any source file behind the warehouse carries the sample generator's synthetic-data notice."""
    tables = [r[0] for r in conn.execute("""
        SELECT table_name FROM information_schema.columns
        WHERE table_catalog = current_database() AND table_schema = 'raw' AND column_name = 'cells'
        ORDER BY 1""").fetchall()]
    if not tables:
        return False
    probes = " UNION ALL ".join(  # the notice sits in a file's first lines: title, then notice
        f"SELECT 1 FROM raw.{t} WHERE row_number <= 5 AND (array_to_string(cells, ' ') ILIKE '%SYNTHETIC%' "
        f"OR array_to_string(cells, ' ') ILIKE '%MÔ PHỎNG%')" for t in tables)
    return bool(conn.execute(f"SELECT EXISTS ({probes})").fetchall()[0][0])


def _run(conn: duckdb.DuckDBPyConnection) -> tuple[str | None, datetime]:
    rows = conn.execute("""
        SELECT run_id, checked_at FROM meta.dq_results ORDER BY checked_at DESC, run_id LIMIT 1""").fetchall()
    if not rows:
        return None, _NO_TIME
    row = rows[0]
    when = row[1]
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return str(row[0]), when.replace(microsecond=0)


def _frame(conn: duckdb.DuckDBPyConnection, sql: str, *params: object) -> pl.DataFrame:
    return conn.sql(sql, params=list(params)).pl()


def _read(conn: duckdb.DuckDBPyConnection, year: int) -> ExportData:
    boundary = framework_boundary(conn, year)  # an unknown year: UsageError naming the years there are
    scores = _frame(conn, f"""
        SELECT s.framework_year, s.province_code, p.name_vi AS province_name, s.level, s.code,
               CASE s.level WHEN 'index' THEN 'Chỉ số Đổi mới sáng tạo cấp địa phương (PII)'
                            WHEN 'indicator' THEN i.name_vi ELSE n.name_vi END AS name_vi,
               CASE s.level WHEN 'index' THEN 'Provincial Innovation Index (PII)'
                            WHEN 'indicator' THEN i.name_en ELSE n.name_en END AS name_en,
               s.raw_value, s.treated_value, s.score, s.rank
        FROM pii.scores s
        JOIN meta.provinces p ON p.boundary = ? AND p.province_code = s.province_code
        LEFT JOIN meta.framework_nodes n ON n.framework_year = s.framework_year AND n.code = s.code
             AND n.level = s.level
        LEFT JOIN meta.framework_indicators i ON i.framework_year = s.framework_year AND i.indicator_code = s.code
             AND s.level = 'indicator'
        WHERE s.framework_year = ?
        ORDER BY list_position({list(LEVELS)}, s.level), {_CODE_ORDER.format(c='s.code')}, s.province_code
    """, boundary, year)
    if scores.is_empty():
        raise UsageError(f"--year {year}: the warehouse has the PII {year} framework but no scores for it: "
                         "run `pii materialize`")
    run_id, run_time = _run(conn)
    return ExportData(
        year=year, boundary=boundary, synthetic=is_synthetic(conn), run_id=run_id, run_time=run_time,
        input=_frame(conn, "SELECT * FROM core.pii_input WHERE framework_year = ? ORDER BY province_code", year),
        scores=scores,
        strengths_weaknesses=_frame(conn, """
            SELECT w.framework_year, w.province_code, p.name_vi AS province_name, w.kind, w.position,
                   w.indicator_code, i.name_vi AS indicator_name_vi, w.rank, w.score
            FROM pii.strengths_weaknesses w
            JOIN meta.provinces p ON p.boundary = ? AND p.province_code = w.province_code
            LEFT JOIN meta.framework_indicators i USING (framework_year, indicator_code)
            WHERE w.framework_year = ?
            ORDER BY w.province_code, w.kind, w.position""", boundary, year),
        indicators=_frame(conn, f"""
            SELECT framework_year, indicator_code, column_name, name_vi, name_en, unit, direction, weight,
                   data_year, sub_pillar, pillar, sub_index, source, agency
            FROM meta.framework_indicators WHERE framework_year = ?
            ORDER BY {_CODE_ORDER.format(c='indicator_code')}""", year),
        nodes=_frame(conn, f"""
            SELECT framework_year, level, code, name_vi, name_en, parent, weight
            FROM meta.framework_nodes WHERE framework_year = ?
            ORDER BY list_position({list(LEVELS)}, level), {_CODE_ORDER.format(c='code')}""", year),
    )


def read_export_data(conn: duckdb.DuckDBPyConnection, path: Path, year: int | None) -> ExportData:
    """Framework year ``year`` (default: the latest scored) of the warehouse at ``path``, opened as ``conn``.

    A table missing from the warehouse or a year it lacks is a UsageError.
    """
    chosen = year if year is not None else lookup(conn, path, latest_year)
    return lookup(conn, path, lambda c: _read(c, chosen))
