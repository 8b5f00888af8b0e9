"""The workbook: ministry-style layout, number formats, formula-like text kept as text, byte-identical output."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from pii.exports.tables import SYNTHETIC_NOTICE, ExportData
from pii.exports.xlsx import unit_format, write_workbook

from .conftest import PROVINCES


@pytest.fixture
def book(data: ExportData, tmp_path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(write_workbook(data, tmp_path / "pii_2025.xlsx"))


def rows(ws, first: int) -> list[tuple]:
    return [r for r in ws.iter_rows(min_row=first, values_only=True) if r[0] is not None]


def test_sheets_headers_and_frozen_panes(book: openpyxl.Workbook) -> None:
    assert book.sheetnames == ["Tổng quan", "Trụ cột 1", "Trụ cột 6", "Điểm mạnh – điểm yếu", "Nguồn và ghi chú"]
    overview, pillar = book["Tổng quan"], book["Trụ cột 6"]
    assert overview["A2"].value == SYNTHETIC_NOTICE
    assert [c.value for c in overview[3]][:7] == ["Mã tỉnh", "Tỉnh/Thành phố", "Chỉ số PII", None,
                                                   "Chỉ số phụ đầu vào", None, "Chỉ số phụ đầu ra"]
    assert [c.value for c in overview[4]][2:4] == ["Điểm", "Xếp hạng"]
    assert (overview.freeze_panes, pillar.freeze_panes) == ("C5", "C6")
    assert [c.value for c in pillar[3]][2:5] == ["Trụ cột 6. Sản phẩm tri thức", None, "6.1 Sáng tạo tri thức"]
    assert [c.value for c in pillar[4]][2:8] == ["Trụ cột", None, "Nhóm chỉ số", None,
                                                  "6.1.1 +Số đơn đăng ký sáng chế (đơn)", None]
    assert [c.value for c in pillar[5]][2:9] == ["Điểm", "Xếp hạng", "Điểm", "Xếp hạng", "Giá trị", "Điểm",
                                                  "Xếp hạng"]
    assert "E3:I3" in {str(r) for r in pillar.merged_cells.ranges}  # the sub-pillar spans its indicator


def test_rows_follow_the_rank_and_hold_the_values(book: openpyxl.Workbook) -> None:
    overview = rows(book["Tổng quan"], 5)
    assert [r[0] for r in overview] == ["04", "01", "02"]  # PII rank 1, 2, 3
    assert [r[2:4] for r in overview] == [(90, 1), (80, 2), (70, 3)]
    pillar = book["Trụ cột 1"]
    by_code = {r[0]: r for r in rows(pillar, 6)}
    assert by_code["01"][6] == 1.25 and by_code["04"][6] == 0.5
    assert by_code["02"][6] is None and pillar["G7"].value is None  # no value: an empty cell, not 0
    assert pillar["G6"].number_format == unit_format("%") == "#,##0.00"
    assert book["Trụ cột 6"]["G6"].number_format == unit_format("applications") == "#,##0"
    assert (pillar["H6"].number_format, pillar["I6"].number_format) == ("0.00", "0")


def test_strengths_and_weaknesses_sheet_reads_as_leaders_read_it(book: openpyxl.Workbook) -> None:
    ws = book["Điểm mạnh – điểm yếu"]
    assert [c.value for c in ws[3]] == ["Mã tỉnh", "Tỉnh/Thành phố", "Loại", "Thứ tự", "Mã chỉ số", "Chỉ số",
                                        "Xếp hạng", "Điểm"]
    assert rows(ws, 4) == [("02", PROVINCES["02"], "Điểm mạnh", 1, "6.1.1", "+Số đơn đăng ký sáng chế", "1/3", 90)]
    assert ws.freeze_panes == "C4" and ws["A2"].value == SYNTHETIC_NOTICE


def test_formula_like_text_stays_text(data: ExportData, tmp_path: Path) -> None:
    path = write_workbook(data, tmp_path / "pii_2025.xlsx")
    book = openpyxl.load_workbook(path)
    cells = [c for ws in book for row in ws.iter_rows() for c in row if c.value == PROVINCES["02"]]
    assert len(cells) == 4  # the overview, both pillar sheets and the strengths and weaknesses
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    header = book["Trụ cột 6"]["G4"]
    assert header.value.startswith("6.1.1 +") and not header.quotePrefix  # starts with its code: harmless
    source = [c for row in book["Nguồn và ghi chú"].iter_rows() for c in row if c.value == "@IPVN records"]
    assert len(source) == 1 and source[0].quotePrefix
    name = [c for row in book["Nguồn và ghi chú"].iter_rows() for c in row if c.value == "+Số đơn đăng ký sáng chế"]
    assert len(name) == 1 and name[0].quotePrefix
    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and not any(b"<f>" in archive.read(n) for n in sheets)  # no formula anywhere


def test_same_data_gives_a_byte_identical_workbook(data: ExportData, tmp_path: Path) -> None:
    first = write_workbook(data, tmp_path / "a.xlsx").read_bytes()
    assert write_workbook(data, tmp_path / "b.xlsx").read_bytes() == first
    with zipfile.ZipFile(tmp_path / "a.xlsx") as archive:
        assert b"2025-07-01T08:30:00Z" in archive.read("docProps/core.xml")  # the run's time, not now
        # fixed member times, whatever the local time zone
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


@pytest.mark.parametrize(("unit", "fmt"), [("contracts", "#,##0"), ("0-1", "0.000"), ("% of GRDP", "#,##0.00"),
                                           (None, "#,##0.00")])
def test_unit_formats(unit: str | None, fmt: str) -> None:
    assert unit_format(unit) == fmt
