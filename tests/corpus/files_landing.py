"""Corpus files for "every file accounted for": files named or filed wrongly, repeated header labels, and
repeated rows that differ only in cells the spec does not read.

The landing cases (cases.yaml, section "every file accounted for") place these files at a path other
than the source's, or put further files beside them (``extra_files``), and pin the whole folder's inventory.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.corpus.files_workbooks import AGENCY_HEADER, LABEL, RED_RIVER, agency_row, agency_workbook, table
from tests.corpus.writers import NOTICE, Sheet, csv_bytes, xlsx_bytes

PAPI = ["STT", "Tỉnh/Thành phố", "Quản trị môi trường", "PAPI tổng hợp"]
TITLE = "Chỉ số PAPI năm {year} – tệp kiểm thử (test corpus)"
LANDING_FILES: dict[str, Callable[[], bytes]] = {}


def corpus_file(name: str) -> Callable[[Callable[[], bytes]], Callable[[], bytes]]:
    def register(fn: Callable[[], bytes]) -> Callable[[], bytes]:
        LANDING_FILES[name] = fn
        return fn
    return register


def papi(year: int, rows: list[list[str]]) -> bytes:
    return csv_bytes([[TITLE.format(year=year)], PAPI, *rows])


@corpus_file("landing_papi_2024.csv")
def landing_papi_2024() -> bytes:
    """A good PAPI 2024 file; the case puts a copy named 'papi_2024 (1).csv' and other clutter beside it."""
    return papi(2024, [["1", "Hà Nội", "6.12", "6.40"], ["2", "Hải Phòng", "5.20", "5.31"]])


@corpus_file("landing_papi_2023_in_2024.csv")
def landing_papi_2023_in_2024() -> bytes:
    """The 2023 table, filed under 2024/ with its 2023 name."""
    return papi(2023, [["1", "Hà Nội", "5.98", "6.22"]])


@corpus_file("landing_papi_2024_twice.csv")
def landing_papi_2024_twice() -> bytes:
    """One of two PAPI 2024 files (the other is PAPI_2024.csv, in the case)."""
    return papi(2024, [["1", "Hà Nội", "6.12", "6.40"]])


@corpus_file("landing_papi_2005.csv")
def landing_papi_2005() -> bytes:
    """A 2005 file: before any supported year (and before the 63-province boundary of 2008)."""
    return papi(2005, [["1", "Hà Tây", "5.00", "5.10"]])


@corpus_file("landing_dti_2031.csv")
def landing_dti_2031() -> bytes:
    """A 2031 file: after the supported years (the staging year check would fail the whole run)."""
    return csv_bytes([["DTI 2031 – tệp kiểm thử"], ["STT", "Tỉnh/Thành phố", "Hạ tầng số", "Chính quyền số"],
                      ["1", "Hà Nội", "0.61", "0.58"]])


@corpus_file("survey_dti_duplicate_header.csv")
def dti_duplicate_header() -> bytes:
    """'Hạ tầng số' heads columns C and E (the second in capitals): which one is meant cannot be told."""
    return csv_bytes([["Chỉ số DTI năm 2024 – tệp kiểm thử"],
                      ["STT", "Tỉnh/Thành phố", "Hạ tầng số", "Chính quyền số", "HẠ TẦNG SỐ", "Ghi chú", "Ghi chú"],
                      ["1", "Hà Nội", "0.61", "0.58", "0.16", "", ""],
                      ["2", "Hải Phòng", "0.55", "0.52", "0.15", "", ""]])


@corpus_file("agency_duplicate_header.xlsx")
def agency_duplicate_header() -> bytes:
    """Two 'Giá trị' columns (G and N) in a submission."""
    rows = [[*agency_row(1, "01", "Hà Nội", "policy_score", "points 0-10", 7.5), None, 8.5]]
    return agency_workbook(rows, header=[*AGENCY_HEADER, "Giá trị"])


@corpus_file("yb_duplicate_year_column.xlsx")
def yb_duplicate_year_column() -> bytes:
    """Columns '2023', 'Sơ bộ 2024' and '2024' (revised): two columns for 2024."""
    body = [["CẢ NƯỚC", 4.3, 3.4, 3.5], [RED_RIVER, 1.9, 1.5, 1.6], ["Hà Nội", 0.3, 0.1, 0.2]]
    return xlsx_bytes([table("Hộ nghèo", "Tỷ lệ hộ nghèo", "%", [[LABEL, "2023", "Sơ bộ 2024", "2024"]], body)])


@corpus_file("pci_repeat_blank_region.xlsx")
def pci_repeat_blank_region() -> bytes:
    """A PCI summary sheet with a region column; An Giang repeated with the region left blank."""
    header = ["Vùng", "Tỉnh/Thành phố", "CSTP 1: Gia nhập thị trường", "CSTP 10: Thiết chế pháp lý và an ninh trật tự"]
    rows = [["KẾT QUẢ PCI 2024 – TỔNG HỢP"], [NOTICE], header,
            ["Đồng bằng sông Cửu Long", "An Giang", 6.5, 6.1], ["Tây Nguyên", "Đắk Lắk", 5.5, 5.9], [],
            [None, "An Giang", 6.5, 6.1]]
    return xlsx_bytes([Sheet("Tổng hợp", rows)])


@corpus_file("records_ipvn_repeats.csv")
def records_ipvn_repeats() -> bytes:
    """An application listed twice differing only in the applicant (unread), one listed twice as two categories."""
    return csv_bytes([["Danh sách đơn đăng ký sở hữu công nghiệp năm 2024 – tệp kiểm thử"],
                      ["Số đơn", "Loại đơn", "Ngày nộp đơn", "Người nộp đơn", "Tỉnh/Thành phố"],
                      ["1-2024-00001", "Sáng chế", "05/01/2024", "Công ty A", "Hà Nội"],
                      ["4-2024-00002", "Nhãn hiệu", "12/03/2024", "Công ty B", "Hải Phòng"],
                      ["1-2024-00001", "Sáng chế", "05/01/2024", "CÔNG TY A (bản sao)", "Hà Nội"],
                      ["4-2024-00002", "Kiểu dáng công nghiệp", "12/03/2024", "Công ty B", "Hải Phòng"],
                      ["4-2024-00003", "Nhãn hiệu", "20/06/2024", "Công ty C", "Đà Nẵng"]])
