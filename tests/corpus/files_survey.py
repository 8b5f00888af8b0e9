"""Corpus files of kind survey_index (CSV): encodings, names, duplicates, ranges, layout and year problems.

Layout as docs/source_formats.md: line 1 a title naming the survey and the year, line 2 the header,
then one row per province. Sources: papi (one column, 1-10), par_index (one column, 0-100 %), dti (two
columns, 0-1); two files pretend to be other exports (see cases.yaml: ``source_override``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from pii.provinces import default_registry
from tests.corpus.writers import csv_bytes

PAPI = ["STT", "Tỉnh/Thành phố", "Quản trị môi trường", "PAPI tổng hợp"]
PAR = ["STT", "Tỉnh/Thành phố", "Chỉ số CCHC (%)", "Xếp hạng"]
DTI = ["STT", "Tỉnh/Thành phố", "Hạ tầng số", "Chính quyền số", "DTI"]
PCI = ["STT", "Tỉnh/Thành phố", "CSTP 1: Gia nhập thị trường", "CSTP 6: Cạnh tranh bình đẳng",
       "CSTP 7: Tính năng động của chính quyền tỉnh", "CSTP 8: Dịch vụ hỗ trợ doanh nghiệp",
       "CSTP 10: Thiết chế pháp lý và an ninh trật tự", "PCI"]
TITLE_PAPI = "Chỉ số PAPI năm {year} – tệp kiểm thử (test corpus)"
TITLE_PAR = "Chỉ số Cải cách hành chính (PAR Index) năm {year} – tệp kiểm thử (test corpus)"
TITLE_DTI = "Chỉ số Chuyển đổi số cấp tỉnh (DTI) năm {year} – tệp kiểm thử (test corpus)"

SURVEY_FILES: dict[str, Callable[[], bytes]] = {}


def corpus_file(name: str) -> Callable[[Callable[[], bytes]], Callable[[], bytes]]:
    def register(fn: Callable[[], bytes]) -> Callable[[], bytes]:
        SURVEY_FILES[name] = fn
        return fn
    return register


def numbered(rows: list[list[str]]) -> list[list[str]]:
    """Prefix STT (1, 2, ...) to province rows; blank rows stay blank."""
    out, n = [], 0
    for row in rows:
        if any(row):
            n += 1
            out.append([str(n), *row])
        else:
            out.append([])
    return out


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@corpus_file("survey_papi_cp1258.csv")
def papi_cp1258() -> bytes:
    """Windows-1258 (Vietnamese Windows), tone marks as combining characters: must decode to the names."""
    rows = numbered([["Hà Nội", "6.12", "6.40"], ["Thừa Thiên Huế", "5.87", "6.01"], ["Đắk Lắk", "4.95", "5.10"],
                     ["Bà Rịa - Vũng Tàu", "5.50", "5.72"]])
    return csv_bytes([[TITLE_PAPI.format(year=2024)], PAPI, *rows], encoding="cp1258")


@corpus_file("survey_dti_cp1252.csv")
def dti_cp1252() -> bytes:
    """An English export saved on a Western Windows: cp1252 (en dash, é), ';' delimiter, decimal comma."""
    header = ["No.", "Province", "Digital infrastructure", "Digital government", "DTI"]
    rows = numbered([["Ha Noi", "0,61", "0,58", "0,60"], ["Ba Ria – Vung Tau", "0,47", "0,52", "0,50"],
                     ["Thua Thien Hue", "0,44", "0,49", "0,46"], ["Can Tho", "0,39", "0,41", "0,40"]])
    title = "Digital Transformation Index 2024 – provincial résumé (test corpus)"
    return csv_bytes([[title], header, *rows], encoding="cp1252", delimiter=";")


@corpus_file("survey_par_utf16.csv")
def par_utf16() -> bytes:
    """Excel 'Unicode text': UTF-16 LE with BOM, tab-delimited, CRLF."""
    rows = numbered([["Hà Nội", "89.12", "2"], ["Hải Phòng", "91.40", "1"], ["Điện Biên", "80.05", "4"],
                     ["Cà Mau", "84.77", "3"]])
    return csv_bytes([[TITLE_PAR.format(year=2024)], PAR, *rows], encoding="utf-16", delimiter="\t", newline="\r\n")


@corpus_file("survey_papi_utf8_bom.csv")
def papi_utf8_bom() -> bytes:
    """UTF-8 with BOM and CRLF line ends: the BOM must not stick to the first cell."""
    rows = numbered([["Lào Cai", "5.01", "5.20"], ["Sơn La", "4.70", "4.81"], ["Yên Bái", "5.33", "5.30"]])
    return csv_bytes([[TITLE_PAPI.format(year=2024)], PAPI, *rows], encoding="utf-8-sig", newline="\r\n")


@corpus_file("survey_dti_nfd_names.csv")
def dti_nfd_names() -> bytes:
    """Names typed on a Mac (NFD: base letters + combining marks) mixed with NFC names."""
    rows = numbered([[nfd("Hà Nội"), "0.61", "0.58", "0.60"], ["TP. Hồ Chí Minh", "0.66", "0.63", "0.65"],
                     [nfd("Quảng Ninh"), "0.55", "0.57", "0.56"]])
    return csv_bytes([[nfd(TITLE_DTI.format(year=2024))], [nfd(h) for h in DTI], *rows])


@corpus_file("survey_papi_unknown_province.csv")
def papi_unknown_province() -> bytes:
    """A name that is no province at all."""
    rows = numbered([["Hà Nội", "6.12", "6.40"], ["Tỉnh Mới Lập", "5.00", "5.00"], ["Nam Định", "5.61", "5.66"]])
    return csv_bytes([[TITLE_PAPI.format(year=2024)], PAPI, *rows])


@corpus_file("survey_papi_misspelled_province.csv")
def papi_misspelled_province() -> bytes:
    """'Hải Phong' (tone mark missing): unknown, with 'Hải Phòng' suggested; never silently matched."""
    rows = numbered([["Hà Nội", "6.12", "6.40"], ["Hải Phong", "5.93", "6.02"], ["Thái Bình", "5.48", "5.50"]])
    return csv_bytes([[TITLE_PAPI.format(year=2024)], PAPI, *rows])


@corpus_file("survey_dti_duplicate_equal.csv")
def dti_duplicate_equal() -> bytes:
    """Đà Nẵng repeated after a blank row with the same values: the repeat is quarantined."""
    rows = numbered([["Hà Nội", "0.61", "0.58", "0.60"], ["Đà Nẵng", "0.70", "0.72", "0.71"],
                     ["Cần Thơ", "0.39", "0.41", "0.40"], [], ["Đà Nẵng", "0.70", "0.72", "0.71"]])
    return csv_bytes([[TITLE_DTI.format(year=2024)], DTI, *rows])


@corpus_file("survey_papi_duplicate_conflict.csv")
def papi_duplicate_conflict() -> bytes:
    """Bắc Ninh twice with different scores: neither is staged."""
    rows = numbered([["Bắc Ninh", "6.20", "6.10"], ["Bắc Giang", "5.40", "5.50"], ["Bắc Ninh", "5.80", "5.90"]])
    return csv_bytes([[TITLE_PAPI.format(year=2024)], PAPI, *rows])


@corpus_file("survey_dti_duplicate_mixed.csv")
def dti_duplicate_mixed() -> bytes:
    """Hà Nội twice: infrastructure equal (repeat quarantined), government different (both quarantined)."""
    rows = numbered([["Hà Nội", "0.61", "0.58", "0.60"], ["Hưng Yên", "0.50", "0.49", "0.50"],
                     ["Hà Nội", "0.61", "0.68", "0.65"]])
    return csv_bytes([[TITLE_DTI.format(year=2024)], DTI, *rows])


@corpus_file("survey_papi_province_missing.csv")
def papi_province_missing() -> bytes:
    """62 of the 63 provinces (Lai Châu, 12, left out): all staged; completeness is checked downstream."""
    provinces = [p for p in default_registry().provinces("p63") if p.code != "12"]
    rows = numbered([[p.name_vi, f"{4 + (i * 37 % 50) / 10:.2f}", "5.00"] for i, p in enumerate(provinces)])
    return csv_bytes([[TITLE_PAPI.format(year=2024)], PAPI, *rows])


@corpus_file("survey_par_out_of_range.csv")
def par_out_of_range() -> bytes:
    """A share over 100 and a negative share: out of the measure's range [0, 100]."""
    rows = numbered([["Hà Nội", "89.12", "2"], ["Hà Giang", "101.50", "1"], ["Cao Bằng", "-3.20", "4"],
                     ["Lạng Sơn", "82.00", "3"]])
    return csv_bytes([[TITLE_PAR.format(year=2024)], PAR, *rows])


@corpus_file("survey_dti_text_in_number.csv")
def dti_text_in_number() -> bytes:
    """Words and a spreadsheet error where numbers belong."""
    rows = numbered([["Hà Nội", "chưa công bố", "0.58", "0.60"], ["Huế", "0.44", "#N/A", "0.46"],
                     ["Cần Thơ", "0.39", "0.41", "0.40"]])
    return csv_bytes([[TITLE_DTI.format(year=2024)], DTI, *rows])


@corpus_file("survey_dti_extra_column.csv")
def dti_extra_column() -> bytes:
    """Columns the spec does not name ('Nhân lực số', 'Ghi chú') are ignored."""
    header = ["STT", "Tỉnh/Thành phố", "Nhân lực số", "Hạ tầng số", "Chính quyền số", "DTI", "Ghi chú"]
    rows = numbered([["Hà Nội", "0.70", "0.61", "0.58", "0.60", "số liệu chính thức"],
                     ["Gia Lai", "0.30", "0.35", "0.33", "0.34", ""]])
    return csv_bytes([[TITLE_DTI.format(year=2024)], header, *rows])


@corpus_file("survey_dti_missing_column.csv")
def dti_missing_column() -> bytes:
    """'Chính quyền số' is not in the header: the file is rejected."""
    header = ["STT", "Tỉnh/Thành phố", "Hạ tầng số", "DTI"]
    rows = numbered([["Hà Nội", "0.61", "0.60"], ["Gia Lai", "0.35", "0.34"]])
    return csv_bytes([[TITLE_DTI.format(year=2024)], header, *rows])


@corpus_file("survey_papi_wrong_year.csv")
def papi_wrong_year() -> bytes:
    """The 2023 table put in the 2024 folder: its title says 2023."""
    rows = numbered([["Hà Nội", "6.12", "6.40"], ["Nam Định", "5.61", "5.66"]])
    return csv_bytes([[TITLE_PAPI.format(year=2023)], PAPI, *rows])


@corpus_file("survey_pci_summary_rows.csv")
def pci_summary_rows() -> bytes:
    """PCI-style table: VCCI abbreviations (BRVT, TP.HCM, TT-Huế), then Thấp nhất / Trung vị / Cao nhất."""
    rows = numbered([["BRVT", "7.01", "6.12", "6.90", "6.40", "7.20", "66.1"],
                     ["TP.HCM", "6.80", "5.90", "6.70", "7.10", "6.60", "67.3"],
                     ["TT-Huế", "7.30", "6.00", "6.50", "6.20", "7.00", "65.9"],
                     ["Hà Nội", "6.90", "5.80", "6.60", "7.00", "6.80", "67.8"], []])
    summary = [["", name, *values] for name, values in (
        ("Thấp nhất", ["6.80", "5.80", "6.50", "6.20", "6.60", "65.9"]),
        ("Trung vị", ["6.95", "5.95", "6.65", "6.70", "6.90", "66.7"]),
        ("Cao nhất", ["7.30", "6.12", "6.90", "7.10", "7.20", "67.8"]))]
    note = [["Ghi chú: CSTP = chỉ số thành phần; tệp kiểm thử, không phải số liệu chính thức."]]
    return csv_bytes([["Chỉ số PCI năm 2024 – bảng tổng hợp (test corpus)"], PCI, *rows, *summary, *note])


@corpus_file("survey_papi_2025_old_province.csv")
def papi_2025_old_province() -> bytes:
    """A 2025 file (34 provinces) still naming Long An, which became part of Tây Ninh on 2025-07-01."""
    rows = numbered([["Hà Nội", "6.12", "6.40"], ["Long An", "5.90", "5.95"], ["Tây Ninh", "5.70", "5.72"]])
    return csv_bytes([[TITLE_PAPI.format(year=2025)], PAPI, *rows])


@corpus_file("survey_papi_empty.csv")
def papi_empty() -> bytes:
    """0 bytes: an upload that failed."""
    return b""


@corpus_file("survey_par_whitespace.csv")
def par_whitespace() -> bytes:
    """Only blank lines and spaces."""
    return b"\r\n   \r\n\t\r\n"
