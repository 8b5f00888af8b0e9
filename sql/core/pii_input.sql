-- The matrix ready for the PII calculation: one row per province and framework year, one column per
-- indicator (ind_<code with dots as underscores>, e.g. ind_1_1_1). Columns are the union over framework
-- years; an indicator that a framework year does not have is NULL in that year's rows.
CREATE OR REPLACE TABLE core.pii_input AS
WITH wide AS (
    PIVOT (
        SELECT framework_year, province_code, 'ind_' || replace(indicator_code, '.', '_') AS column_name, value
        FROM core.indicator_values
    )
    ON column_name USING first(value)
    GROUP BY framework_year, province_code
),
boundaries AS (
    SELECT DISTINCT framework_year, boundary FROM meta.framework_indicators
)
SELECT w.framework_year, w.province_code, p.name_vi AS province_name, w.* EXCLUDE (framework_year, province_code)
FROM wide w
JOIN boundaries b USING (framework_year)
JOIN meta.provinces p ON p.boundary = b.boundary AND p.province_code = w.province_code
ORDER BY w.framework_year, w.province_code;
