-- Each province's five strengths and five weaknesses (its best and worst indicator ranks), with names.
CREATE OR REPLACE VIEW analyst.strengths_weaknesses AS
WITH ranked AS (
    SELECT framework_year, code, count(rank) AS n
    FROM pii.scores WHERE level = 'indicator' GROUP BY framework_year, code
)
SELECT
    w.framework_year, i.boundary, w.province_code, p.name_vi AS province_name, w.kind, w.position,
    w.indicator_code, i.name_vi AS indicator_name_vi, i.name_en AS indicator_name_en, i.pillar,
    pn.name_en AS pillar_name_en, w.score, w.rank, r.n AS n_ranked,
    CAST(w.rank AS VARCHAR) || '/' || CAST(r.n AS VARCHAR) AS rank_of
FROM pii.strengths_weaknesses w
JOIN meta.framework_indicators i USING (framework_year, indicator_code)
JOIN meta.provinces p ON p.boundary = i.boundary AND p.province_code = w.province_code
LEFT JOIN meta.framework_nodes pn ON pn.framework_year = w.framework_year AND pn.code = i.pillar
JOIN ranked r ON r.framework_year = w.framework_year AND r.code = w.indicator_code
ORDER BY w.framework_year, w.province_code, w.kind, w.position;
