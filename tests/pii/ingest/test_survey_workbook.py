"""The survey-workbook adapter (PCI) on small workbooks built here with xlsxwriter."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import duckdb
import polars as pl
import pytest
import xlsxwriter

from pii.catalog import Source
from pii.ingest.duplicates import settle_duplicates
from pii.ingest.grid import GridRow, read_xlsx
from pii.ingest.results import ConformResult, FileContext
from pii.ingest.survey_workbook import conform_survey_workbook, percent_scale, scaled
from pii.paths import REFERENCE_DIR
from pii.provinces import ProvinceRegistry

SQL_DIR = REFERENCE_DIR.parent / "sql"
SUMMARY = "Tổng hợp"
TRAINING = "CSTP 9 - Đào tạo lao động"
SHARE = "Tỷ lệ lao động đã qua đào tạo (%, TCTK)"
EXAM = "Điểm thi tốt nghiệp THPT trung bình (BGDĐT)"
HEADER = ["Tỉnh/Thành phố", "CSTP 1: Gia nhập thị trường", "CSTP 9: Đào tạo lao động",
          "CSTP 10: Thiết chế pháp lý và an ninh trật tự", "PCI"]
NFD_DAK_LAK = unicodedata.normalize("NFD", "Đắk Lắk")
SPEC = {
    "province_column": "Tỉnh/Thành phố",
    "sheets": [
        {"sheet": SUMMARY, "columns": {"CSTP 1: Gia nhập thị trường": "pci_entry_cost",
                                       "CSTP 10: Thiết chế pháp lý và an ninh trật tự": "pci_legal"}},
        {"sheet": TRAINING, "columns": {SHARE: {"measure": "trained_labour_share", "role": "cross_check"},
                                        EXAM: {"measure": "exam_avg_score", "role": "cross_check"}}},
    ],
}
Rows = list[list[object]]


def _source(spec: dict | None = None) -> Source:
    return Source("vcci_pci", "survey_workbook", "VCCI", "PCI", "xlsx", "{year}/vcci/pci_{year}.xlsx", spec or SPEC)


def _grid(path: Path, sheets: dict[str, Rows]) -> list[GridRow]:
    wb = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, str):
                    ws.write_string(r, c, value)
                elif value is not None:
                    ws.write_number(r, c, value)
    wb.close()
    return read_xlsx(path, path.name)


def _summary(*province_rows: list[object]) -> Rows:
    return [["KẾT QUẢ PCI 2023 – TỔNG HỢP"], ["DỮ LIỆU MÔ PHỎNG – SYNTHETIC DATA"], HEADER, *province_rows]


def _training(*province_rows: list[object]) -> Rows:
    return [["PCI 2023 – CSTP 9"], ["DỮ LIỆU MÔ PHỎNG"], ["Tỉnh/Thành phố", SHARE, EXAM, "Chỉ số thành phần 9"],
            *province_rows]


def _conform(tmp_path: Path, sheets: dict[str, Rows], year: int = 2023, spec: dict | None = None) -> ConformResult:
    rows = _grid(tmp_path / f"pci_{year}.xlsx", sheets)
    ctx = FileContext("vcci_pci", f"{year}/vcci/pci_{year}.xlsx", "0" * 64, year)
    result = conform_survey_workbook(_source(spec), ctx, rows, ProvinceRegistry.load())
    settle_duplicates(result, ctx, rows)  # as conform_raw does after every adapter
    keys = [(d["sheet"], d["row_number"]) for d in result.dispositions]  # row conservation
    assert sorted(keys) == sorted((r.sheet, r.row_number) for r in rows)
    return result


def _values(result: ConformResult) -> dict[tuple[str, str], tuple[float, int]]:
    return {(o["province_code"], o["measure_code"]): (o["value"], o["priority"]) for o in result.observations}


def _disposition(result: ConformResult, sheet: str, row: int) -> tuple[str, str]:
    d = next(d for d in result.dispositions if d["sheet"] == sheet and d["row_number"] == row)
    return d["disposition"], d["detail"]


PCI_WORKBOOK = {
    "Giới thiệu": [["CHỈ SỐ PCI – DỮ LIỆU MÔ PHỎNG"], ["synthetic"]],
    SUMMARY: _summary(
        ["An Giang", 6.705826759338379, 6.1, 5.9, 6.2],
        ["BRVT", 7.25, 6.3, 6.6, 6.5],
        [NFD_DAK_LAK, 5.5, 5.8, 6.0, 5.9],
        ["TP.HCM", 7.099999904632568, 6.9, 6.4, 6.8],
        ["TT-Huế", 6.8, 6.2, 6.7, 6.5],
        [],
        ["BRVT", 7.25, 6.3, 6.6, 6.5],
        ["Thấp nhất", 5.5, 5.8, 5.9, 5.9],
        ["Trung vị", 6.8, 6.2, 6.4, 6.5],
        ["Cao nhất", 7.25, 6.9, 6.7, 6.8],
    ),
    TRAINING: _training(
        ["An Giang", 0.273, 6.17, 5.3],
        ["BRVT", 0.6705826759338379, 6.5, 6.3],
        [NFD_DAK_LAK, 0.2, 6.01, 5.8],
        ["TP.HCM", 0.4, 6.9, 6.9],
        ["TT-Huế", 0.35, 6.4, 6.2],
        ["Thấp nhất", 0.2, 6.01, 5.3],
    ),
    "CSTP 10 - Thiết chế pháp lý": [["x"], ["Tỉnh/Thành phố", "Tỷ lệ DN tin tưởng (%)"], ["An Giang", 0.8]],
}


def test_summary_sheet_names_full_precision_and_structure(tmp_path: Path) -> None:
    result = _conform(tmp_path, PCI_WORKBOOK)
    # the exact repeat of BRVT (row 10) counts once: its two values are duplicate_row, nothing else is held
    assert [(q["reason_code"], q["row_number"], q["column_ref"]) for q in result.quarantine] == [
        ("duplicate_row", 10, "B"), ("duplicate_row", 10, "D")]
    values = _values(result)
    assert values[("89", "pci_entry_cost")] == (6.705826759338379, 1)  # raw binary float kept as is
    assert values[("79", "pci_entry_cost")] == (7.099999904632568, 1)
    assert values[("77", "pci_legal")] == (6.6, 1)  # "BRVT"
    assert values[("46", "pci_legal")] == (6.7, 1)  # "TT-Huế"
    assert values[("66", "pci_entry_cost")] == (5.5, 1)  # NFD name
    assert {o["boundary"] for o in result.observations} == {"p63"}
    assert {o["unit"] for o in result.observations if o["measure_code"] == "pci_legal"} == {"PCI sub-index 0-10"}
    summary = [o for o in result.observations if o["sheet"] == SUMMARY]
    assert len(summary) == 5 * 2
    assert _disposition(result, SUMMARY, 10) == ("quarantined", "2 of 2 values staged; duplicate of row 5")
    assert _disposition(result, SUMMARY, 9) == ("structural", "blank")
    assert [_disposition(result, SUMMARY, r)[1] for r in (11, 12, 13)] == ["summary row"] * 3
    assert _disposition(result, SUMMARY, 4) == ("staged", "2 of 2 values staged")
    assert {_disposition(result, s, 1)[1] for s in ("Giới thiệu", "CSTP 10 - Thiết chế pháp lý")} == {
        "sheet not mapped in sources.yaml"}
    assert next(o for o in summary if o["province_code"] == "66")["province_text"] == NFD_DAK_LAK


def test_cross_checks_are_priority_two_and_fractions_become_percent(tmp_path: Path) -> None:
    values = _values(_conform(tmp_path, PCI_WORKBOOK))
    assert values[("89", "trained_labour_share")] == (27.3, 2)  # 0.273 -> exactly 27.3, no binary noise
    assert values[("77", "trained_labour_share")] == (67.05826759338379, 2)
    assert values[("89", "exam_avg_score")] == (6.17, 2)  # no '%' in the header: as is
    assert values[("66", "exam_avg_score")] == (6.01, 2)


def test_percent_column_with_a_value_above_one_is_already_percent(tmp_path: Path) -> None:
    sheets = {SUMMARY: _summary(["An Giang", 6.5, 6.0, 6.0, 6.0]),
              TRAINING: _training(["An Giang", 27.3, 6.17, 5.3], ["Sơn La", 0.9, 5.1, 5.0])}
    values = _values(_conform(tmp_path, sheets))
    assert values[("89", "trained_labour_share")][0] == 27.3
    assert values[("14", "trained_labour_share")][0] == 0.9  # decided per column: this column is percent


def test_percent_scale_rules() -> None:
    assert percent_scale("Tỷ lệ (%)", "auto", [0.0, 0.5, 1.0]) == 100
    assert percent_scale("Tỷ lệ (%, TCTK)", "auto", [0.5, 1.2]) == 1
    assert percent_scale("Tỷ lệ (%)", "auto", []) == 1
    assert percent_scale("Điểm (BGDĐT)", "auto", [0.5]) == 1  # no '%' in the header
    assert percent_scale("Tỷ lệ (%)", "percent", [0.5]) == 1  # a percent column of values below 1 %
    assert percent_scale("Tỷ lệ (%)", "fraction", [0.5]) == 100
    assert scaled(0.273, 100) == 27.3 and scaled(0.07, 100) == 7.0 and scaled(6.2, 1) == 6.2


def test_a_repeated_province_is_settled_per_value(tmp_path: Path) -> None:
    """The policy of every adapter (duplicates.py): a differing value conflicts, an equal one counts once."""
    sheets = {SUMMARY: _summary(["An Giang", 6.5, 6.0, 6.0, 6.0], ["Sơn La", 5.5, 5.0, 5.1, 5.2], [],
                                ["An Giang", 6.6, 6.0, 6.0, 6.0]),
              TRAINING: _training(["An Giang", 0.3, 6.1, 5.3])}
    result = _conform(tmp_path, sheets)
    assert sorted((q["reason_code"], q["row_number"], q["column_ref"]) for q in result.quarantine) == [
        ("conflicting_duplicate", 4, "B"), ("conflicting_duplicate", 7, "B"), ("duplicate_row", 7, "D")]
    assert "6.5 here; 6.6 in row 7" in next(q["reason"] for q in result.quarantine if q["row_number"] == 4)
    assert _disposition(result, SUMMARY, 4)[0] == "partial" and _disposition(result, SUMMARY, 7)[0] == "quarantined"
    summary = _values(ConformResult(observations=[o for o in result.observations if o["sheet"] == SUMMARY]))
    assert set(summary) == {("14", "pci_entry_cost"), ("14", "pci_legal"), ("89", "pci_legal")}
    assert ("89", "trained_labour_share") in _values(result)  # other sheets are judged on their own


def test_a_repeat_differing_only_in_an_unread_cell_counts_once(tmp_path: Path) -> None:
    """Defect: a repeat whose region label (a column the spec does not read) is blank lost the province."""
    header = ["Vùng", *HEADER]
    sheets = {SUMMARY: [["title"], header, ["Đồng bằng sông Cửu Long", "An Giang", 6.5, 6.0, 6.1, 6.2], [],
                        ["", "An Giang", 6.5, 6.0, 6.1, 6.2]],
              TRAINING: _training(["An Giang", 0.3, 6.1, 5.3])}
    result = _conform(tmp_path, sheets)
    assert _values(result)[("89", "pci_entry_cost")] == (6.5, 1)
    assert _values(result)[("89", "pci_legal")] == (6.1, 1)
    assert {(q["reason_code"], q["row_number"]) for q in result.quarantine} == {("duplicate_row", 5)}
    assert _disposition(result, SUMMARY, 3)[0] == "staged" and _disposition(result, SUMMARY, 5)[0] == "quarantined"


def test_a_repeated_header_label_quarantines_that_sheet_only(tmp_path: Path) -> None:
    header = [*HEADER, "CSTP 1: GIA NHẬP THỊ TRƯỜNG"]  # the same label again, other case: which one is meant?
    sheets = {SUMMARY: [["title"], header, ["An Giang", 6.5, 6.0, 6.0, 6.0, 1.0]],
              TRAINING: _training(["An Giang", 0.3, 6.1, 5.3])}
    result = _conform(tmp_path, sheets)
    [entry] = result.quarantine
    assert (entry["reason_code"], entry["sheet"], entry["row_number"], entry["column_ref"]) == (
        "duplicate_header", SUMMARY, 2, "F")
    assert "'CSTP 1: Gia nhập thị trường' appears in columns B, F" in entry["reason"]
    assert _disposition(result, SUMMARY, 3) == ("quarantined", "a header label the spec reads is repeated")
    assert {k[1] for k in _values(result)} == {"trained_labour_share", "exam_avg_score"}


def test_missing_sheet_and_column_are_file_level_and_name_file_and_sheet(tmp_path: Path) -> None:
    header = [h for h in HEADER if not h.startswith("CSTP 10")]
    sheets = {SUMMARY: [["title"], header, ["An Giang", 6.5, 6.0, 6.0]]}
    result = _conform(tmp_path, sheets)
    reasons = {q["reason_code"]: q for q in result.quarantine}
    assert set(reasons) == {"missing_sheet", "missing_column"}
    assert reasons["missing_sheet"]["sheet"] == TRAINING
    assert "2023/vcci/pci_2023.xlsx" in reasons["missing_sheet"]["reason"] and TRAINING in reasons["missing_sheet"][
        "reason"]
    assert reasons["missing_column"]["sheet"] == SUMMARY
    assert "pci_legal" in reasons["missing_column"]["reason"] and SUMMARY in reasons["missing_column"]["reason"]
    assert _values(result) == {("89", "pci_entry_cost"): (6.5, 1)}  # the columns that are there still stage
    assert _disposition(result, SUMMARY, 3) == ("partial", "1 of 2 values staged")


def test_sheet_without_province_column_is_quarantined(tmp_path: Path) -> None:
    sheets = {SUMMARY: _summary(["An Giang", 6.5, 6.0, 6.0, 6.0]),
              TRAINING: [["title"], ["Tỉnh", SHARE, EXAM], ["An Giang", 0.3, 6.1]]}
    result = _conform(tmp_path, sheets)
    assert [(q["reason_code"], q["sheet"]) for q in result.quarantine] == [("missing_header", TRAINING)]
    assert {_disposition(result, TRAINING, r)[0] for r in (1, 2, 3)} == {"quarantined"}


def test_sheet_and_header_match_despite_nfd_and_case(tmp_path: Path) -> None:
    nfd = unicodedata.normalize("NFD", TRAINING.upper())
    header = ["TỈNH/THÀNH PHỐ", unicodedata.normalize("NFD", SHARE), EXAM]
    sheets = {SUMMARY: _summary(["An Giang", 6.5, 6.0, 6.0, 6.0]), nfd: [header, ["An Giang", 0.3, 6.1]]}
    result = _conform(tmp_path, sheets)
    assert result.quarantine == []
    assert _values(result)[("89", "trained_labour_share")] == (30.0, 2)


def test_unknown_province_and_bad_value(tmp_path: Path) -> None:
    sheets = {SUMMARY: _summary(["Atlantis", 6.5, 6.0, 6.0, 6.0], ["An Giang", "n/a", 6.0, 6.0, 6.0]),
              TRAINING: _training(["An Giang", 0.3, 6.1, 5.0])}
    result = _conform(tmp_path, sheets)
    codes = sorted(q["reason_code"] for q in result.quarantine)
    assert codes[1] == "unknown_province" and len(codes) == 2
    assert _disposition(result, SUMMARY, 4) == ("quarantined", "province not resolved")
    assert _disposition(result, SUMMARY, 5) == ("partial", "1 of 2 values staged")


def test_2025_file_reads_the_34_provinces(tmp_path: Path) -> None:
    sheets = {SUMMARY: _summary(["TP.HCM", 7.0, 6.0, 6.5, 6.5], ["Huế", 6.1, 6.0, 6.2, 6.1], ["BRVT", 6, 6, 6, 6]),
              TRAINING: _training(["TP.HCM", 0.4, 6.9, 6.9])}
    result = _conform(tmp_path, sheets, year=2025)
    assert {(o["province_code"], o["boundary"]) for o in result.observations} == {("79", "p34"), ("46", "p34")}
    assert [q["reason_code"] for q in result.quarantine] == ["wrong_boundary_province"]  # BRVT merged in 2025


def test_staging_prefers_the_primary_source(tmp_path: Path) -> None:
    """sql/staging/measure_values.sql: a cross-check (priority 2) is used only where no primary value exists."""
    frame = _conform(tmp_path, PCI_WORKBOOK).frames()["observations"]
    primary = frame.filter(pl.col("measure_code") == "trained_labour_share", pl.col("province_code") == "89")
    primary = primary.with_columns(source_id=pl.lit("gso_yearbook"), value=pl.lit(27.1), priority=pl.lit(1, pl.Int8),
                                   edition_year=pl.lit(2022, pl.Int32))
    observations = pl.concat([frame, primary])  # noqa: F841 - read by DuckDB below
    con = duckdb.connect()
    con.execute("CREATE SCHEMA staging")
    con.execute("CREATE TABLE staging.measure_observations AS SELECT * FROM observations")
    con.execute((SQL_DIR / "staging" / "measure_values.sql").read_text(encoding="utf-8"))
    got = dict(((p, s), v) for p, s, v in con.execute(
        "SELECT province_code, source_id, value FROM staging.measure_values "
        "WHERE measure_code = 'trained_labour_share'").fetchall())
    assert got[("89", "gso_yearbook")] == 27.1  # the primary wins although its edition is older
    assert got[("77", "vcci_pci")] == pytest.approx(67.05826759338379)  # no primary value: the cross-check
    assert ("89", "vcci_pci") not in got
