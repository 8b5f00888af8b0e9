-- One row per framework year × indicator × province: the value, its score and rank, and where it came from.
-- source_ids / source_files list every landing file behind the indicator's measures (for a value rebased
-- onto the 34 provinces: the files of every predecessor province), sorted and joined with '; '.
CREATE OR REPLACE VIEW analyst.indicator_values AS
WITH ranked AS (
    SELECT framework_year, code, count(rank) AS n
    FROM pii.scores WHERE level = 'indicator' GROUP BY framework_year, code
),
sources AS (
    SELECT t.framework_year, t.indicator_code, f.province_code,
           string_agg(DISTINCT v.source_id, '; ' ORDER BY v.source_id) AS source_ids,
           string_agg(DISTINCT v.file_path, '; ' ORDER BY v.file_path) AS source_files,
           string_agg(DISTINCT v.evidence, '; ' ORDER BY v.evidence) AS submission_evidence
    FROM meta.framework_formula_terms t
    JOIN core.framework_measure_values f
        ON f.framework_year = t.framework_year AND f.measure_code = t.measure_code AND f.year = t.year
    LEFT JOIN meta.province_crosswalk x ON f.is_rebased AND x.new_code = f.province_code
    JOIN staging.measure_values v
        ON v.measure_code = t.measure_code AND v.year = t.year
       AND ((NOT f.is_rebased AND v.boundary = f.boundary AND v.province_code = f.province_code)
            OR (f.is_rebased AND v.boundary = 'p63' AND v.province_code = x.old_code))
    GROUP BY t.framework_year, t.indicator_code, f.province_code
)
SELECT
    iv.framework_year, iv.boundary, iv.province_code, p.name_vi AS province_name,
    iv.indicator_code, i.column_name, i.name_vi AS indicator_name_vi, i.name_en AS indicator_name_en,
    i.sub_index, i.pillar, pn.name_en AS pillar_name_en, i.sub_pillar, sn.name_en AS sub_pillar_name_en,
    iv.unit, i.direction, iv.data_year, iv.value, iv.numerator, iv.denominator, iv.is_rebased,
    s.score, s.rank, r.n AS n_ranked, CAST(s.rank AS VARCHAR) || '/' || CAST(r.n AS VARCHAR) AS rank_of,
    src.source_ids, src.source_files, i.source AS source_description, i.agency,
    i.framework_file, i.evidence AS evidence_level, i.provenance_source AS evidence_document,
    src.submission_evidence
FROM core.indicator_values iv
JOIN meta.framework_indicators i USING (framework_year, indicator_code)
JOIN meta.provinces p ON p.boundary = iv.boundary AND p.province_code = iv.province_code
LEFT JOIN meta.framework_nodes pn ON pn.framework_year = iv.framework_year AND pn.code = i.pillar
LEFT JOIN meta.framework_nodes sn ON sn.framework_year = iv.framework_year AND sn.code = i.sub_pillar
LEFT JOIN pii.scores s
    ON s.framework_year = iv.framework_year AND s.level = 'indicator' AND s.code = iv.indicator_code
   AND s.province_code = iv.province_code
LEFT JOIN ranked r ON r.framework_year = iv.framework_year AND r.code = iv.indicator_code
LEFT JOIN sources src
    ON src.framework_year = iv.framework_year AND src.indicator_code = iv.indicator_code
   AND src.province_code = iv.province_code
ORDER BY iv.framework_year, iv.indicator_code, iv.province_code;
