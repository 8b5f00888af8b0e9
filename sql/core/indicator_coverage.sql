-- Coverage per indicator (share of provinces with a value) and per province and sub-index (share of
-- indicators with a value), against GII's minimum-coverage share $min_coverage (reference/quality.yaml).
CREATE OR REPLACE TABLE core.indicator_coverage AS
WITH v AS (
    SELECT v.framework_year, v.indicator_code, v.province_code, v.value, i.sub_index
    FROM core.indicator_values v
    JOIN meta.framework_indicators i USING (framework_year, indicator_code)
),
by_indicator AS (
    SELECT framework_year, 'indicator' AS unit_kind, indicator_code AS code, any_value(sub_index) AS sub_index,
           count(*) AS expected, count(value) AS present
    FROM v GROUP BY framework_year, indicator_code
),
by_province AS (
    SELECT framework_year, 'province' AS unit_kind, province_code AS code, sub_index,
           count(*) AS expected, count(value) AS present
    FROM v GROUP BY framework_year, province_code, sub_index
)
SELECT *, present / expected AS coverage, present / expected >= $min_coverage AS meets_rule
FROM (SELECT * FROM by_indicator UNION ALL SELECT * FROM by_province)
ORDER BY framework_year, unit_kind, code, sub_index;
