"""Yearbook headers over several rows, preliminary labels, CSV tables, and files stating another data year."""

from __future__ import annotations

import dataclasses

import pytest

from pii.catalog import Source, load_sources
from pii.ingest.agency_submission import conform_agency
from pii.ingest.filelevel import stated_year
from pii.ingest.survey_index import conform_survey
from pii.ingest.yearbook import conform_yearbook, tables_by_sheet
from pii.ingest.yearbook_header import read_header
from tests.pii.ingest.helpers import codes, conserved, context, grid, registry

LABEL = "Tỉnh, thành phố"
YEARBOOK = dataclasses.replace(load_sources()["gso_yearbook"], spec={
    "header_row_contains": LABEL, "tables": [{"sheet": "T", "measure": "poverty_rate", "scale": 1}]})


@pytest.mark.parametrize(("header", "years"), [
    ([[LABEL, "2023", "Sơ bộ 2024"]], [(1, 2023, False), (2, 2024, True)]),
    ([[LABEL, "2023", "Prel. 2024"]], [(1, 2023, False), (2, 2024, True)]),
    ([[LABEL, "2023", "2024 (Sơ bộ)"]], [(1, 2023, False), (2, 2024, True)]),
    ([[LABEL, "2023", "Ước tính 2024"]], [(1, 2023, False), (2, 2024, True)]),
    ([[LABEL, "Năm", ""], ["", "2023", "Sơ bộ 2024"]], [(1, 2023, False), (2, 2024, True)]),
    ([[LABEL, "Năm", "", ""], ["", 2022, 2023, 2024], ["", "", "", "(Sơ bộ)"]],
     [(1, 2022, False), (2, 2023, False), (3, 2024, True)]),
])
def test_year_columns_from_one_to_three_header_rows(header: list[list[object]], years: list) -> None:
    rows = grid([["Bảng 1"], *header, ["Hà Nội", 1, 2, 3]])
    found = read_header(rows, LABEL)
    assert found is not None and found.first_row == 2 and found.last_row == 1 + len(header)
    assert [(y.index, y.year, y.preliminary) for y in found.years] == years


def test_header_rows_from_the_spec_override_detection() -> None:
    rows = grid([[LABEL, "Năm"], ["ghi chú cột", "2024"], ["Hà Nội", 1]])
    assert read_header(rows, LABEL).years == ()  # row 2 has a label: not a header row by detection
    assert [y.year for y in read_header(rows, LABEL, span=2).years] == [2024]


def test_yearbook_conforms_a_merged_two_row_header() -> None:
    rows = grid([["Bảng"], [LABEL, "Năm", None], [None, "2023", "Sơ bộ 2024"], ["CẢ NƯỚC", 4.0, 3.0],
                 ["Hà Nội", 0.3, 0.1], [], ["Ghi chú: x"]], sheet="T")
    result = conform_yearbook(YEARBOOK, context(), rows, registry())
    assert [(o["year"], o["value"], o["is_preliminary"]) for o in result.observations] == [
        (2023, 0.3, False), (2024, 0.1, True)]
    assert len(result.totals) == 2 and conserved(result, rows)


def test_yearbook_of_another_edition_is_rejected_per_table() -> None:
    rows = grid([["Bảng"], [LABEL, "2022", "Sơ bộ 2023"], ["Hà Nội", 0.3, 0.1]], sheet="T")
    result = conform_yearbook(YEARBOOK, context(2024), rows, registry())
    assert codes(result) == ["wrong_data_year"] and not result.observations and conserved(result, rows)


def test_yearbook_header_without_years_is_missing_header() -> None:
    rows = grid([["Bảng"], [LABEL, "Giá trị"], ["Hà Nội", 0.3]], sheet="T")
    result = conform_yearbook(YEARBOOK, context(2024), rows, registry())
    assert codes(result) == ["missing_header"] and "names no year columns" in result.quarantine[0]["reason"]


def test_csv_yearbook_maps_its_single_table_to_the_sheetless_file() -> None:
    csv_source = dataclasses.replace(YEARBOOK, format="csv")
    assert tables_by_sheet(csv_source) == {"": YEARBOOK.spec["tables"][0]}
    rows = grid([[LABEL, "2023", "Sơ bộ 2024"], ["Hà Nội", "0,3", "0,1"]])
    result = conform_yearbook(csv_source, context(), rows, registry())
    assert [o["value"] for o in result.observations] == [0.3, 0.1] and not result.quarantine


def test_stated_year_reads_a_label_with_the_year_in_the_next_cell() -> None:
    rows = grid([["Biểu"], ["Năm số liệu:", 2023], ["STT", "Mã chỉ tiêu"]])
    found = stated_year(rows, 3, "Năm số liệu")
    assert found is not None and found[1] == 1 and found[2] == [2023]


def test_survey_title_naming_the_data_year_among_others_is_accepted() -> None:
    source = dataclasses.replace(load_sources()["papi"])
    rows = grid([["PAPI 2024 (khảo sát năm 2023, công bố 2025)"], ["STT", "Tỉnh/Thành phố", "Quản trị môi trường"],
                 [1, "Hà Nội", "6.1"]])
    result = conform_survey(source, context(2024), rows, registry())
    assert not result.quarantine and len(result.observations) == 1


def test_agency_with_a_wrong_year_in_the_next_cell_is_rejected() -> None:
    header = ["STT", "Mã tỉnh", "Tỉnh/Thành phố", "Mã chỉ tiêu", "Tên chỉ tiêu", "Đơn vị tính", "Giá trị"]
    rows = grid([["Biểu"], ["x"], ["Năm số liệu:", "2023"], header,
                 [1, "01", "Hà Nội", "policy_score", "", "points 0-10", 7]], sheet="Số liệu")
    result = conform_agency(load_sources()["skhcn_submission"], context(2024), rows, registry())
    assert codes(result) == ["wrong_data_year"] and result.quarantine[0]["column_ref"] == "B"
    assert [d["disposition"] for d in result.dispositions][-1] == "quarantined" and conserved(result, rows)


def test_agency_missing_data_sheet_is_missing_sheet() -> None:
    rows = grid([["Hướng dẫn"]], sheet="Hướng dẫn")
    result = conform_agency(load_sources()["skhcn_submission"], context(2024), rows, registry())
    assert codes(result) == ["missing_sheet"] and conserved(result, rows)


def test_survey_abbreviations_nfd_and_summary_rows() -> None:
    source: Source = load_sources()["papi"]
    nfd_quang_ninh = "Qua\u0309ng Ninh"
    rows = grid([["PAPI 2024"], ["STT", "Tỉnh/Thành phố", "Quản trị môi trường"], [1, "BRVT", "5"], [2, "TP.HCM", "6"],
                 [3, "TT-Huế", "7"], [4, nfd_quang_ninh, "8"], [], ["", "Thấp nhất", "5"], ["", "Trung vị", "6"],
                 ["", "Cao nhất", "8"]])
    result = conform_survey(source, context(2024), rows, registry())
    assert [o["province_code"] for o in result.observations] == ["77", "79", "46", "22"]
    assert not result.quarantine and conserved(result, rows)
    assert [d["detail"] for d in result.dispositions[-3:]] == ["summary row"] * 3
