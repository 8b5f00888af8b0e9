"""Every documented file exists, with the documented layout, the right provinces and a synthetic notice."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import openpyxl
import pyarrow.parquet as pq
import pytest

from pii.catalog import load_sources, measures_of_source
from pii.sample import SampleSummary
from pii.sample.profiles import provinces

from .conftest import YEARS
from .readers import read_csv_rows, sheet_rows

NOTICE_MARK = "DỮ LIỆU MÔ PHỎNG"
N_PROVINCES = {2022: 63, 2023: 63, 2024: 63, 2025: 34}


def test_every_source_file_exists_for_every_year(sample: SampleSummary) -> None:
    for year in YEARS:
        for source in load_sources().values():
            path = sample.landing_dir / source.path_for(year)
            assert path.is_file(), path
    assert len(sample.files) == len(YEARS) * len(load_sources())
    readme = (sample.landing_dir / "README.txt").read_text(encoding="utf-8")
    assert "SYNTHETIC" in readme and "pii sample --seed 20240724" in readme


def test_every_file_and_sheet_says_it_is_synthetic(sample: SampleSummary) -> None:
    readme = (sample.landing_dir / "README.txt").read_text(encoding="utf-8")
    for f in sample.files:
        path = sample.landing_dir / f.path
        if path.suffix == ".parquet":  # microdata: the notice is in the file's key-value metadata
            assert NOTICE_MARK in pq.read_schema(path).metadata[b"notice"].decode(), f.path
            continue
        if load_sources()[f.source_id].kind == "microdata":  # a unit-record CSV has no title line: the README says
            assert f.path.rsplit("/", 1)[-1].split("_")[0] in readme, f.path
            continue
        if path.suffix == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as fh:
                title = next(csv.reader(fh))
            assert len(title) == 1 and NOTICE_MARK in title[0], f.path
            continue
        wb = openpyxl.load_workbook(path, read_only=True)
        for ws in wb.worksheets:
            top = [str(c) for row in ws.iter_rows(max_row=3, values_only=True) for c in row if c]
            assert any(NOTICE_MARK in c for c in top), (f.path, ws.title)
        assert wb.properties.created.year == 2024  # fixed, not the time of the run
        wb.close()


@pytest.mark.parametrize("year", YEARS)
def test_each_file_lists_the_provinces_of_its_boundary(sample: SampleSummary, year: int) -> None:
    n = N_PROVINCES[year]
    by_source = {f.source_id: f for f in sample.files if f.year == year}
    for source in load_sources().values():
        rows = by_source[source.source_id].rows
        if source.kind == "yearbook":
            assert rows == n * len(source.spec["tables"])
        elif source.kind in ("survey_index", "survey_workbook"):
            assert rows == n
        elif source.kind == "agency_submission":
            assert rows == n * len(measures_of_source(source.source_id))


def test_yearbook_layout(landing: Path) -> None:
    wb = openpyxl.load_workbook(landing / "2023/gso/nien_giam_thong_ke_2023.xlsx", read_only=True)
    assert wb.sheetnames[0] == "Giới thiệu"
    assert wb.sheetnames[1:] == [t["sheet"] for t in load_sources()["gso_yearbook"].spec["tables"]]
    rows = [tuple(r) for r in wb["Dân số"].iter_rows(values_only=True)]
    wb.close()
    assert rows[0][0].startswith("Bảng 1. Dân số trung bình phân theo địa phương")
    assert rows[2][0] == "Đơn vị tính: Nghìn người"
    assert rows[3] == ("Tỉnh, thành phố trực thuộc trung ương", "2022", "Sơ bộ 2023")
    assert rows[4][0] == "CẢ NƯỚC"
    regions = list(dict.fromkeys(p.region_vi for p in provinces("p63")))
    labels = [r[0] for r in rows[5:-2]]
    assert [label for label in labels if label in regions] == regions
    province_rows = [r for r in rows[5:-2] if r[0] not in regions]
    assert len(province_rows) == 63
    for col in (1, 2):  # national row = sum of the province rows (population is a sum measure)
        assert rows[4][col] == pytest.approx(sum(r[col] for r in province_rows), abs=0.05)
        assert all(isinstance(r[col], float | int) for r in province_rows)
    assert all(c is None for c in rows[-2]) and rows[-1][0].startswith("Ghi chú:")
    assert "TP. Hồ Chí Minh" in labels and "Thừa Thiên - Huế" in labels  # publisher-style variants
    assert 80_000 < rows[4][1] < 120_000  # ~100 million people, in thousands


def test_survey_layout(landing: Path) -> None:
    papi = read_csv_rows(landing / "2024/papi/papi_2024.csv")
    assert len(papi[1]) == 11 and papi[1][-1] == "PAPI tổng hợp" and "Quản trị môi trường" in papi[1]
    par = read_csv_rows(landing / "2025/bnv/par_index_2025.csv")
    assert par[1] == ["STT", "Tỉnh/Thành phố", "Chỉ số CCHC (%)", "Xếp hạng"]
    assert sorted(int(r[3]) for r in par[2:]) == list(range(1, 35))
    dti = read_csv_rows(landing / "2025/dti/dti_2025.csv")
    assert dti[1][-1] == "DTI" and {"Hạ tầng số", "Chính quyền số"} <= set(dti[1])
    assert (landing / "2022/papi/papi_2022.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_agency_layout(landing: Path) -> None:
    rows = sheet_rows(landing / "2024/agencies/SKHCN_2024.xlsx", "Số liệu")
    assert rows[0][0].startswith("BIỂU CUNG CẤP SỐ LIỆU PHỤC VỤ TÍNH TOÁN CHỈ SỐ PII – ")
    assert rows[2][0] == "Năm số liệu: 2024"
    assert rows[3] == ("STT", "Mã tỉnh", "Tỉnh/Thành phố", "Mã chỉ tiêu", "Tên chỉ tiêu", "Đơn vị tính", "Giá trị",
                       "Tử số", "Mẫu số", "Số văn bản minh chứng", "Ngày văn bản", "Người cung cấp", "Ghi chú")
    units = {m.code: m.unit for m in measures_of_source("skhcn_submission")}
    for row in rows[4:]:
        assert isinstance(row[1], str) and len(row[1]) == 2
        assert row[5] == units[row[3]]
        assert isinstance(row[6], float | int)
        assert re.fullmatch(r"\d+/BC-SKHCN", row[9]) and re.fullmatch(r"\d\d/03/2025", row[10])
        assert row[7] is None and row[8] is None and "mô phỏng" in row[11]
    assert sheet_rows(landing / "2024/agencies/SKHCN_2024.xlsx", "Hướng dẫn")[1][0].startswith(NOTICE_MARK)


@pytest.mark.parametrize("year", YEARS)
def test_ip_application_list(landing: Path, year: int) -> None:
    rows = read_csv_rows(landing / f"{year}/ipvn/don_dang_ky_shcn_{year}.csv")
    assert rows[1] == ["Số đơn", "Loại đơn", "Ngày nộp đơn", "Người nộp đơn", "Tỉnh/Thành phố"]
    data = rows[2:]
    assert len(data) < 70_000
    numbers = [r[0] for r in data]
    assert len(set(numbers)) == len(numbers)
    prefix = {"Sáng chế": "1", "Giải pháp hữu ích": "2", "Kiểu dáng công nghiệp": "3", "Nhãn hiệu": "4",
              "Chỉ dẫn địa lý": "5", "Nhãn hiệu tập thể/chứng nhận": "6"}
    for number, category, date, applicant, _ in data:
        assert number.startswith(f"{prefix[category]}-{year}-")
        assert re.fullmatch(rf"\d\d/\d\d/{year}", date)
        assert "mô phỏng" in applicant


def test_st_registry(landing: Path) -> None:
    rows = sheet_rows(landing / "2023/bkhcn/to_chuc_khcn_2023.xlsx", "Danh sách")
    assert rows[2] == ("STT", "Số giấy chứng nhận", "Tên tổ chức", "Tỉnh/Thành phố", "Ngày cấp", "Tình trạng")
    data = rows[3:]
    assert len({r[1] for r in data}) == len(data)
    dissolved = sum(r[5] == "Đã giải thể" for r in data) / len(data)
    assert 0.02 < dissolved < 0.09
    assert {r[5] for r in data} == {"Đang hoạt động", "Đã giải thể"}
