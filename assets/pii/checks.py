"""Checks on the index tables, run in SQL on what was written (so they test the warehouse, not the engine).

Each function returns (passed, unexpected count, examples) for assets._quality.result.
"""

import duckdb

from pii.scoring.config import MethodConfig

Outcome = tuple[bool, int, list[dict[str, object]]]
IDENTITY_TOLERANCE = 1e-9
RANGE_TOLERANCE = 1e-9

# Children of every aggregate with their weights, per framework year: indicators -> sub-pillars from
# meta.framework_indicators, sub-pillars -> pillars -> sub-indices -> PII from meta.framework_nodes.
_EDGES = """
    SELECT framework_year, indicator_code AS child, sub_pillar AS parent, weight FROM meta.framework_indicators
    UNION ALL
    SELECT framework_year, code AS child, parent, weight FROM meta.framework_nodes
"""


def _examples(conn: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> list[dict[str, object]]:
    rel = conn.execute(sql, params or [])
    names = [d[0] for d in rel.description or []]
    return [dict(zip(names, row, strict=True)) for row in rel.fetchall()]


def _outcome(rows: list[dict[str, object]]) -> Outcome:
    return not rows, len(rows), rows[:30]


def scores_in_range(conn: duckdb.DuckDBPyConnection, config: MethodConfig) -> Outcome:
    low, high = config.normalisation_range
    return _outcome(_examples(conn, """
        SELECT framework_year, province_code, level, code, score FROM pii.scores
        WHERE score IS NOT NULL AND (isnan(score) OR score < ? - ? OR score > ? + ?)
        ORDER BY framework_year, level, code, province_code
    """, [low, RANGE_TOLERANCE, high, RANGE_TOLERANCE]))


def ranks_consistent(conn: duckdb.DuckDBPyConnection) -> Outcome:
    """rank = 1 + number of provinces with a strictly higher score (1 = best, ties share the best rank)."""
    return _outcome(_examples(conn, """
        WITH expected AS (
            SELECT *, CASE WHEN score IS NULL THEN NULL
                           ELSE rank() OVER (PARTITION BY framework_year, code, score IS NULL ORDER BY score DESC)
                      END AS expected_rank
            FROM pii.scores
        )
        SELECT framework_year, province_code, level, code, score, rank, expected_rank FROM expected
        WHERE rank IS DISTINCT FROM expected_rank
        ORDER BY framework_year, level, code, province_code
    """))


def provinces_scored(conn: duckdb.DuckDBPyConnection) -> Outcome:
    """Every province of the year's boundary has a row for every code, a score at every aggregate level,
    and a score for every indicator it has a value for; no province outside the boundary is scored."""
    return _outcome(_examples(conn, f"""
        WITH years AS (SELECT DISTINCT framework_year, boundary FROM meta.framework_indicators),
        codes AS (
            SELECT DISTINCT framework_year, child AS code FROM ({_EDGES})
            UNION SELECT DISTINCT framework_year, parent FROM ({_EDGES})
        ),
        expected AS (
            SELECT y.framework_year, p.province_code, c.code
            FROM years y JOIN meta.provinces p ON p.boundary = y.boundary JOIN codes c USING (framework_year)
        )
        SELECT coalesce(e.framework_year, s.framework_year) AS framework_year,
               coalesce(e.province_code, s.province_code) AS province_code, coalesce(e.code, s.code) AS code,
               CASE WHEN s.code IS NULL THEN 'no row' WHEN e.code IS NULL THEN 'not in the framework or boundary'
                    ELSE 'no score' END AS problem
        FROM expected e
        FULL JOIN pii.scores s USING (framework_year, province_code, code)
        WHERE s.code IS NULL OR e.code IS NULL
           OR (s.score IS NULL AND (s.level <> 'indicator' OR s.raw_value IS NOT NULL))
        ORDER BY 1, 2, 3
    """))


def identities_hold(conn: duckdb.DuckDBPyConnection, config: MethodConfig) -> Outcome:
    """Every aggregate equals the weighted mean (arithmetic or geometric, as configured) of its children's
    scores, with the framework's weights: sub-pillar = mean of its indicators, pillar = mean of its
    sub-pillars, INPUT = mean of pillars 1-5, OUTPUT = mean of pillars 6-7, PII = (INPUT + OUTPUT)/2."""
    if config.aggregation == "geometric":
        mean = "exp(sum(e.weight * ln(c.score)) / sum(e.weight))"
    else:
        mean = "sum(e.weight * c.score) / sum(e.weight)"
    return _outcome(_examples(conn, f"""
        WITH edges AS ({_EDGES}),
        expected AS (
            SELECT e.framework_year, c.province_code, e.parent AS code, {mean} AS expected
            FROM edges e
            JOIN pii.scores c ON c.framework_year = e.framework_year AND c.code = e.child
            WHERE c.score IS NOT NULL
            GROUP BY ALL
        )
        SELECT s.framework_year, s.province_code, s.level, s.code, s.score, x.expected,
               abs(s.score - x.expected) AS difference
        FROM pii.scores s JOIN expected x USING (framework_year, province_code, code)
        WHERE s.level <> 'indicator' AND (s.score IS NULL OR abs(s.score - x.expected) > {IDENTITY_TOLERANCE})
        ORDER BY difference DESC NULLS FIRST, 1, 2, 4
    """))


def five_and_five(conn: duckdb.DuckDBPyConnection, config: MethodConfig) -> Outcome:
    """``count`` strengths and ``count`` weaknesses for every province of the year's boundary, positions
    1..count, each indicator once per kind (reads only pii.strengths_weaknesses and the reference tables)."""
    if config.sw_rule != "rank":
        return True, 0, []
    return _outcome(_examples(conn, """
        WITH expected AS (
            SELECT y.framework_year, p.province_code
            FROM (SELECT DISTINCT framework_year, boundary FROM meta.framework_indicators) y
            JOIN meta.provinces p USING (boundary)
        ),
        got AS (
            SELECT framework_year, province_code,
                   count(*) FILTER (kind = 'strength') AS strengths, count(*) FILTER (kind = 'weakness') AS weaknesses,
                   count(DISTINCT (kind, indicator_code)) AS distinct_picks,
                   count(DISTINCT (kind, position)) FILTER (position BETWEEN 1 AND ?) AS positions
            FROM pii.strengths_weaknesses GROUP BY ALL
        )
        SELECT coalesce(e.framework_year, g.framework_year) AS framework_year,
               coalesce(e.province_code, g.province_code) AS province_code,
               coalesce(g.strengths, 0) AS strengths, coalesce(g.weaknesses, 0) AS weaknesses
        FROM expected e FULL JOIN got g USING (framework_year, province_code)
        WHERE e.province_code IS NULL OR g.province_code IS NULL
           OR g.strengths <> ? OR g.weaknesses <> ? OR g.distinct_picks <> 2 * ? OR g.positions <> 2 * ?
        ORDER BY 1, 2
    """, [config.sw_count] * 5))
