"""The PCI results workbook of the sample: VCCI's layout, and cross-check columns that agree with their primaries."""

from __future__ import annotations

import statistics
import unicodedata
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from pii.catalog import load_sources
from pii.ingest.conform import conform_raw, read_raw
from pii.ingest.landing import find_files
from pii.provinces import ProvinceRegistry, province_key
from pii.sample.formulas_economy import SURVEY_COLUMNS
from pii.sample.profiles import provinces as sample_provinces
from pii.sample.writers_pci import SUBINDEX_SHEETS

from .conftest import YEARS
from .readers import KEYS, name_to_code

SHARE = "Tỷ lệ lao động đã qua đào tạo (%, TCTK)"
EXAM = "Điểm thi tốt nghiệp THPT trung bình (BGDĐT)"


def _sheets(path: Path) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    finally:
        wb.close()


@pytest.mark.parametrize(("year", "n"), [(2023, 63), (2025, 34)])
def test_summary_sheet_layout(landing: Path, year: int, n: int) -> None:
    sheets = _sheets(landing / f"{year}/vcci/pci_{year}.xlsx")
    assert list(sheets) == ["Giới thiệu", "Tổng hợp", *(name for name, _ in SUBINDEX_SHEETS)]
    rows = sheets["Tổng hợp"]
    components = [c.column for c in SURVEY_COLUMNS["vcci_pci"][0]]
    assert rows[2] == ("Tỉnh/Thành phố", *components, "PCI")
    provinces, tail = rows[3:3 + n], rows[3 + n:]
    names = [r[0] for r in provinces]
    boundary = "p34" if year == 2025 else "p63"
    codes = name_to_code(boundary)
    assert {codes.get(unicodedata.normalize("NFC", x)) for x in names} == {p.code for p in sample_provinces(boundary)}
    assert "TP.HCM" in names and (year == 2025 or {"BRVT", "TT-Huế"} <= set(names))  # VCCI's abbreviations
    assert any(x != unicodedata.normalize("NFC", x) for x in names)  # some names are decomposed (NFD)
    assert all(c is None for c in tail[0])  # blank row, then one province row repeated exactly
    assert tail[1] in provinces
    assert [r[0] for r in tail[2:]] == ["Thấp nhất", "Trung vị", "Cao nhất"]
    for col in range(1, 12):
        values = [r[col] for r in provinces]
        assert (tail[2][col], tail[4][col]) == (min(values), max(values))
        assert tail[3][col] == pytest.approx(statistics.median(values))
    for row in provinces:
        assert row[-1] == pytest.approx(sum(row[1:-1]) / 10, abs=1e-5)
    assert any(len(repr(r[-1])) > 12 for r in provinces)  # raw binary floats, not rounded


def test_provinces_are_in_alphabetical_order(landing: Path) -> None:
    rows = _sheets(landing / "2024/vcci/pci_2024.xlsx")["Tổng hợp"][3:66]
    codes = name_to_code("p63")
    got = [codes[unicodedata.normalize("NFC", r[0])] for r in rows]
    official = {p.code: p.name_vi for p in sample_provinces("p63")}
    assert got == sorted(got, key=lambda c: (province_key(official[c]), c))


def test_share_columns_hold_fractions(landing: Path) -> None:
    sheets = _sheets(landing / "2022/vcci/pci_2022.xlsx")
    for name, _ in SUBINDEX_SHEETS:
        header, data = sheets[name][2], sheets[name][3:]
        for i, label in enumerate(header):
            if "%" in (label or ""):
                assert all(0 <= r[i] <= 1 for r in data), (name, label)


@pytest.mark.parametrize("year", YEARS)
def test_cross_check_columns_equal_the_primary_sources(landing: Path, expected: pl.DataFrame, year: int) -> None:
    rows = _sheets(landing / f"{year}/vcci/pci_{year}.xlsx")["CSTP 9 - Đào tạo lao động"]
    header, data = list(rows[2]), rows[3:]
    boundary = "p34" if year == 2025 else "p63"
    codes = name_to_code(boundary)
    truth = {(r["province_code"], r["measure_code"]): r["value"] for r in expected.filter(
        pl.col("year") == year, pl.col("boundary") == boundary).iter_rows(named=True)}
    checked = 0
    for row in data:
        code = codes.get(unicodedata.normalize("NFC", row[0]))
        if code is None:
            continue
        share = float(Decimal(repr(row[header.index(SHARE)])) * 100)
        assert share == truth[(code, "trained_labour_share")]
        assert row[header.index(EXAM)] == truth[(code, "exam_avg_score")]
        checked += 1
    assert checked == (34 if year == 2025 else 63)


def test_adapter_reads_the_sample_workbooks_exactly(landing: Path, expected: pl.DataFrame) -> None:
    source = load_sources()["vcci_pci"]
    raw = pl.concat([read_raw(source, f) for f in find_files(landing, source)])
    frames = conform_raw(source, raw, ProvinceRegistry.load()).frames()
    held = frames["quarantine"]  # only the summary row VCCI repeats, once a year: its values count once
    assert set(held["reason_code"]) == {"duplicate_row"}
    assert held.select("file_path", "sheet", "row_number").unique().height == len(YEARS)
    dispositions = frames["dispositions"]
    assert dispositions.height == raw.height == dispositions.unique(["file_path", "sheet", "row_number"]).height
    assert dispositions.filter(pl.col("detail").str.contains("duplicate of row")).height == len(YEARS)
    obs = frames["observations"]
    joined = obs.join(expected, on=KEYS, how="left", suffix="_expected")
    assert joined["value_expected"].null_count() == 0
    assert (joined["value"] == joined["value_expected"]).all()
    priorities = dict(obs.group_by("measure_code").agg(pl.col("priority").max()).iter_rows())
    assert priorities == {**dict.fromkeys(source.measures(), 1), **dict.fromkeys(source.cross_check_measures(), 2)}
    assert obs.height == (3 * 63 + 34) * (len(source.measures()) + len(source.cross_check_measures()))
