-- Year-on-year rank changes at every level, on a comparable boundary.
-- Consecutive framework years on the same boundary (2023 -> 2024, 63 provinces) compare published ranks.
-- From 63 to 34 provinces (2024 -> 2025) the earlier year is made comparable, as an approximation: each of
-- the 34 units gets the unweighted mean of its predecessor provinces' published scores (the crosswalk says
-- which provinces merged, not in what shares), and the 34 are re-ranked on that mean (1 = best, ties share).
CREATE OR REPLACE VIEW analyst.rank_changes AS
WITH years AS (
    SELECT DISTINCT framework_year, boundary FROM meta.framework_indicators
),
pairs AS (
    SELECT a.framework_year AS from_year, a.boundary AS from_boundary,
           b.framework_year AS to_year, b.boundary AS to_boundary
    FROM years a JOIN years b ON b.framework_year = a.framework_year + 1
),
same_boundary AS (
    SELECT pr.from_year, pr.to_year, pr.to_boundary AS boundary, s.province_code, s.level, s.code,
           s.province_code AS predecessors, 1 AS n_predecessors, s.score AS from_score, s.rank AS from_rank,
           'published' AS from_basis
    FROM pairs pr
    JOIN pii.scores s ON s.framework_year = pr.from_year
    WHERE pr.from_boundary = pr.to_boundary
),
merged AS (
    SELECT pr.from_year, pr.to_year, pr.to_boundary AS boundary, x.new_code AS province_code, s.level, s.code,
           string_agg(x.old_code, ',' ORDER BY x.old_code) AS predecessors, count(*) AS n_predecessors,
           avg(s.score ORDER BY x.old_code) AS from_score
    FROM pairs pr
    JOIN pii.scores s ON s.framework_year = pr.from_year
    JOIN meta.province_crosswalk x ON x.old_code = s.province_code
    WHERE pr.from_boundary = 'p63' AND pr.to_boundary = 'p34'
    GROUP BY pr.from_year, pr.to_year, pr.to_boundary, x.new_code, s.level, s.code
),
comparable AS (
    SELECT * FROM same_boundary
    UNION ALL
    SELECT from_year, to_year, boundary, province_code, level, code, predecessors, n_predecessors, from_score,
           CASE WHEN from_score IS NOT NULL THEN CAST(rank() OVER (
               PARTITION BY from_year, level, code, from_score IS NULL ORDER BY from_score DESC) AS INTEGER)
           END AS from_rank,
           CASE WHEN n_predecessors > 1 THEN 'mean_of_predecessors' ELSE 'reranked_on_new_boundary' END
    FROM merged
),
ranked AS (
    SELECT framework_year, level, code, count(rank) AS n FROM pii.scores GROUP BY framework_year, level, code
),
names AS (
    SELECT framework_year, code, name_en FROM meta.framework_nodes
    UNION ALL
    SELECT framework_year, indicator_code, name_en FROM meta.framework_indicators
    UNION ALL
    SELECT y.framework_year, t.code, t.name_en
    FROM (SELECT DISTINCT framework_year FROM meta.framework_nodes) y,  -- the tree stops at the sub-indices
         (VALUES ('PII', 'Chỉ số Đổi mới sáng tạo cấp địa phương', 'Provincial Innovation Index'))
             t(code, name_vi, name_en)
)
SELECT
    c.from_year, c.to_year, c.boundary, c.province_code, p.name_vi AS province_name, c.level, c.code,
    tn.name_en, fn.name_en IS DISTINCT FROM tn.name_en AS definition_changed,
    c.from_basis, c.predecessors, c.n_predecessors, c.from_score, c.from_rank, t.score AS to_score,
    t.rank AS to_rank, c.from_rank - t.rank AS rank_change, r.n AS n_ranked,
    c.from_basis <> 'published' AS is_approximation
FROM comparable c
JOIN pii.scores t
    ON t.framework_year = c.to_year AND t.province_code = c.province_code AND t.level = c.level AND t.code = c.code
JOIN meta.provinces p ON p.boundary = c.boundary AND p.province_code = c.province_code
JOIN ranked r ON r.framework_year = c.to_year AND r.level = c.level AND r.code = c.code
LEFT JOIN names fn ON fn.framework_year = c.from_year AND fn.code = c.code
LEFT JOIN names tn ON tn.framework_year = c.to_year AND tn.code = c.code
ORDER BY c.from_year, c.level, c.code, c.province_code;
