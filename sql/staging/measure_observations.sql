-- Every observation of a base measure: values read from cells, counts of administrative records, and
-- aggregates of microdata (written per source by assets/staging/microdata.py).
-- Record lists count per province and measure; a province with no record counts zero, but only for
-- files that conformed as a whole (a file with a missing column must not turn into zeros).
CREATE OR REPLACE TABLE staging.measure_observations AS
WITH record_files AS (
    SELECT f.*
    FROM meta.landing_files f
    JOIN meta.sources s USING (source_id)
    WHERE s.kind = 'record_list' AND f.conformed_ok AND f.read_error IS NULL
),
counted AS (
    SELECT
        f.source_id, f.file_path, f.file_sha256, NULL::VARCHAR AS sheet, NULL::BIGINT AS row_number,
        NULL::VARCHAR AS column_ref, p.name_vi AS province_text, p.province_code, p.boundary,
        f.data_year::INTEGER AS year, m.measure_code, count(r.record_id)::DOUBLE AS value, m.unit,
        false AS is_preliminary, f.data_year::INTEGER AS edition_year, NULL::VARCHAR AS evidence,
        1::TINYINT AS priority
    FROM record_files f
    JOIN meta.measures m ON m.source_id = f.source_id
    JOIN meta.provinces p ON p.boundary = f.boundary
    LEFT JOIN staging.record_rows r
        ON r.file_path = f.file_path AND r.province_code = p.province_code AND r.measure_code = m.measure_code
    GROUP BY ALL
)
SELECT * FROM staging.cell_observations
UNION ALL BY NAME
SELECT * FROM counted
UNION ALL BY NAME
SELECT * FROM staging.microdata_observations  -- aggregates of unit records (pii/ingest/microdata.py)
ORDER BY measure_code, boundary, year, province_code, edition_year, source_id, file_path, row_number, column_ref;
