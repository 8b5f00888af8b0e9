"""Queries shared by the province profile and the national ranking: names, ranked counts, the synthetic mark."""

from __future__ import annotations

from typing import Any

import duckdb

Row = dict[str, Any]

# Codes sort as numbers part by part ('1.10' after '1.9'); PII, INPUT, OUTPUT are ordered by level first.
CODE_ORDER = "list_transform(string_split({col}, '.'), lambda x: TRY_CAST(x AS INTEGER))"
LEVEL_ORDER = "CASE {col} WHEN 'index' THEN 0 WHEN 'sub_index' THEN 1 WHEN 'pillar' THEN 2 " \
              "WHEN 'sub_pillar' THEN 3 ELSE 4 END"

# The index and sub-indices have no row in meta.framework_nodes' names for every year: named here.
TOP_NAMES = """(VALUES ('PII', 'Chỉ số Đổi mới sáng tạo cấp địa phương', 'Provincial Innovation Index'),
                       ('INPUT', 'Chỉ số phụ đầu vào', 'Input sub-index'),
                       ('OUTPUT', 'Chỉ số phụ đầu ra', 'Output sub-index')) AS t(code, name_vi, name_en)"""

# The sample writes this notice into every file it makes (pii/sample/common.py NOTICE); real files do not.
SYNTHETIC_MARK = "%SYNTHETIC DATA%"


def rows(conn: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[Row]:
    """The result of ``sql`` as a list of dicts keyed by column name."""
    cursor = conn.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def node_names(conn: duckdb.DuckDBPyConnection, year: int) -> dict[str, Row]:
    """Vietnamese and English names of every code of ``year``: index, sub-indices, pillars, sub-pillars."""
    found = rows(conn, f"""
        SELECT code, name_vi, name_en FROM meta.framework_nodes WHERE framework_year = ?
        UNION ALL
        SELECT t.code, t.name_vi, t.name_en FROM {TOP_NAMES}
        WHERE t.code NOT IN (SELECT code FROM meta.framework_nodes WHERE framework_year = ?)
    """, [year, year])
    return {str(r["code"]): r for r in found}


def synthetic_files(conn: duckdb.DuckDBPyConnection) -> int:
    """How many landing files read into raw.* carry the synthetic-data notice in their first rows."""
    tables = [r[0] for r in conn.execute("""
        SELECT table_name FROM information_schema.columns
        WHERE table_catalog = current_database() AND table_schema = 'raw' AND column_name = 'cells'
        ORDER BY 1
    """).fetchall()]
    if not tables:
        return 0
    # The notice heads each sheet (row 1-3) or CSV; reading the first rows keeps this fast on big files.
    union = " UNION ALL ".join(
        f"SELECT file_path FROM raw.\"{t}\" WHERE row_number <= 5 AND array_to_string(cells, ' ') ILIKE ?"
        for t in tables)
    found = conn.execute(f"SELECT count(DISTINCT file_path) FROM ({union})", [SYNTHETIC_MARK] * len(tables))
    return int(found.fetchone()[0])  # type: ignore[index]


def framework_years_in(conn: duckdb.DuckDBPyConnection) -> list[Row]:
    """The framework years the warehouse scored, with their boundary and how many provinces were ranked."""
    return rows(conn, """
        SELECT b.framework_year, b.boundary, count(s.rank) AS n
        FROM (SELECT DISTINCT framework_year, boundary FROM meta.framework_indicators) b
        LEFT JOIN pii.scores s ON s.framework_year = b.framework_year AND s.level = 'index'
        GROUP BY ALL ORDER BY 1
    """)
