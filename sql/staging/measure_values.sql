-- One value per (province, boundary, year, measure). The same figure can come from two yearbook
-- editions (preliminary in year Y, final in Y+1): the newest edition wins, then a final over a
-- preliminary figure. A cross-check source (priority 2) is used only where no primary source (priority 1)
-- has the value. All candidates stay in staging.measure_observations.
CREATE OR REPLACE TABLE staging.measure_values AS
SELECT
    province_code, boundary, year, measure_code, value, unit, is_preliminary,
    source_id, file_path, file_sha256, sheet, row_number, column_ref, edition_year, evidence
FROM staging.measure_observations
QUALIFY row_number() OVER (
    PARTITION BY province_code, boundary, year, measure_code
    ORDER BY priority ASC, edition_year DESC, is_preliminary ASC, file_path, row_number, column_ref
) = 1
ORDER BY measure_code, boundary, year, province_code;
