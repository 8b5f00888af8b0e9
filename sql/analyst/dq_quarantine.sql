-- What was quarantined, counted by source, supplying agency, data year and reason.
CREATE OR REPLACE VIEW analyst.dq_quarantine AS
SELECT
    q.source_id, s.agency, a.name_en AS agency_name_en, l.data_year, q.reason_code,
    count(*) AS quarantined_rows, count(DISTINCT q.file_path) AS files,
    min(q.file_path) AS first_file, min(q.reason) AS example_reason
FROM quarantine.rows q
LEFT JOIN meta.sources s USING (source_id)
LEFT JOIN meta.agencies a ON a.agency_code = s.agency
LEFT JOIN meta.landing_files l ON l.file_path = q.file_path
GROUP BY q.source_id, s.agency, a.name_en, l.data_year, q.reason_code
ORDER BY q.source_id, l.data_year, q.reason_code;
