"""Everything a province profile shows, read from the published warehouse in SQL."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from pii.reports.queries import CODE_ORDER, LEVEL_ORDER, TOP_NAMES, Row, rows, synthetic_files


@dataclass
class ProfileData:
    year: int
    boundary: str
    province: Row                       # code, name_vi, name_ascii, region_vi, region_en
    levels: list[Row]                   # index, sub-indices, pillars, sub-pillars with national/regional averages
    indicators: list[Row]               # every indicator: value, score, rank, national min/median/max
    strengths: list[Row]
    weaknesses: list[Row]
    trend: list[Row]                    # score and rank per framework year (the province or its successor)
    uncertainty: Row | None
    whatif: list[Row]
    provenance: list[Row]               # indicator -> measure -> staging row (file, sheet, row, column, evidence)
    synthetic_files: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def index(self) -> Row | None:
        return next((r for r in self.levels if r["level"] == "index"), None)


def load_profile(conn: duckdb.DuckDBPyConnection, year: int, boundary: str, code: str,
                 whatif_rows: int = 10) -> ProfileData:
    """Read a province's profile for framework year ``year`` (its boundary already resolved)."""
    params = [year, code]
    province = rows(conn, """SELECT province_code AS code, name_vi, name_ascii, region_vi, region_en
                             FROM meta.provinces WHERE boundary = ? AND province_code = ?""", [boundary, code])[0]
    levels = rows(conn, f"""
        WITH s AS (
            SELECT s.level, s.code, s.province_code, s.score, s.rank, p.region_en
            FROM pii.scores s JOIN meta.provinces p ON p.boundary = ? AND p.province_code = s.province_code
            WHERE s.framework_year = ? AND s.level <> 'indicator'),
        nat AS (SELECT code, count(rank) AS n, avg(score) AS national_avg FROM s GROUP BY code),
        reg AS (SELECT code, avg(score) AS region_avg, count(*) AS region_n FROM s
                WHERE region_en = ? GROUP BY code),
        names AS (SELECT code, name_vi, name_en, parent FROM meta.framework_nodes WHERE framework_year = ?
                  UNION ALL SELECT t.code, t.name_vi, t.name_en, NULL FROM {TOP_NAMES}
                  WHERE t.code NOT IN (SELECT code FROM meta.framework_nodes WHERE framework_year = ?))
        SELECT s.level, s.code, nm.name_vi, nm.name_en, nm.parent, s.score, s.rank, nat.n, nat.national_avg,
               reg.region_avg, reg.region_n
        FROM s JOIN nat USING (code) JOIN reg USING (code) LEFT JOIN names nm USING (code)
        WHERE s.province_code = ?
        ORDER BY {LEVEL_ORDER.format(col='s.level')}, {CODE_ORDER.format(col='s.code')}
    """, [boundary, year, province["region_en"], year, year, code])
    indicators = rows(conn, f"""
        WITH s AS (SELECT * FROM pii.scores WHERE framework_year = ? AND level = 'indicator'),
        nat AS (SELECT code, count(rank) AS n, min(raw_value) AS nat_min, median(raw_value) AS nat_median,
                       max(raw_value) AS nat_max FROM s GROUP BY code)
        SELECT s.code, i.name_vi, i.name_en, i.unit, i.pillar, i.sub_pillar, i.direction, v.data_year,
               s.raw_value AS value, s.score, s.rank, nat.n, nat.nat_min, nat.nat_median, nat.nat_max
        FROM s JOIN nat USING (code)
        JOIN meta.framework_indicators i ON i.framework_year = s.framework_year AND i.indicator_code = s.code
        LEFT JOIN core.indicator_values v ON v.framework_year = s.framework_year
             AND v.indicator_code = s.code AND v.province_code = s.province_code
        WHERE s.province_code = ?
        ORDER BY {CODE_ORDER.format(col='s.code')}
    """, params)
    sw = rows(conn, """
        SELECT w.kind, w.position, w.indicator_code AS code, i.name_vi, i.name_en, w.rank, w.score,
               (SELECT count(rank) FROM pii.scores r WHERE r.framework_year = w.framework_year
                AND r.level = 'indicator' AND r.code = w.indicator_code) AS n
        FROM pii.strengths_weaknesses w
        JOIN meta.framework_indicators i USING (framework_year, indicator_code)
        WHERE w.framework_year = ? AND w.province_code = ?
        ORDER BY w.kind, w.position
    """, params)
    uncertainty = rows(conn, """SELECT nominal_rank, median_rank, p05_rank, p95_rank, replications, seed
                                FROM pii.rank_uncertainty WHERE framework_year = ? AND province_code = ?""", params)
    whatif = rows(conn, f"""
        SELECT w.indicator_code AS code, i.name_vi, i.name_en, i.unit, w.direction, w.current_value,
               w.points_per_unit, w.gain_1_rank, w.gain_3_ranks, w.gain_5_ranks, w.current_rank
        FROM pii.whatif w JOIN meta.framework_indicators i USING (framework_year, indicator_code)
        WHERE w.framework_year = ? AND w.province_code = ?
        ORDER BY w.points_per_unit DESC NULLS LAST, {CODE_ORDER.format(col='w.indicator_code')}
        LIMIT {int(whatif_rows)}
    """, params)
    return ProfileData(
        year=year, boundary=boundary, province=province, levels=levels, indicators=indicators,
        strengths=[r for r in sw if r["kind"] == "strength"], weaknesses=[r for r in sw if r["kind"] == "weakness"],
        trend=load_trend(conn, boundary, code), uncertainty=uncertainty[0] if uncertainty else None,
        whatif=whatif, provenance=load_provenance(conn, year, boundary, code), synthetic_files=synthetic_files(conn))


def load_trend(conn: duckdb.DuckDBPyConnection, boundary: str, code: str) -> list[Row]:
    """PII score and rank per framework year of the province, across the 2025 boundary change.

    On the other boundary the province is its successor (p63 -> p34, meta.province_crosswalk) or its
    predecessors (p34 -> p63), each named, so a reader sees which province each rank belongs to.
    """
    return rows(conn, """
        WITH yb AS (SELECT DISTINCT framework_year, boundary FROM meta.framework_indicators),
        codes AS (
            SELECT framework_year, boundary, ?::VARCHAR AS code FROM yb WHERE boundary = ?
            UNION
            SELECT yb.framework_year, yb.boundary, c.new_code FROM yb JOIN meta.province_crosswalk c
                ON c.old_code = ? WHERE ? = 'p63' AND yb.boundary = 'p34'
            UNION
            SELECT yb.framework_year, yb.boundary, c.old_code FROM yb JOIN meta.province_crosswalk c
                ON c.new_code = ? WHERE ? = 'p34' AND yb.boundary = 'p63'),
        ranked AS (SELECT framework_year, count(rank) AS n FROM pii.scores WHERE level = 'index' GROUP BY 1)
        SELECT c.framework_year AS year, c.boundary, c.code, p.name_vi, s.score, s.rank, r.n
        FROM codes c
        JOIN meta.provinces p ON p.boundary = c.boundary AND p.province_code = c.code
        LEFT JOIN pii.scores s ON s.framework_year = c.framework_year AND s.province_code = c.code
             AND s.level = 'index'
        LEFT JOIN ranked r ON r.framework_year = c.framework_year
        ORDER BY c.framework_year, c.code
    """, [code, boundary, code, boundary, code, boundary])


def load_provenance(conn: duckdb.DuckDBPyConnection, year: int, boundary: str, code: str) -> list[Row]:
    """Each indicator's formula terms and the staging rows they were read from.

    A 2025 value rebased from the 63-province boundary comes from the predecessors' p63 rows: they are
    listed, flagged ``rebased``.
    """
    return rows(conn, f"""
        WITH terms AS (
            SELECT t.indicator_code, t.role, t.measure_code, t.year, f.is_rebased
            FROM meta.framework_formula_terms t
            LEFT JOIN core.framework_measure_values f ON f.framework_year = t.framework_year
                 AND f.measure_code = t.measure_code AND f.year = t.year AND f.province_code = ?
            WHERE t.framework_year = ?),
        sources AS (
            SELECT ?::VARCHAR AS boundary, ?::VARCHAR AS code, false AS via_predecessor
            UNION ALL
            SELECT 'p63', old_code, true FROM meta.province_crosswalk WHERE ? = 'p34' AND new_code = ?)
        SELECT t.indicator_code AS code, t.role, t.measure_code, t.year, coalesce(t.is_rebased, false) AS rebased,
               m.province_code AS source_province, sp.name_vi AS source_name, m.boundary AS source_boundary,
               m.value, m.unit, m.source_id, m.file_path, m.file_sha256, m.sheet, m.row_number, m.column_ref,
               m.evidence
        FROM terms t
        LEFT JOIN sources src ON src.via_predecessor = coalesce(t.is_rebased, false)
        LEFT JOIN staging.measure_values m ON m.measure_code = t.measure_code AND m.year = t.year
             AND m.boundary = src.boundary AND m.province_code = src.code
        LEFT JOIN meta.provinces sp ON sp.boundary = m.boundary AND sp.province_code = m.province_code
        ORDER BY {CODE_ORDER.format(col='t.indicator_code')}, t.role DESC, t.measure_code, m.province_code
    """, [code, year, boundary, code, boundary, code])
