"""Corpus files about numbers as agencies write them: decimal conventions, units typed in cells, inf/NaN.

Each file is small and states in its title that it is a test file; what ingestion must make of it is in
cases.yaml (section "numbers as agencies write them").
"""

from __future__ import annotations

from collections.abc import Callable

from tests.corpus.files_survey import DTI, PAPI, PAR, TITLE_DTI, TITLE_PAPI, TITLE_PAR, numbered
from tests.corpus.files_workbooks import agency_row, agency_workbook, simple_table
from tests.corpus.writers import Cell, csv_bytes, xlsx_bytes

NUMBER_FILES: dict[str, Callable[[], bytes]] = {}


def corpus_file(name: str) -> Callable[[Callable[[], bytes]], Callable[[], bytes]]:
    def register(fn: Callable[[], bytes]) -> Callable[[], bytes]:
        NUMBER_FILES[name] = fn
        return fn
    return register


@corpus_file("survey_papi_semicolon_decimal_comma.csv")
def papi_semicolon_decimal_comma() -> bytes:
    """';' between fields, Vietnamese decimal commas; '3,911' alone could be 3911, '4,95' settles the file."""
    rows = numbered([["Hà Nội", "3,911", "4,102"], ["Hải Phòng", "4,95", "5,01"], ["Nam Định", "5,125", "5,2"],
                     ["Thái Bình", "4,5", "4,6"]])
    return csv_bytes([[TITLE_PAPI.format(year=2024)], PAPI, *rows], delimiter=";")


THREE_DECIMALS = [["Hà Nội", "3,911", "4,102"], ["Hải Phòng", "4,952", "5,013"], ["Nam Định", "5,125", "5,204"]]


@corpus_file("survey_papi_semicolon_three_decimals.csv")
def papi_semicolon_three_decimals() -> bytes:
    """Every score has exactly 3 decimals after a comma; only the ';' between fields shows ',' is decimal."""
    return csv_bytes([[TITLE_PAPI.format(year=2024)], PAPI, *numbered(THREE_DECIMALS)], delimiter=";")


@corpus_file("survey_papi_comma_three_decimals.csv")
def papi_comma_three_decimals() -> bytes:
    """The same scores, ',' between fields (values quoted): nothing in the file shows whether ',' is decimal."""
    return csv_bytes([[TITLE_PAPI.format(year=2024)], PAPI, *numbered(THREE_DECIMALS)])


@corpus_file("survey_papi_declared_decimal_comma.csv")
def papi_declared_decimal_comma() -> bytes:
    """That ','-separated file for a source whose sources.yaml entry declares number_format decimal ','."""
    return csv_bytes([[TITLE_PAPI.format(year=2024)], PAPI, *numbered(THREE_DECIMALS)])


@corpus_file("survey_papi_semicolon_point_decimals.csv")
def papi_semicolon_point_decimals() -> bytes:
    """';' between fields but '4.95' written with a point: the two-way '3,911' cannot be decided."""
    rows = numbered([["Hà Nội", "3,911", "4,102"], ["Hải Phòng", "4.95", "5.01"], ["Nam Định", "5.5", "5.2"]])
    return csv_bytes([[TITLE_PAPI.format(year=2024)], PAPI, *rows], delimiter=";")


@corpus_file("survey_par_percent_in_cells.csv")
def par_percent_in_cells() -> bytes:
    """A percent measure with the '%' typed in some cells: '12 %' is 12 (percent), not 0.12."""
    rows = numbered([["Hà Nội", "89.12 %", "2"], ["Hải Phòng", "12 %", "4"], ["Điện Biên", "80.05%", "3"],
                     ["Cà Mau", "84.77", "1"]])
    return csv_bytes([[TITLE_PAR.format(year=2024)], PAR, *rows])


@corpus_file("survey_dti_non_finite.csv")
def dti_non_finite() -> bytes:
    """'inf', 'NaN', '-inf', '∞' and '#NUM!' where scores belong: never numbers, never missing."""
    rows = numbered([["Hà Nội", "inf", "NaN", "0.60"], ["Thừa Thiên Huế", "-inf", "∞", "0.46"],
                     ["Cần Thơ", "#NUM!", "0.41", "0.40"], ["Đà Nẵng", "0.70", "0.72", "0.71"]])
    return csv_bytes([[TITLE_DTI.format(year=2024)], DTI, *rows])


@corpus_file("agency_mixed_conventions.xlsx")
def agency_mixed_conventions() -> bytes:
    """R&D spending typed as text both ways ('1.234,5' and '1,234.5'): the two-way '2.500' cannot be read."""
    return agency_workbook([
        agency_row(1, "01", "Hà Nội", "rd_expenditure", "billion VND", "1.234,5"),
        agency_row(2, "31", "Hải Phòng", "rd_expenditure", "billion VND", "1,234.5"),
        agency_row(3, "27", "Bắc Ninh", "rd_expenditure", "billion VND", "2.500"),
        agency_row(4, "30", "Hải Dương", "rd_expenditure", "billion VND", 1500),
    ])


@corpus_file("agency_units_in_cells.xlsx")
def agency_units_in_cells() -> bytes:
    """Units typed after the value: kept when they are the measure's unit, refused otherwise (never converted)."""
    return agency_workbook([
        agency_row(1, "01", "Hà Nội", "innovative_startups", "enterprises", "12 %"),
        agency_row(2, "01", "Hà Nội", "st_enterprises", "enterprises", "12 DN"),
        agency_row(3, "01", "Hà Nội", "rd_expenditure", "billion VND", "5 tỷ đồng"),
        agency_row(4, "31", "Hải Phòng", "rd_expenditure", "billion VND", "5.000 triệu đồng"),
        agency_row(5, "31", "Hải Phòng", "policy_score", "points 0-10", "7,5 điểm"),
    ])


@corpus_file("yb_text_numbers_units.xlsx")
def yb_text_numbers_units() -> bytes:
    """A population table (thousand persons) typed as Vietnamese text, two cells with another unit."""
    body: list[list[Cell]] = [["CẢ NƯỚC", 100300.5, 101100.2], ["Hà Nội", "8.435,7", "8.587"],
                              ["Hải Phòng", "2.088.000 người", "2.105,0 nghìn người"], ["Thái Bình", "1.860,4", "12 %"]]
    return xlsx_bytes([simple_table("Dân số", "Dân số trung bình", "Nghìn người", ["2023", "Sơ bộ 2024"], body)])
