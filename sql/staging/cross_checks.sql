-- Cross-checks: a value a secondary source also prints (priority 2, e.g. the trained-labour share in the
-- PCI workbook) against the value used from the primary source. Status: ok, or differs when the relative
-- difference exceeds $reconcile_warn; missing_primary when only the secondary source has it.
CREATE OR REPLACE TABLE staging.cross_checks AS
SELECT
    c.province_code, c.boundary, c.year, c.measure_code,
    c.value AS cross_check_value, c.source_id AS cross_check_source, c.file_path AS cross_check_file,
    c.sheet AS cross_check_sheet, c.row_number AS cross_check_row, c.column_ref AS cross_check_column,
    v.value AS primary_value, v.source_id AS primary_source, v.file_path AS primary_file,
    abs(c.value - v.value) / nullif(abs(v.value), 0) AS relative_difference,
    CASE
        WHEN v.source_id = c.source_id THEN 'missing_primary'
        WHEN abs(c.value - v.value) > $reconcile_warn * abs(v.value) THEN 'differs'
        ELSE 'ok'
    END AS status
FROM staging.measure_observations c
JOIN staging.measure_values v USING (province_code, boundary, year, measure_code)
WHERE c.priority > 1
ORDER BY c.measure_code, c.year, c.province_code, c.file_path, c.row_number;
