-- The base-measure values each framework year reads, on that framework year's boundary.
-- A (measure, year) published on the target boundary is used as is. Otherwise, for the 34-province
-- boundary, the 63-province values are rebased through the 2025 crosswalk by the measure's rule:
-- sum, or mean weighted by another measure. A merged province gets a value only when every member
-- province (and, for weighted means, every member's weight) is present; not-additive measures are
-- never rebased. Float sums are ordered so reruns give identical bits.
CREATE OR REPLACE TABLE core.framework_measure_values AS
WITH needs AS (
    SELECT DISTINCT framework_year, boundary, measure_code, year FROM meta.framework_formula_terms
),
on_target AS (
    SELECT n.framework_year, v.province_code, n.boundary, n.measure_code, n.year, v.value, false AS is_rebased
    FROM needs n
    JOIN staging.measure_values v USING (boundary, measure_code, year)
),
members AS (
    SELECT new_code, count(*) AS n_members FROM meta.province_crosswalk GROUP BY new_code
),
to_rebase AS (
    SELECT n.*
    FROM needs n
    WHERE n.boundary = 'p34'
      AND NOT EXISTS (
          SELECT 1 FROM on_target t
          WHERE t.framework_year = n.framework_year AND t.measure_code = n.measure_code AND t.year = n.year
      )
),
rebased AS (
    SELECT
        n.framework_year, x.new_code AS province_code, n.boundary, n.measure_code, n.year, m.aggregation,
        sum(v.value ORDER BY v.province_code) AS value_sum,
        sum(v.value * w.value ORDER BY v.province_code) / nullif(sum(w.value ORDER BY v.province_code), 0) AS value_wmean,
        count(v.value) AS n_values, count(w.value) AS n_weights, any_value(mb.n_members) AS n_members
    FROM to_rebase n
    JOIN meta.measures m USING (measure_code)
    JOIN staging.measure_values v ON v.boundary = 'p63' AND v.measure_code = n.measure_code AND v.year = n.year
    JOIN meta.province_crosswalk x ON x.old_code = v.province_code
    JOIN members mb ON mb.new_code = x.new_code
    LEFT JOIN staging.measure_values w
        ON w.boundary = 'p63' AND w.measure_code = m.weight_measure AND w.year = n.year
       AND w.province_code = v.province_code
    WHERE m.aggregation <> 'not_additive'
    GROUP BY n.framework_year, x.new_code, n.boundary, n.measure_code, n.year, m.aggregation
)
SELECT framework_year, province_code, boundary, measure_code, year, value, is_rebased FROM on_target
UNION ALL
SELECT
    framework_year, province_code, boundary, measure_code, year,
    CASE
        WHEN n_values < n_members THEN NULL
        WHEN aggregation = 'sum' THEN value_sum
        WHEN n_weights = n_members THEN value_wmean
    END AS value,
    true AS is_rebased
FROM rebased
ORDER BY framework_year, measure_code, year, province_code;
