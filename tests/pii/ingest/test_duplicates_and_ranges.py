"""duplicates.py (values given twice in a file) and the shared range check in cells.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pii.catalog import Source, load_measures
from pii.ingest.cells import parse_measure, range_problem
from pii.ingest.duplicates import settle_duplicates
from pii.ingest.results import FILE_LEVEL_REASONS, REASON_CODES, ConformResult
from pii.ingest.survey_index import conform_survey
from pii.parsing.number_convention import NumberConvention
from tests.pii.ingest.helpers import codes, conserved, context, grid, registry

DTI = Source("dti", "survey_index", "BTTTT", "", "csv", "{year}/dti/dti_{year}.csv",
             spec={"province_column": "Tỉnh/Thành phố", "columns": {"Hạ tầng số": "dti_infrastructure",
                                                                     "Chính quyền số": "dti_government"}})
HEADER = ["STT", "Tỉnh/Thành phố", "Hạ tầng số", "Chính quyền số"]


def _survey(rows: list[list[object]]) -> tuple[ConformResult, list]:
    ctx = context()
    lines = grid([["DTI 2024"], HEADER, *rows])
    result = conform_survey(DTI, ctx, lines, registry())
    settle_duplicates(result, ctx, lines)
    return result, lines


def _disposition(result: ConformResult, row: int) -> str:
    return next(d["disposition"] for d in result.dispositions if d["row_number"] == row)


def test_equal_repeat_keeps_the_first_and_quarantines_the_repeat() -> None:
    result, lines = _survey([[1, "Hà Nội", "0.6", "0.5"], [], [2, "Hà Nội", "0.6", "0.5"]])
    assert codes(result) == ["duplicate_row", "duplicate_row"]
    assert {o["row_number"] for o in result.observations} == {3}
    assert _disposition(result, 3) == "staged" and _disposition(result, 5) == "quarantined"
    assert "row 3" in result.quarantine[0]["reason"] and conserved(result, lines)


def test_three_rows_one_different_quarantines_all_of_them() -> None:
    result, lines = _survey([[1, "Huế", "0.4", "0.5"], [2, "Huế", "0.4", "0.5"], [3, "Huế", "0.9", "0.5"]])
    conflicting = [q["row_number"] for q in result.quarantine if q["reason_code"] == "conflicting_duplicate"]
    assert sorted(conflicting) == [3, 4, 5]  # column C differs in one row: none of the three is staged
    assert [q["row_number"] for q in result.quarantine if q["reason_code"] == "duplicate_row"] == [4, 5]
    assert [(o["row_number"], o["column_ref"]) for o in result.observations] == [(3, "D")]
    assert [_disposition(result, r) for r in (3, 4, 5)] == ["partial", "quarantined", "quarantined"]
    assert conserved(result, lines)


def test_same_province_under_two_spellings_is_a_duplicate() -> None:
    result, _ = _survey([[1, "TP. Hồ Chí Minh", "0.6", "0.5"], [2, "TP.HCM", "0.6", "0.7"]])
    assert sorted(codes(result)) == ["conflicting_duplicate", "conflicting_duplicate", "duplicate_row"]


def test_distinct_provinces_are_untouched() -> None:
    result, _ = _survey([[1, "Hà Nội", "0.6", "0.5"], [2, "Hải Phòng", "0.6", "0.5"]])
    assert not result.quarantine and len(result.observations) == 4


def test_two_values_of_one_key_in_the_same_row_are_not_duplicates() -> None:
    result = ConformResult()
    ctx = context()
    lines = grid([["x", "1", "1"]])
    for column, value in (("B", 1.0), ("C", 2.0)):
        result.observe(ctx, "", 1, column, province_text="Hà Nội", province_code="01", boundary="p63", year=2024,
                       measure_code="population", value=value, unit="persons")
    settle_duplicates(result, ctx, lines)
    assert len(result.observations) == 2 and not result.quarantine


@pytest.mark.parametrize(("measure", "value", "problem"), [
    ("population", -1.0, "below the smallest possible value 0"),
    ("poverty_rate", 100.01, "above the largest possible value 100"),
    ("hdi", 1.2, "above the largest possible value 1"),
    ("papi_environment", 0.5, "below the smallest possible value 1"),
    ("population", 1e9, None),  # no upper bound
    ("poverty_rate", 100.0, None),  # bounds are inclusive
])
def test_range_problem(measure: str, value: float, problem: str | None) -> None:
    found = range_problem(load_measures()[measure], value)
    assert (found is None) if problem is None else (problem in found)


def test_parse_measure_compares_in_catalog_units_after_scaling() -> None:
    result, ctx = ConformResult(), context()
    row = grid([["Hà Nội", 1.5, -0.5]])[0]
    assert parse_measure(result, ctx, row, 1, NumberConvention(","), "population", 1000) == 1500.0
    assert parse_measure(result, ctx, row, 2, NumberConvention(","), "population", 1000) is None
    assert codes(result) == ["out_of_range"]
    assert "-500 persons" in result.quarantine[0]["reason"] and "(-0.5 in the file × 1000)" in result.quarantine[0][
        "reason"]
    assert result.quarantine[0]["reason"].startswith("2024/test/file.csv, row 1, column C: ")


def test_formula_cell_without_value_is_quarantined_by_parse_measure() -> None:
    result, ctx = ConformResult(), context()
    row = grid([["Hà Nội", "=B2*2"]])[0]
    row = type(row)(row.sheet, row.row_number, row.cells, ("s", "f"))
    assert parse_measure(result, ctx, row, 1, NumberConvention(","), "population") is None
    assert codes(result) == ["formula_without_value"] and "cell B1 holds the formula '=B2*2'" in result.quarantine[0][
        "reason"]



def test_reason_codes_are_documented_snake_case() -> None:
    assert set(FILE_LEVEL_REASONS) <= set(REASON_CODES)
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", code) and text for code, text in REASON_CODES.items())
    assert {f"{status}_province" for status in ("unknown", "ambiguous", "wrong_boundary")} <= set(REASON_CODES)


def test_a_record_listed_twice_counts_once(tmp_path: Path) -> None:
    """An IP application number repeated in the list is quarantined as duplicate_row, not counted twice."""
    from pii.catalog import load_sources
    from pii.ingest.conform import conform_raw, read_raw
    from pii.ingest.landing import find_files
    from pii.provinces import ProvinceRegistry

    source = load_sources()["ipvn_applications"]
    path = tmp_path / source.path_for(2024)
    path.parent.mkdir(parents=True)
    path.write_text(
        "Danh sách đơn – DỮ LIỆU MÔ PHỎNG\n"
        "Số đơn,Loại đơn,Ngày nộp đơn,Người nộp đơn,Tỉnh/Thành phố\n"
        "1-2024-00001,Sáng chế,02/01/2024,Công ty A,Hà Nội\n"
        "1-2024-00002,Sáng chế,03/01/2024,Công ty B,Hà Nội\n"
        "1-2024-00001,Sáng chế,02/01/2024,Công ty A,Hà Nội\n",
        encoding="utf-8",
    )
    result = conform_raw(source, read_raw(source, find_files(tmp_path, source)[0]), ProvinceRegistry.load())
    assert [r["record_id"] for r in result.records] == ["1-2024-00001", "1-2024-00002"]
    assert [(q["reason_code"], q["row_number"], q["column_ref"]) for q in result.quarantine] == [
        ("duplicate_row", 5, "A")]
    assert "already listed at row 3" in result.quarantine[0]["reason"]
    assert len(result.dispositions) == 5


def test_an_empty_record_sheet_rejects_the_file_instead_of_counting_zero(tmp_path: Path) -> None:
    import xlsxwriter

    from pii.catalog import load_sources
    from pii.ingest.conform import conform_raw, read_raw
    from pii.ingest.landing import find_files
    from pii.ingest.results import FILE_LEVEL_REASONS
    from pii.provinces import ProvinceRegistry

    source = load_sources()["most_st_organisations"]
    path = tmp_path / source.path_for(2024)
    path.parent.mkdir(parents=True)
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("Danh sách")
    wb.close()
    result = conform_raw(source, read_raw(source, find_files(tmp_path, source)[0]), ProvinceRegistry.load())
    assert [q["reason_code"] for q in result.quarantine] == ["empty_sheet"]
    assert "empty_sheet" in FILE_LEVEL_REASONS  # so staging counts no zeros for this file
    assert result.records == []
