-- Reconciliation: each national or region total a source prints against the same file's province values
-- (same sheet column, same edition), aggregated by the measure's rule (sum, or mean weighted by its weight
-- measure read from the same file). Status: ok, warn (> $reconcile_warn), fail (> $reconcile_fail) or
-- incomplete (a member province has no staged value, so the total cannot be reproduced), or
-- not_comparable (a measure without an aggregation rule).
CREATE OR REPLACE TABLE staging.reconciliation AS
WITH obs AS (
    SELECT o.file_path, o.column_ref, o.measure_code, o.year, o.province_code, o.value,
           lower(strip_accents(p.region_vi)) AS region_key
    FROM staging.measure_observations o
    JOIN meta.provinces p ON p.boundary = o.boundary AND p.province_code = o.province_code
    WHERE o.source_id IN (SELECT DISTINCT source_id FROM staging.reported_totals)
),
totals AS (
    SELECT t.*, m.aggregation, m.weight_measure, lower(strip_accents(t.label)) AS label_key
    FROM staging.reported_totals t
    JOIN meta.measures m USING (measure_code)
),
members AS (
    SELECT t.file_path, t.sheet, t.row_number, t.column_ref, p.province_code
    FROM totals t
    JOIN meta.provinces p ON p.boundary = t.boundary
     AND (t.kind = 'national' OR lower(strip_accents(p.region_vi)) = t.label_key)
),
weights AS (
    SELECT file_path, measure_code, year, province_code, value FROM obs
),
computed AS (
    SELECT
        t.file_path, t.sheet, t.row_number, t.column_ref, t.label, t.kind, t.boundary, t.year, t.measure_code,
        t.aggregation, t.value AS reported,
        count(m.province_code) AS provinces_expected,
        count(o.value) AS provinces_found,
        sum(o.value ORDER BY m.province_code) AS value_sum,
        sum(o.value * w.value ORDER BY m.province_code) AS weighted_sum,
        sum(CASE WHEN o.value IS NOT NULL THEN w.value END ORDER BY m.province_code) AS weight_sum
    FROM totals t
    JOIN members m USING (file_path, sheet, row_number, column_ref)
    LEFT JOIN obs o
        ON o.file_path = t.file_path AND o.column_ref = t.column_ref AND o.measure_code = t.measure_code
       AND o.year = t.year AND o.province_code = m.province_code
    LEFT JOIN weights w
        ON w.file_path = t.file_path AND w.measure_code = t.weight_measure AND w.year = t.year
       AND w.province_code = m.province_code
    GROUP BY ALL
),
aggregated AS (
    SELECT
        * EXCLUDE (value_sum, weighted_sum, weight_sum),
        CASE aggregation
            WHEN 'sum' THEN value_sum
            WHEN 'weighted_mean' THEN weighted_sum / nullif(weight_sum, 0)
        END AS from_provinces
    FROM computed
)
SELECT
    *,
    abs(from_provinces - reported) / nullif(abs(reported), 0) AS relative_difference,
    CASE
        WHEN provinces_found < provinces_expected THEN 'incomplete'
        WHEN from_provinces IS NULL THEN 'not_comparable'
        WHEN abs(from_provinces - reported) / nullif(abs(reported), 0) > $reconcile_fail THEN 'fail'
        WHEN abs(from_provinces - reported) / nullif(abs(reported), 0) > $reconcile_warn THEN 'warn'
        ELSE 'ok'
    END AS status
FROM aggregated
ORDER BY measure_code, year, file_path, sheet, row_number, column_ref;
