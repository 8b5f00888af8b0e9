"""Blank templates: the layout the adapter reads, validation on values, names after the 2025 mergers."""

from pathlib import Path

import openpyxl
import pytest

from pii.catalog import load_sources, measures_of_source
from pii.ingest.conform import conform_raw, read_raw
from pii.ingest.landing import find_files
from pii.provinces import ProvinceRegistry
from pii.templates import agency_name, generate_templates


def test_one_template_per_department_with_every_measure_row(tmp_path: Path) -> None:
    paths = generate_templates(tmp_path, 2025, "Tây Ninh")
    agencies = {s.agency for s in load_sources().values() if s.kind == "agency_submission"}
    assert {p.name.split("_")[0] for p in paths} == agencies
    path = next(p for p in paths if p.name.startswith("SKHCN_"))
    assert path.name == "SKHCN_2025_80_mau.xlsx"
    ws = openpyxl.load_workbook(path)["Số liệu"]
    rows = [r for r in ws.iter_rows(min_row=5, values_only=True) if r[0] is not None]
    assert [r[3] for r in rows] == [m.code for m in measures_of_source("skhcn_submission")]
    assert {r[1] for r in rows} == {"80"} and all(r[6] is None for r in rows)
    validations = ws.data_validations.dataValidation
    assert len(validations) == len(rows)
    assert all(v.type == "decimal" for v in validations)


def test_agency_names_follow_the_2025_mergers() -> None:
    assert agency_name("SKHDT", 2024) == "Sở Kế hoạch và Đầu tư"
    assert agency_name("SKHDT", 2025) == "Sở Tài chính (trước đây Sở Kế hoạch và Đầu tư)"
    assert agency_name("SKHCN", 2025) == "Sở Khoa học và Công nghệ"


def test_unknown_province_is_refused_with_suggestions(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Long An"):
        generate_templates(tmp_path, 2025, "Long An")  # merged into Tây Ninh on 1 July 2025


def test_a_filled_template_is_staged_and_a_blank_one_is_reported(tmp_path: Path) -> None:
    source = load_sources()["sgddt_submission"]
    template = next(p for p in generate_templates(tmp_path / "t", 2024) if p.name.startswith("SGDDT_"))
    landing = tmp_path / "landing"
    target = landing / source.path_for(2024)
    target.parent.mkdir(parents=True)
    wb = openpyxl.load_workbook(template)
    ws = wb["Số liệu"]
    filled = 0
    for row in ws.iter_rows(min_row=5):
        if row[1].value == "01":  # Hà Nội's officer fills Hà Nội's rows only
            row[6].value = 7.25 if row[3].value == "exam_avg_score" else 1000
            row[9].value, row[10].value, row[11].value = "12/BC-SGDĐT", "15/03/2025", "Nguyễn Văn A"
            filled += 1
    wb.save(target)
    result = conform_raw(source, read_raw(source, find_files(landing, source)[0]), ProvinceRegistry.load())
    staged = {(o["province_code"], o["measure_code"]): o["value"] for o in result.observations}
    assert len(staged) == filled
    assert staged[("01", "exam_avg_score")] == 7.25
    assert {o["evidence"] for o in result.observations} == {"12/BC-SGDĐT, 15/03/2025, Nguyễn Văn A"}
    blanks = [q for q in result.quarantine if q["reason_code"] == "missing_value"]
    assert len(blanks) == 62 * filled  # the other provinces' rows are still empty
    assert blanks[0]["column_ref"] == "G" and blanks[0]["file_path"] == "2024/agencies/SGDDT_2024.xlsx"
