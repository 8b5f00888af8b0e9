"""Agency submission workbooks (docs/source_formats.md, kind ``agency_submission``), through pii.templates."""

from __future__ import annotations

from pathlib import Path

from pii.catalog import Source, measures_of_source
from pii.sample.common import NOTICE, NOTICE_SHORT
from pii.sample.profiles import boundary_for_year, provinces, stream
from pii.sample.values import SampleModel, measure_decimals
from pii.templates import SubmissionRow, write_submission

SUBMITTER = "Cán bộ đầu mối (mô phỏng)"


def write_agency(model: SampleModel, source: Source, year: int, path: Path) -> int:
    """One row per province x measure of the source; returns the number of data rows."""
    boundary = boundary_for_year(year)
    provs = provinces(boundary)
    measures = measures_of_source(source.source_id)
    values = {m.code: model.value(m.code, year, boundary) for m in measures}
    # Evidence: one report number and date per province (a department sends one dossier).
    rng = stream(model.seed, "agency_evidence", source.source_id, year, boundary)
    report_no = rng.integers(10, 999, len(provs))
    report_day = rng.integers(1, 32, len(provs))
    rows = [
        SubmissionRow(p.code, p.name_vi, m, float(values[m.code][i]), measure_decimals(m.code),
                      (f"{report_no[i]}/BC-{source.agency}", f"{report_day[i]:02d}/03/{year + 1}", SUBMITTER))
        for i, p in enumerate(provs) for m in measures
    ]
    intro = [
        NOTICE_SHORT, NOTICE,
        f"Tệp này do `pii sample --seed {model.seed}` tạo ra; mọi con số, văn bản và người cung cấp đều là mô phỏng.",
        "This workbook is synthetic sample data for testing the PII pipeline; it is not an official submission.",
    ]
    return write_submission(path, source, year, rows, intro, "pii sample (synthetic data generator)")
