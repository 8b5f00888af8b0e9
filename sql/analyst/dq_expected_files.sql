-- Files each source is expected to deliver — one per (source, data year) a framework year reads a measure
-- of — and whether they landed: 'conformed', 'landed_not_conformed' (read error or rejected),
-- 'covered_by_other_edition' (no file of that year, but another year's edition printed every measure needed,
-- e.g. a yearbook's previous-year column) or 'absent'.
-- The reference data hold no delivery deadlines: a file is late when it is absent at this build; when a
-- file was first seen is first_recorded_at (meta.file_versions).
CREATE OR REPLACE VIEW analyst.dq_expected_files AS
WITH expected AS (
    SELECT m.source_id, t.year AS data_year, count(DISTINCT t.measure_code) AS n_measures,
           string_agg(DISTINCT t.measure_code, ', ' ORDER BY t.measure_code) AS measures,
           string_agg(DISTINCT CAST(t.framework_year AS VARCHAR), ', '
                      ORDER BY CAST(t.framework_year AS VARCHAR)) AS framework_years
    FROM meta.framework_formula_terms t
    JOIN meta.measures m USING (measure_code)
    GROUP BY m.source_id, t.year
),
landed AS (
    SELECT source_id, data_year, count(*) AS files, count(*) FILTER (WHERE status = 'conformed') AS conformed,
           string_agg(file_path, '; ' ORDER BY file_path) AS file_paths, CAST(sum(raw_rows) AS BIGINT) AS raw_rows,
           string_agg(reason, '; ' ORDER BY file_path) AS reasons
    FROM meta.landing_files WHERE source_id IS NOT NULL GROUP BY source_id, data_year
),
covered AS (
    SELECT source_id, year AS data_year, count(DISTINCT measure_code) AS n_measures
    FROM staging.measure_values GROUP BY source_id, year
),
seen AS (
    SELECT source_id, data_year, min(recorded_at) AS first_recorded_at
    FROM meta.file_versions GROUP BY source_id, data_year
)
SELECT
    e.source_id, s.agency, a.name_en AS agency_name_en, a.valid_to AS agency_valid_to,
    a.successor_code AS agency_successor, e.data_year,
    replace(s.file_pattern, '{year}', CAST(e.data_year AS VARCHAR)) AS expected_file, e.measures,
    e.framework_years,
    CASE
        WHEN l.conformed > 0 THEN 'conformed'
        WHEN l.files > 0 THEN 'landed_not_conformed'
        WHEN c.n_measures >= e.n_measures THEN 'covered_by_other_edition'
        ELSE 'absent'
    END AS status,
    coalesce(l.files, 0) AS files_landed, l.file_paths, l.raw_rows, l.reasons, sn.first_recorded_at
FROM expected e
LEFT JOIN meta.sources s USING (source_id)
LEFT JOIN meta.agencies a ON a.agency_code = s.agency
LEFT JOIN landed l ON l.source_id = e.source_id AND l.data_year = e.data_year
LEFT JOIN covered c ON c.source_id = e.source_id AND c.data_year = e.data_year
LEFT JOIN seen sn ON sn.source_id = e.source_id AND sn.data_year = e.data_year
ORDER BY e.source_id, e.data_year;
