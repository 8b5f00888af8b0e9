-- Scores and ranks of every province at every level (index, sub_index, pillar, sub_pillar, indicator),
-- with the node's names and the rank as published: '53/63'.
CREATE OR REPLACE VIEW analyst.scores AS
WITH ranked AS (
    SELECT framework_year, level, code, count(rank) AS n
    FROM pii.scores GROUP BY framework_year, level, code
),
names AS (
    SELECT framework_year, code, name_vi, name_en FROM meta.framework_nodes
    UNION ALL
    SELECT framework_year, indicator_code, name_vi, name_en FROM meta.framework_indicators
    UNION ALL
    SELECT y.framework_year, t.code, t.name_vi, t.name_en
    FROM (SELECT DISTINCT framework_year FROM meta.framework_nodes) y,  -- the tree stops at the sub-indices
         (VALUES ('PII', 'Chỉ số Đổi mới sáng tạo cấp địa phương', 'Provincial Innovation Index'))
             t(code, name_vi, name_en)
)
SELECT
    s.framework_year, b.boundary, s.province_code, p.name_vi AS province_name,
    s.level, s.code, nm.name_vi, nm.name_en, s.raw_value, s.treated_value, s.score,
    s.rank, r.n AS n_ranked, CAST(s.rank AS VARCHAR) || '/' || CAST(r.n AS VARCHAR) AS rank_of
FROM pii.scores s
JOIN (SELECT DISTINCT framework_year, boundary FROM meta.framework_indicators) b USING (framework_year)
JOIN meta.provinces p ON p.boundary = b.boundary AND p.province_code = s.province_code
JOIN ranked r USING (framework_year, level, code)
LEFT JOIN names nm ON nm.framework_year = s.framework_year AND nm.code = s.code
ORDER BY s.framework_year, s.level, s.code, s.province_code;
