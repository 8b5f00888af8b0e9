"""The national ranking of a framework year: every province's PII, sub-indices and pillars with rank/of."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from pii.reports.queries import CODE_ORDER, Row, node_names, rows, synthetic_files


@dataclass
class NationalData:
    year: int
    boundary: str
    columns: list[Row]      # code, level, name_vi, name_en: PII, INPUT, OUTPUT, then the pillars
    provinces: list[Row]    # province_code, name_vi, region_vi/en, p05/p95 rank, score_<code>, rank_<code>
    n: int
    synthetic_files: int = 0


def _alias(code: str) -> str:
    return code.replace(".", "_")


def load_national(conn: duckdb.DuckDBPyConnection, year: int, boundary: str) -> NationalData:
    """One row per province of ``year``, best PII first (ties by code), one score and rank column per code."""
    names = node_names(conn, year)
    codes = [r[1] for r in conn.execute(f"""
        SELECT DISTINCT CASE level WHEN 'index' THEN 0 WHEN 'sub_index' THEN 1 ELSE 2 END AS o, code,
               {CODE_ORDER.format(col='code')} AS k
        FROM pii.scores WHERE framework_year = ? AND level IN ('index', 'sub_index', 'pillar')
        ORDER BY o, k
    """, [year]).fetchall()]
    # The pivot's column list comes from the framework's codes (parameters cannot name columns).
    pivot = ",\n".join(
        f"max(s.score) FILTER (WHERE s.code = '{c}') AS score_{_alias(c)}, "
        f"max(s.rank) FILTER (WHERE s.code = '{c}') AS rank_{_alias(c)}"
        for c in codes if c.replace(".", "").isalnum())
    provinces = rows(conn, f"""
        SELECT p.province_code, p.name_vi, p.region_vi, p.region_en, u.p05_rank, u.p95_rank,
               {pivot}
        FROM meta.provinces p
        JOIN pii.scores s ON s.province_code = p.province_code AND s.framework_year = ?
             AND s.level IN ('index', 'sub_index', 'pillar')
        LEFT JOIN pii.rank_uncertainty u ON u.framework_year = s.framework_year AND u.province_code = p.province_code
        WHERE p.boundary = ?
        GROUP BY ALL
        ORDER BY rank_PII NULLS LAST, p.province_code
    """, [year, boundary])
    columns = [{"code": c, "alias": _alias(c), "name_vi": names.get(c, {}).get("name_vi", c),
                "name_en": names.get(c, {}).get("name_en", c)} for c in codes]
    ranked = sum(1 for p in provinces if p.get("rank_PII") is not None)
    return NationalData(year, boundary, columns, provinces, ranked, synthetic_files(conn))
