-- What is missing: indicator coverage by province (and sub-index) and by indicator, with the codes that
-- have no value (missing_codes: indicators for a province, provinces for an indicator).
CREATE OR REPLACE VIEW analyst.dq_coverage AS
WITH missing AS (
    SELECT v.framework_year, v.indicator_code, v.province_code, i.sub_index
    FROM core.indicator_values v
    JOIN meta.framework_indicators i USING (framework_year, indicator_code)
    WHERE v.value IS NULL
),
by_province AS (
    SELECT framework_year, province_code AS code, sub_index,
           string_agg(indicator_code, ', ' ORDER BY indicator_code) AS missing_codes
    FROM missing GROUP BY framework_year, province_code, sub_index
),
by_indicator AS (
    SELECT framework_year, indicator_code AS code,
           string_agg(province_code, ', ' ORDER BY province_code) AS missing_codes
    FROM missing GROUP BY framework_year, indicator_code
)
SELECT
    c.framework_year, c.unit_kind, c.code,
    CASE c.unit_kind WHEN 'province' THEN p.name_vi ELSE i.name_en END AS name,
    i.agency, c.sub_index, c.expected, c.present, c.expected - c.present AS missing, c.coverage, c.meets_rule,
    coalesce(bp.missing_codes, bi.missing_codes) AS missing_codes
FROM core.indicator_coverage c
JOIN (SELECT DISTINCT framework_year, boundary FROM meta.framework_indicators) b USING (framework_year)
LEFT JOIN meta.provinces p ON c.unit_kind = 'province' AND p.boundary = b.boundary AND p.province_code = c.code
LEFT JOIN meta.framework_indicators i
    ON c.unit_kind = 'indicator' AND i.framework_year = c.framework_year AND i.indicator_code = c.code
LEFT JOIN by_province bp
    ON c.unit_kind = 'province' AND bp.framework_year = c.framework_year AND bp.code = c.code
   AND bp.sub_index = c.sub_index
LEFT JOIN by_indicator bi ON c.unit_kind = 'indicator' AND bi.framework_year = c.framework_year AND bi.code = c.code
ORDER BY c.framework_year, c.unit_kind, c.code, c.sub_index;
