-- Every indicator of every framework year for every province of that year's boundary, computed
-- generically from meta.framework_formula_terms:
--   direct  value = numerator
--   ratio   value = numerator / denominator × scale   (numerator may sum several measures)
--   share   value = numerator / total over all provinces × scale
--   change  growth_pct (num/den − 1) × 100, difference num − den, decrease den − num (den = previous year)
-- A missing input gives a NULL value, never a dropped row, so the grid is always complete.
CREATE OR REPLACE TABLE core.indicator_values AS
WITH grid AS (
    SELECT i.framework_year, i.indicator_code, i.formula_kind, i.scale, i.change_mode, i.data_year, i.unit,
           i.boundary, p.province_code
    FROM meta.framework_indicators i
    JOIN meta.provinces p ON p.boundary = i.boundary
),
terms AS (
    SELECT
        g.framework_year, g.indicator_code, g.province_code, t.role,
        count(*) AS n_terms, count(v.value) AS n_present,
        sum(v.value ORDER BY t.measure_code) AS total,
        bool_or(coalesce(v.is_rebased, false)) AS is_rebased
    FROM grid g
    JOIN meta.framework_formula_terms t USING (framework_year, indicator_code)
    LEFT JOIN core.framework_measure_values v
        ON v.framework_year = g.framework_year AND v.province_code = g.province_code
       AND v.measure_code = t.measure_code AND v.year = t.year
    GROUP BY ALL
),
parts AS (
    SELECT
        framework_year, indicator_code, province_code,
        max(CASE WHEN role = 'numerator' AND n_present = n_terms THEN total END) AS numerator,
        max(CASE WHEN role = 'denominator' AND n_present = n_terms THEN total END) AS denominator,
        bool_or(is_rebased) AS is_rebased
    FROM terms
    GROUP BY ALL
),
national AS (
    SELECT
        g.framework_year, g.indicator_code,
        CASE WHEN count(p.numerator) = count(*) THEN sum(p.numerator ORDER BY p.province_code) END AS total
    FROM grid g
    JOIN parts p USING (framework_year, indicator_code, province_code)
    WHERE g.formula_kind = 'share'
    GROUP BY ALL
)
SELECT
    g.framework_year, g.indicator_code, g.province_code, g.data_year::INTEGER AS data_year,
    CASE g.formula_kind
        WHEN 'direct' THEN p.numerator
        WHEN 'ratio' THEN p.numerator / nullif(p.denominator, 0) * g.scale
        WHEN 'share' THEN p.numerator / nullif(n.total, 0) * g.scale
        WHEN 'change' THEN CASE g.change_mode
            WHEN 'growth_pct' THEN (p.numerator / nullif(p.denominator, 0) - 1) * 100
            WHEN 'difference' THEN p.numerator - p.denominator
            WHEN 'decrease' THEN p.denominator - p.numerator
        END
    END AS value,
    p.numerator,
    CASE WHEN g.formula_kind = 'share' THEN n.total ELSE p.denominator END AS denominator,
    g.unit, g.boundary, g.formula_kind, p.is_rebased
FROM grid g
JOIN parts p USING (framework_year, indicator_code, province_code)
LEFT JOIN national n USING (framework_year, indicator_code)
ORDER BY g.framework_year, g.indicator_code, g.province_code;
