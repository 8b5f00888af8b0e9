"""Administrative record lists (docs/source_formats.md, kind ``record_list``): one row per record.

The number of records per province and category equals the model's count for that measure, so
counting the file gives back ``expected_values``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from pii.catalog import Source
from pii.sample.common import NOTICE, display_name, new_workbook, write_csv
from pii.sample.profiles import boundary_for_year, provinces, stream
from pii.sample.values import SampleModel

# Application-number prefix per category ("4-2023-00001" is a trademark application of 2023).
PREFIX = {
    "patent_applications": 1, "utility_solution_applications": 2, "design_applications": 3,
    "trademark_applications": 4, "gi_applications": 5, "collective_mark_applications": 6,
}
APPLICANTS = {
    "patent_applications": (
        "Công ty mô phỏng", "Viện nghiên cứu mô phỏng", "Trường Đại học mô phỏng", "Cá nhân mô phỏng",
    ),
    "utility_solution_applications": ("Công ty mô phỏng", "Viện nghiên cứu mô phỏng", "Cá nhân mô phỏng"),
    "gi_applications": ("Ủy ban nhân dân mô phỏng", "Hội sản xuất mô phỏng"),
    "collective_mark_applications": ("Hợp tác xã mô phỏng", "Hội sản xuất mô phỏng", "Ủy ban nhân dân mô phỏng"),
}
DEFAULT_APPLICANTS = ("Công ty mô phỏng", "Hộ kinh doanh mô phỏng", "Cá nhân mô phỏng")
ORGANISATION_KINDS = ("Viện nghiên cứu mô phỏng", "Trung tâm ứng dụng KH&CN mô phỏng", "Công ty TNHH KH&CN mô phỏng",
                      "Trung tâm nghiên cứu mô phỏng", "Liên hiệp KH&CN mô phỏng")
ACTIVE, DISSOLVED = "Đang hoạt động", "Đã giải thể"
DISSOLVED_SHARE = 0.053  # ~5 % of listed organisations are dissolved
CSV_NOTICE = "DỮ LIỆU MÔ PHỎNG – SYNTHETIC DATA (not official statistics)"


def _days(year: int) -> list[str]:
    start = dt.date(year, 1, 1)
    n = (dt.date(year + 1, 1, 1) - start).days
    return [(start + dt.timedelta(days=i)).strftime("%d/%m/%Y") for i in range(n)]


def write_applications(model: SampleModel, source: Source, year: int, path: Path) -> int:
    """The industrial-property application list of one filing year (CSV)."""
    spec = source.spec
    boundary = boundary_for_year(year)
    provs = provinces(boundary)
    names = [display_name(p, variants=True) for p in provs]
    days = _days(year)
    rows: list[list[str]] = []
    for label, measure in spec["categories"].items():
        counts = model.value(measure, year, boundary).astype(np.int64)
        prefix = PREFIX.get(measure, 7 + list(spec["categories"].values()).index(measure))
        rng = stream(model.seed, "records", source.source_id, measure, year, boundary)
        province = np.repeat(np.arange(len(provs)), counts)
        day = rng.integers(0, len(days), len(province))
        applicant_id = rng.integers(1, 100_000, len(province))
        kinds = APPLICANTS.get(measure, DEFAULT_APPLICANTS)
        kind = rng.integers(0, len(kinds), len(province))
        # Numbers are given in filing order, as the office does.
        for seq, j in enumerate(np.lexsort((province, day)), start=1):
            rows.append([f"{prefix}-{year}-{seq:05d}", label, days[day[j]], f"{kinds[kind[j]]} {applicant_id[j]:05d}",
                         names[province[j]]])
    header = [spec["record_id_column"], spec["category_column"], spec["date_column"], "Người nộp đơn",
              spec["province_column"]]
    title = f"Danh sách đơn đăng ký sở hữu công nghiệp nộp năm {year} theo tỉnh của người nộp đơn – {CSV_NOTICE}"
    return write_csv(path, title, header, rows)


def write_registry(model: SampleModel, source: Source, year: int, path: Path) -> int:
    """The S&T organisation registry at 31 December (xlsx); active rows per province = the measure."""
    spec = source.spec
    boundary = boundary_for_year(year)
    provs = provinces(boundary)
    active = model.value(spec["measure"], year, boundary).astype(np.int64)
    wb = new_workbook(path, f"Danh sách tổ chức KH&CN {year} (mô phỏng)", model.seed)
    bold = wb.add_format({"bold": True})
    ws = wb.add_worksheet(spec.get("sheet", "Danh sách"))
    ws.write_string(0, 0, f"DANH SÁCH TỔ CHỨC KHOA HỌC VÀ CÔNG NGHỆ ĐÃ ĐĂNG KÝ HOẠT ĐỘNG – TÌNH TRẠNG TẠI 31/12/{year}",
                    bold)
    ws.write_string(1, 0, NOTICE)
    header = ("STT", spec["record_id_column"], "Tên tổ chức", spec["province_column"], spec["date_column"],
              spec["status_column"])
    for col, text in enumerate(header):
        ws.write_string(2, col, text, bold)
    ws.set_column(1, 1, 22)
    ws.set_column(2, 2, 48)
    ws.set_column(3, 5, 20)
    first, last = dt.date(2000, 1, 1), dt.date(year, 12, 31)
    span = (last - first).days + 1
    counted = spec.get("counted_status", ACTIVE)
    row = 3
    for i, p in enumerate(provs):
        rng = stream(model.seed, "records", source.source_id, p.code, year, boundary)
        dissolved = int(rng.binomial(active[i], DISSOLVED_SHARE))
        total = int(active[i]) + dissolved
        status = np.zeros(total, dtype=bool)
        status[rng.permutation(total)[:dissolved]] = True
        issued = np.sort(rng.integers(0, span, total))
        kind = rng.integers(0, len(ORGANISATION_KINDS), total)
        for k in range(total):
            ws.write_number(row, 0, row - 2)
            ws.write_string(row, 1, f"A-{p.code}-{k + 1:04d}")
            ws.write_string(row, 2, f"{ORGANISATION_KINDS[kind[k]]} {p.code}-{k + 1:04d}")
            ws.write_string(row, 3, p.name_vi)
            ws.write_string(row, 4, (first + dt.timedelta(days=int(issued[k]))).strftime("%d/%m/%Y"))
            ws.write_string(row, 5, DISSOLVED if status[k] else counted)
            row += 1
    wb.close()
    return row - 3


def write_record_list(model: SampleModel, source: Source, year: int, path: Path) -> int:
    if "categories" in source.spec:
        if source.format != "csv":
            raise ValueError(f"{source.source_id}: pii sample writes application lists as CSV only")
        return write_applications(model, source, year, path)
    if source.format != "xlsx":
        raise ValueError(f"{source.source_id}: pii sample writes registries as xlsx only")
    return write_registry(model, source, year, path)
