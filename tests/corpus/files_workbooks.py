"""Corpus files that are workbooks (yearbook tables, agency submissions, a record list) or pretend to be.

Yearbook tables follow docs/source_formats.md (title rows 1-3, header from row 4, national row, region
rows, provinces, a footnote); cases.yaml narrows the source's ``tables`` to the sheets each file holds.
Agency submissions follow the template: sheet "Hướng dẫn", sheet "Số liệu" with "Năm số liệu" in row 3
and the header in row 4.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.corpus.writers import NOTICE, Cell, Formula, Sheet, csv_bytes, replace_zip_member, xlsx_bytes

LABEL = "Tỉnh, thành phố trực thuộc trung ương"
RED_RIVER = "Đồng bằng sông Hồng"
AGENCY_HEADER = ["STT", "Mã tỉnh", "Tỉnh/Thành phố", "Mã chỉ tiêu", "Tên chỉ tiêu", "Đơn vị tính", "Giá trị", "Tử số",
                 "Mẫu số", "Số văn bản minh chứng", "Ngày văn bản", "Người cung cấp", "Ghi chú"]
WORKBOOK_FILES: dict[str, Callable[[], bytes]] = {}


def corpus_file(name: str) -> Callable[[Callable[[], bytes]], Callable[[], bytes]]:
    def register(fn: Callable[[], bytes]) -> Callable[[], bytes]:
        WORKBOOK_FILES[name] = fn
        return fn
    return register


def table(name: str, title: str, unit: str, header: list[list[Cell]], body: list[list[Cell]],
          merges: list[tuple[str, str]] | None = None) -> Sheet:
    """A yearbook table sheet: title, notice, unit (rows 1-3), the header rows from row 4, body, footnote."""
    rows = [[f"Bảng. {title} phân theo địa phương"], [NOTICE], [f"Đơn vị tính: {unit}"], *header, *body, [],
            ["Ghi chú: tệp kiểm thử, không phải số liệu chính thức."]]
    return Sheet(name, rows, merges or [])


def simple_table(name: str, title: str, unit: str, years: list[str], body: list[list[Cell]]) -> Sheet:
    return table(name, title, unit, [[LABEL, *years]], body)


def poverty_body() -> list[list[Cell]]:
    return [["CẢ NƯỚC", 4.3, 3.4], [RED_RIVER, 1.9, 1.5], ["Hà Nội", 0.3, 0.1], ["Hải Phòng", 0.4, 0.2],
            ["Thái Bình", 2.6, 2.1]]


def agency_workbook(rows: list[list[Cell]], year_line: str = "Năm số liệu: 2024",
                    header: list[str] | None = None) -> bytes:
    """An SKHCN submission with the given data rows (from row 5)."""
    intro = Sheet("Hướng dẫn", [["HƯỚNG DẪN ĐIỀN BIỂU – TỆP KIỂM THỬ"], [NOTICE]])
    data = Sheet("Số liệu", [["BIỂU CUNG CẤP SỐ LIỆU PHỤC VỤ TÍNH TOÁN CHỈ SỐ PII – Sở Khoa học và Công nghệ"],
                             [NOTICE], [year_line], list(header or AGENCY_HEADER), *rows])
    return xlsx_bytes([intro, data])


def agency_row(n: int, code: str, name: str, measure: str, unit: str, value: Cell) -> list[Cell]:
    return [n, code, name, measure, measure.replace("_", " "), unit, value, None, None, f"{100 + n}/BC-SKHCN",
            "15/03/2025", "Cán bộ đầu mối (kiểm thử)"]


@corpus_file("yb_merged_header.xlsx")
def yb_merged_header() -> bytes:
    """Two-row header: 'Tỉnh, thành phố' merged A4:A5, 'Năm' merged B4:C4, years in row 5."""
    header: list[list[Cell]] = [[None, None, None], [None, "2023", "Sơ bộ 2024"]]
    sheet = table("Hộ nghèo", "Tỷ lệ hộ nghèo", "%", header, poverty_body(), [("A4:A5", LABEL), ("B4:C4", "Năm")])
    return xlsx_bytes([sheet])


@corpus_file("yb_three_row_header.xlsx")
def yb_three_row_header() -> bytes:
    """Three-row header: 'Năm' over B4:D4, years in row 5, '(Sơ bộ)' under 2024 in row 6."""
    header: list[list[Cell]] = [[None, None, None, None], [None, "2022", "2023", "2024"], [None, None, None, "(Sơ bộ)"]]
    body: list[list[Cell]] = [["CẢ NƯỚC", 0.737, 0.739, 0.741], ["Hà Nội", 0.799, 0.801, 0.803],
                              ["Bắc Ninh", 0.770, 0.772, 0.775]]
    sheet = table("HDI", "Chỉ số phát triển con người", "Chỉ số", header, body, [("A4:A6", LABEL), ("B4:D4", "Năm")])
    return xlsx_bytes([sheet])


@corpus_file("yb_preliminary_labels.xlsx")
def yb_preliminary_labels() -> bytes:
    """Preliminary columns written three ways: 'Prel. 2024', '2024 (Sơ bộ)', 'Ước tính 2024'."""
    body: list[list[Cell]] = [["Hà Nội", 0.3, 0.1], ["Hải Phòng", 0.4, 0.2]]
    return xlsx_bytes([
        simple_table("Hộ nghèo", "Tỷ lệ hộ nghèo", "%", ["2023", "Prel. 2024"], body),
        simple_table("HDI", "Chỉ số phát triển con người", "Chỉ số", ["2023", "2024 (Sơ bộ)"],
                     [["Hà Nội", 0.801, 0.803], ["Hải Phòng", 0.760, 0.762]]),
        simple_table("Lao động qua đào tạo", "Tỷ lệ lao động qua đào tạo", "%", ["2023", "Ước tính 2024"],
                     [["Hà Nội", 51.2, 52.0], ["Hải Phòng", 40.1, 41.3]]),
    ])


@corpus_file("yb_formula_cells.xlsx")
def yb_formula_cells() -> bytes:
    """Formulas: the national row and Hà Nội 2024 have saved results (used); Hải Phòng 2024 has none."""
    body: list[list[Cell]] = [
        ["CẢ NƯỚC", Formula("=SUM(B6:B7)", 2600), Formula("=SUM(C6:C7)", 2730)],
        ["Hà Nội", 1500, Formula("=B6*1.05", 1575)],
        ["Hải Phòng", 1100, Formula("=B7*1.05", None)],
    ]
    return xlsx_bytes([simple_table("Doanh nghiệp", "Số doanh nghiệp đang hoạt động", "Doanh nghiệp",
                                    ["2023", "Sơ bộ 2024"], body)])


@corpus_file("yb_out_of_range.xlsx")
def yb_out_of_range() -> bytes:
    """A negative population (thousand persons × 1000) and a poverty rate over 100 %."""
    population: list[list[Cell]] = [["Hà Nội", 8435.7, 8587.1], ["Hải Phòng", -8.4, 2105.0]]
    poverty: list[list[Cell]] = [["Hà Nội", 0.3, 0.1], ["Hải Phòng", 0.4, 104.5]]
    return xlsx_bytes([
        simple_table("Dân số", "Dân số trung bình", "Nghìn người", ["2023", "Sơ bộ 2024"], population),
        simple_table("Hộ nghèo", "Tỷ lệ hộ nghèo", "%", ["2023", "Sơ bộ 2024"], poverty),
    ])


@corpus_file("yb_empty_sheet.xlsx")
def yb_empty_sheet() -> bytes:
    """The 'HDI' sheet exists but holds nothing."""
    return xlsx_bytes([simple_table("Hộ nghèo", "Tỷ lệ hộ nghèo", "%", ["2023", "Sơ bộ 2024"], poverty_body()),
                       Sheet("HDI", [])])


@corpus_file("yb_wrong_edition.xlsx")
def yb_wrong_edition() -> bytes:
    """The 2023 edition (2022, Sơ bộ 2023) in the 2024 folder."""
    return xlsx_bytes([simple_table("Hộ nghèo", "Tỷ lệ hộ nghèo", "%", ["2022", "Sơ bộ 2023"], poverty_body())])


@corpus_file("yb_missing_markers.xlsx")
def yb_missing_markers() -> bytes:
    """Missing values written '..', '-' and '…'."""
    body: list[list[Cell]] = [["Hà Nội", 0.3, ".."], ["Hải Phòng", "-", 0.2], ["Thái Bình", "…", "…"]]
    return xlsx_bytes([simple_table("Hộ nghèo", "Tỷ lệ hộ nghèo", "%", ["2023", "Sơ bộ 2024"], body)])


@corpus_file("yb_old_province_2025.xlsx")
def yb_old_province_2025() -> bytes:
    """A 2025 edition (34 provinces) still listing Long An."""
    body: list[list[Cell]] = [["Tây Ninh", 1.1, 0.9], ["Long An", 1.3, 1.0], ["Hà Nội", 0.1, 0.1]]
    return xlsx_bytes([simple_table("Hộ nghèo", "Tỷ lệ hộ nghèo", "%", ["2024", "Sơ bộ 2025"], body)])


@corpus_file("yb_truncated.xlsx")
def yb_truncated() -> bytes:
    """A valid workbook cut in half (an interrupted upload)."""
    data = xlsx_bytes([simple_table("Hộ nghèo", "Tỷ lệ hộ nghèo", "%", ["2023", "Sơ bộ 2024"], poverty_body())])
    return data[: len(data) // 2]


@corpus_file("yb_corrupt.xlsx")
def yb_corrupt() -> bytes:
    """A zip whose workbook part is damaged XML."""
    data = xlsx_bytes([simple_table("Hộ nghèo", "Tỷ lệ hộ nghèo", "%", ["2023", "Sơ bộ 2024"], poverty_body())])
    return replace_zip_member(data, "xl/workbook.xml", b"<workbook><sheets><sheet name=\"H\xe1\xbb\x99 ngh")


@corpus_file("yb_really_csv.xlsx")
def yb_really_csv() -> bytes:
    """A CSV export renamed to .xlsx."""
    return csv_bytes([[LABEL, "2023", "Sơ bộ 2024"], ["Hà Nội", "0.3", "0.1"]])


@corpus_file("yb_table_as_csv.csv")
def yb_table_as_csv() -> bytes:
    """One yearbook table as CSV with Vietnamese number formats: '1.234,5', 'l0.000', '12 345,6'."""
    rows = [["Bảng. Vốn sản xuất kinh doanh của doanh nghiệp phân theo địa phương"], [NOTICE],
            ["Đơn vị tính: Tỷ đồng"], [LABEL, "2023", "Sơ bộ 2024"], ["CẢ NƯỚC", "25.579,1", "26.012,0"],
            ["Hà Nội", "1.234,5", "l0.000"], ["Hải Phòng", "12 345,6", "2.345"], [],
            ["Ghi chú: tệp kiểm thử."]]
    return csv_bytes(rows, encoding="utf-8-sig")


@corpus_file("agency_wrong_year.xlsx")
def agency_wrong_year() -> bytes:
    """Row 3 says 'Năm số liệu: 2023' but the file is filed for 2024."""
    return agency_workbook([agency_row(1, "01", "Hà Nội", "policy_score", "points 0-10", 7.5)],
                           year_line="Năm số liệu: 2023")


@corpus_file("agency_out_of_range.xlsx")
def agency_out_of_range() -> bytes:
    """A negative count (R&D personnel) and a policy score above its 0-10 scale."""
    return agency_workbook([
        agency_row(1, "01", "Hà Nội", "rd_personnel_fte", "FTE persons", -12),
        agency_row(2, "01", "Hà Nội", "policy_score", "points 0-10", 10.5),
        agency_row(3, "31", "Hải Phòng", "policy_score", "points 0-10", 6.5),
    ])


@corpus_file("agency_missing_column.xlsx")
def agency_missing_column() -> bytes:
    """The 'Đơn vị tính' column was deleted."""
    header = [h for h in AGENCY_HEADER if h != "Đơn vị tính"]
    row = agency_row(1, "01", "Hà Nội", "policy_score", "points 0-10", 7.5)
    return agency_workbook([row[:5] + row[6:]], header=header)


@corpus_file("agency_duplicates.xlsx")
def agency_duplicates() -> bytes:
    """Hà Nội policy score twice (same value); Hải Phòng R&D spending twice (different values)."""
    return agency_workbook([
        agency_row(1, "01", "Hà Nội", "policy_score", "points 0-10", 7.5),
        agency_row(2, "31", "Hải Phòng", "rd_expenditure", "billion VND", 120.4),
        agency_row(3, "01", "Hà Nội", "policy_score", "points 0-10", 7.5),
        agency_row(4, "31", "Hải Phòng", "rd_expenditure", "billion VND", 210.4),
    ])


@corpus_file("agency_formula_no_value.xlsx")
def agency_formula_no_value() -> bytes:
    """'Giá trị' computed by a formula never calculated (no saved value); one with a saved value."""
    return agency_workbook([
        agency_row(1, "01", "Hà Nội", "rd_expenditure", "billion VND", Formula("=H5/I5*100", None)),
        agency_row(2, "31", "Hải Phòng", "rd_expenditure", "billion VND", Formula("=100+20.4", 120.4)),
    ])


@corpus_file("agency_old_province_2025.xlsx")
def agency_old_province_2025() -> bytes:
    """A 2025 submission with '80 | Long An': code 80 is Tây Ninh from 2025, the name is the old province."""
    return agency_workbook([
        agency_row(1, "80", "Long An", "policy_score", "points 0-10", 6.0),
        agency_row(2, "80", "Tây Ninh", "policy_score", "points 0-10", 6.5),
    ], year_line="Năm số liệu: 2025")


@corpus_file("agency_empty_data_sheet.xlsx")
def agency_empty_data_sheet() -> bytes:
    """The 'Số liệu' sheet was left empty."""
    return xlsx_bytes([Sheet("Hướng dẫn", [["HƯỚNG DẪN ĐIỀN BIỂU – TỆP KIỂM THỬ"]]), Sheet("Số liệu", [])])


@corpus_file("records_ipvn_cp1258.csv")
def records_ipvn_cp1258() -> bytes:
    """An application list in Windows-1258: a date that does not exist and an unmapped category."""
    rows = [["Danh sách đơn đăng ký sở hữu công nghiệp năm 2024 – tệp kiểm thử"],
            ["Số đơn", "Loại đơn", "Ngày nộp đơn", "Người nộp đơn", "Tỉnh/Thành phố"],
            ["1-2024-00001", "Sáng chế", "05/01/2024", "Công ty A", "Hà Nội"],
            ["4-2024-00002", "Nhãn hiệu", "31/02/2024", "Công ty B", "Hải Phòng"],
            ["4-2024-00003", "Nhãn hiệu", "12/03/2024", "Hộ kinh doanh C", "Thừa Thiên Huế"],
            ["9-2024-00004", "Quyền tác giả", "14/03/2024", "Ông D", "Đà Nẵng"],
            ["3-2024-00005", "Kiểu dáng công nghiệp", "20/06/2024", "Công ty E", "Đắk Lắk"]]
    return csv_bytes(rows, encoding="cp1258")
