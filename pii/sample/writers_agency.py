"""Agency submission workbooks (docs/source_formats.md, kind ``agency_submission``)."""

from __future__ import annotations

from pathlib import Path

from pii.catalog import Source, measures_of_source
from pii.sample.common import NOTICE, NOTICE_SHORT, new_workbook, write_lines
from pii.sample.profiles import boundary_for_year, provinces, stream
from pii.sample.values import SampleModel, measure_decimals

SHEET_INTRO = "Hướng dẫn"
SHEET_DATA = "Số liệu"
HEADER = ("STT", "Mã tỉnh", "Tỉnh/Thành phố", "Mã chỉ tiêu", "Tên chỉ tiêu", "Đơn vị tính", "Giá trị", "Tử số",
          "Mẫu số", "Số văn bản minh chứng", "Ngày văn bản", "Người cung cấp", "Ghi chú")
SUBMITTER = "Cán bộ đầu mối (mô phỏng)"
# Department names; from data year 2025 some departments were merged into others.
AGENCY_NAMES = {
    "SKHCN": "Sở Khoa học và Công nghệ", "SGDDT": "Sở Giáo dục và Đào tạo", "STC": "Sở Tài chính",
    "SCT": "Sở Công Thương", "SLDTBXH": "Sở Lao động - Thương binh và Xã hội",
    "SNNPTNT": "Sở Nông nghiệp và Phát triển nông thôn", "SKHDT": "Sở Kế hoạch và Đầu tư",
    "BQLKKT": "Ban Quản lý các khu kinh tế, khu công nghiệp", "NHNN": "Ngân hàng Nhà nước chi nhánh tỉnh",
}
AGENCY_NAMES_2025 = {"SLDTBXH": "Sở Nội vụ", "SNNPTNT": "Sở Nông nghiệp và Môi trường", "SKHDT": "Sở Tài chính"}


def agency_name(agency: str, year: int) -> str:
    if year >= 2025 and agency in AGENCY_NAMES_2025:
        return AGENCY_NAMES_2025[agency]
    return AGENCY_NAMES.get(agency, agency)


def write_agency(model: SampleModel, source: Source, year: int, path: Path) -> int:
    """One row per province x measure of the source; returns the number of data rows."""
    boundary = boundary_for_year(year)
    provs = provinces(boundary)
    measures = measures_of_source(source.source_id)
    name = agency_name(source.agency, year)
    wb = new_workbook(path, f"{name} – số liệu PII {year} (mô phỏng)", model.seed)
    bold = wb.add_format({"bold": True})
    write_lines(wb.add_worksheet(SHEET_INTRO), [
        f"HƯỚNG DẪN ĐIỀN BIỂU – {name.upper()} – NĂM SỐ LIỆU {year}",
        NOTICE,
        f"Tệp này do `pii sample --seed {model.seed}` tạo ra; mọi con số, văn bản và người cung cấp đều là mô phỏng.",
        "This workbook is synthetic sample data for testing the PII pipeline; it is not an official submission.",
        f"1. Mỗi dòng của trang '{SHEET_DATA}' là một chỉ tiêu của một tỉnh, thành phố.",
        "2. 'Mã tỉnh' là mã 2 ký tự dạng văn bản; 'Mã chỉ tiêu' theo danh mục chỉ tiêu PII.",
        "3. 'Giá trị' ghi theo 'Đơn vị tính' của dòng; 'Tử số' và 'Mẫu số' không bắt buộc.",
        "4. 'Ngày văn bản' ghi theo dạng dd/mm/yyyy.",
    ], bold)
    ws = wb.add_worksheet(SHEET_DATA)
    ws.write_string(0, 0, f"BIỂU CUNG CẤP SỐ LIỆU PHỤC VỤ TÍNH TOÁN CHỈ SỐ PII – {name}", bold)
    ws.write_string(1, 0, NOTICE_SHORT)
    ws.write_string(2, 0, f"Năm số liệu: {year}")
    for col, text in enumerate(HEADER):
        ws.write_string(3, col, text, bold)
    ws.set_column(2, 2, 24)
    ws.set_column(4, 4, 60)
    ws.set_column(9, 11, 24)
    values = {m.code: model.value(m.code, year, boundary) for m in measures}
    formats = {d: wb.add_format({"num_format": "0" + ("." + "0" * d if d > 0 else "")}) for d in range(0, 5)}
    # Evidence: one report number and date per province (a department sends one dossier).
    rng = stream(model.seed, "agency_evidence", source.source_id, year, boundary)
    report_no = rng.integers(10, 999, len(provs))
    report_day = rng.integers(1, 32, len(provs))
    row = 4
    for i, p in enumerate(provs):
        evidence = (f"{report_no[i]}/BC-{source.agency}", f"{report_day[i]:02d}/03/{year + 1}", SUBMITTER)
        for m in measures:
            ws.write_number(row, 0, row - 3)
            for col, text in enumerate((p.code, p.name_vi, m.code, m.name_vi, m.unit), start=1):
                ws.write_string(row, col, text)  # text cells: "01" keeps its leading zero
            fmt = formats[min(max(measure_decimals(m.code), 0), 4)]
            ws.write_number(row, 6, float(values[m.code][i]), fmt)
            for col, text in enumerate(evidence, start=9):  # Tử số / Mẫu số / Ghi chú stay empty
                ws.write_string(row, col, text)
            row += 1
    wb.close()
    return row - 4
