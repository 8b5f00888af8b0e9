-- Plausibility warnings, each naming the province, the values and the file:
--   year_on_year   a base measure changing by more than $yoy_change (relative) between consecutive years on
--                  the same boundary, where either value is at least $yoy_min_level;
--   robust_outlier an indicator value (previous_value holds the median) with |0.6745 (x − median) / MAD| above $robust_z among the provinces
--                  of its framework year (MAD = median absolute deviation; skipped when MAD is 0). Strictly
--                  positive indicators are compared on the log scale: per-capita and size measures are
--                  right-skewed, and the big cities would otherwise be flagged every year.
CREATE OR REPLACE TABLE core.plausibility_flags AS
WITH yoy AS (
    SELECT
        'year_on_year' AS flag, NULL::INTEGER AS framework_year, cur.province_code, cur.boundary,
        cur.measure_code AS code, cur.year, prev.value AS previous_value, cur.value,
        (cur.value - prev.value) / nullif(abs(prev.value), 0) AS score, cur.file_path,
        prev.file_path AS previous_file_path
    FROM staging.measure_values cur
    JOIN staging.measure_values prev
        ON prev.province_code = cur.province_code AND prev.boundary = cur.boundary
       AND prev.measure_code = cur.measure_code AND prev.year = cur.year - 1
    WHERE greatest(abs(cur.value), abs(prev.value)) >= $yoy_min_level
      AND abs(cur.value - prev.value) > $yoy_change * abs(prev.value)
),
scale AS (
    SELECT framework_year, indicator_code, min(value) > 0 AS use_log
    FROM core.indicator_values WHERE value IS NOT NULL GROUP BY ALL
),
scaled AS (
    SELECT v.*, s.use_log, CASE WHEN s.use_log THEN ln(v.value) ELSE v.value END AS x
    FROM core.indicator_values v JOIN scale s USING (framework_year, indicator_code)
    WHERE v.value IS NOT NULL
),
stats AS (
    SELECT framework_year, indicator_code, median(x) AS med FROM scaled GROUP BY ALL
),
mad AS (
    SELECT v.framework_year, v.indicator_code, any_value(s.med) AS med, median(abs(v.x - s.med)) AS mad
    FROM scaled v JOIN stats s USING (framework_year, indicator_code)
    GROUP BY ALL
),
sources AS (
    -- the files an indicator value was read from (empty when rebased from the 63 provinces)
    SELECT t.framework_year, t.indicator_code, v.province_code,
           string_agg(DISTINCT v.file_path, '; ' ORDER BY v.file_path) AS files
    FROM meta.framework_formula_terms t
    JOIN staging.measure_values v
        ON v.boundary = t.boundary AND v.measure_code = t.measure_code AND v.year = t.year
    GROUP BY ALL
),
outliers AS (
    SELECT
        'robust_outlier' AS flag, v.framework_year, v.province_code, v.boundary, v.indicator_code AS code,
        v.data_year AS year, CASE WHEN v.use_log THEN exp(m.med) ELSE m.med END AS previous_value, v.value,
        0.6745 * (v.x - m.med) / m.mad AS score, s.files AS file_path, NULL AS previous_file_path
    FROM scaled v
    JOIN mad m USING (framework_year, indicator_code)
    LEFT JOIN sources s USING (framework_year, indicator_code, province_code)
    WHERE m.mad > 0 AND abs(0.6745 * (v.x - m.med) / m.mad) > $robust_z
)
SELECT * FROM yoy
UNION ALL
SELECT * FROM outliers
ORDER BY flag, framework_year NULLS FIRST, code, year, province_code;
