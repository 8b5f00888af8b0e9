"""Survey index tables (PAPI, PAR Index, DTI) as CSV (docs/source_formats.md, kind ``survey_index``).

PCI is published as a workbook: pii/sample/writers_pci.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pii.catalog import Source
from pii.sample.common import display_name, fmt, write_csv
from pii.sample.formulas_economy import SURVEY_COLUMNS
from pii.sample.profiles import boundary_for_year, provinces
from pii.sample.values import SampleModel, round_values

TITLES = {
    "papi": "Chỉ số Hiệu quả quản trị và hành chính công cấp tỉnh (PAPI)",
    "par_index": "Chỉ số Cải cách hành chính (PAR Index)",
    "dti": "Chỉ số Chuyển đổi số cấp tỉnh (DTI)",
}
# Files that print publisher-style name variants ("TP. Hồ Chí Minh", "Thừa Thiên - Huế"); none since PCI
# moved to the workbook (which prints VCCI's abbreviations, see writers_pci.py).
USES_VARIANTS: set[str] = set()
RANK_COLUMN = "Xếp hạng"
# No comma in the title line: it stays a single unquoted field for every CSV reader and sniffer.
CSV_NOTICE = "DỮ LIỆU MÔ PHỎNG – SYNTHETIC DATA (not official statistics)"


def write_survey(model: SampleModel, source: Source, year: int, path: Path) -> int:
    """Write one survey file; the composite column is the mean of the components (PAR: the rank)."""
    if source.source_id not in SURVEY_COLUMNS:
        raise ValueError(f"pii sample has no column layout for survey source '{source.source_id}'")
    boundary = boundary_for_year(year)
    provs = provinces(boundary)
    components, composite = SURVEY_COLUMNS[source.source_id]
    values = [model.component(source.source_id, comp.column, year, boundary) for comp in components]
    decimals = max(comp.decimals for comp in components)
    if composite == RANK_COLUMN:
        # Rank 1 = highest score; ties keep the province order.
        order = sorted(range(len(provs)), key=lambda i: (-values[0][i], i))
        last = np.empty(len(provs))
        last[order] = np.arange(1, len(provs) + 1)
        last_text = [str(int(v)) for v in last]
    else:
        last = round_values(np.mean(np.vstack(values), axis=0), decimals)
        last_text = [fmt(v, decimals) for v in last]
    title = TITLES.get(source.source_id, source.title)
    header = ["STT", source.spec.get("province_column", "Tỉnh/Thành phố"), *[c.column for c in components], composite]
    rows = (
        [str(i + 1), display_name(p, source.source_id in USES_VARIANTS),
         *[fmt(v[i], comp.decimals) for v, comp in zip(values, components, strict=True)], last_text[i]]
        for i, p in enumerate(provs)
    )
    return write_csv(path, f"{title} năm {year} – {CSV_NOTICE}", header, rows)
