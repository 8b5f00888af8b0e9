"""Agency submission workbooks: the blank templates departments fill, and the layout the adapter reads.

One workbook per department (agency_submission source) and data year: an instructions sheet and the
data sheet "Số liệu" with one row per province × measure, the measure's code, name and unit filled in,
and Excel data validation on "Giá trị" from the measure's plausible range, so a typing slip is caught
while the officer types rather than weeks later in the pipeline. The sample generator writes its
synthetic submissions through this same module, so samples and templates cannot drift apart.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import xlsxwriter

from pii.catalog import Measure, Source, load_sources, measures_of_source
from pii.errors import UsageError, require_output_dir
from pii.paths import REFERENCE_DIR
from pii.provinces import ProvinceRegistry, boundary_for_year
from pii.reference_years import check_data_years

SHEET_INTRO = "Hướng dẫn"
SHEET_DATA = "Số liệu"
HEADER = ("STT", "Mã tỉnh", "Tỉnh/Thành phố", "Mã chỉ tiêu", "Tên chỉ tiêu", "Đơn vị tính", "Giá trị", "Tử số",
          "Mẫu số", "Số văn bản minh chứng", "Ngày văn bản", "Người cung cấp", "Ghi chú")
VALUE_COL, FIRST_DATA_ROW = 6, 4  # zero-based: column G, Excel row 5
FIXED_CREATED = dt.datetime(2024, 7, 24)  # a fixed creation date keeps the bytes identical between runs

INSTRUCTIONS = [
    "1. Mỗi dòng của trang 'Số liệu' là một chỉ tiêu của một tỉnh, thành phố. Không thêm, xoá hay đổi thứ tự cột.",
    "   Each row of sheet 'Số liệu' is one measure for one province. Do not add, delete or reorder columns.",
    "2. 'Mã tỉnh' là mã 2 ký tự dạng văn bản (ví dụ 01, 79); 'Mã chỉ tiêu', 'Tên chỉ tiêu', 'Đơn vị tính' đã điền sẵn.",
    "   'Mã tỉnh' is the two-character statistics-office code; measure code, name and unit are filled in.",
    "3. 'Giá trị': số theo đúng đơn vị tính của dòng (không ghi đơn vị, không ghi chữ). Dấu thập phân theo máy tính.",
    "   'Giá trị' is a number in the row's unit, without the unit or words. Leave it empty if not available.",
    "4. 'Tử số', 'Mẫu số': ghi khi chỉ tiêu là tỷ lệ, để kiểm tra lại phép chia (không bắt buộc).",
    "5. 'Số văn bản minh chứng', 'Ngày văn bản' (dd/mm/yyyy), 'Người cung cấp': bắt buộc — số liệu không có minh"
    " chứng sẽ bị nhắc lại.",
    "   Evidence document number, date (dd/mm/yyyy) and the submitting officer are required.",
    "6. Khi pipeline phát hiện lỗi, thông báo ghi rõ tệp, trang, dòng, cột và lý do (xem README, mục dành cho cán bộ"
    " đầu mối).",
    "   When something is wrong, the pipeline names the file, sheet, row and column and says why.",
]


@dataclass(frozen=True)
class SubmissionRow:
    province_code: str
    province_name: str
    measure: Measure
    value: float | None = None
    decimals: int = 2
    evidence: tuple[str, str, str] = ("", "", "")  # document number, date, submitter


@cache
def _agencies() -> dict[str, dict[str, str]]:
    with (REFERENCE_DIR / "agencies.csv").open(encoding="utf-8", newline="") as f:
        return {r["agency_code"]: r for r in csv.DictReader(f)}


def agency_name(agency: str, year: int) -> str:
    """The department's name in ``year``; after a 2025 merger, the successor's name (with the former one)."""
    info = _agencies().get(agency)
    if info is None:
        return agency
    successor = info.get("successor_code") or ""
    if successor and info["valid_to"] and int(info["valid_to"][:4]) < year + 1 and year >= 2025:
        return f"{agency_name(successor, year)} (trước đây {info['name_vi']})"
    return info["name_vi"]


def write_submission(
    path: Path, source: Source, year: int, rows: Sequence[SubmissionRow], intro: Sequence[str], author: str,
) -> int:
    """Write one submission workbook in the documented layout; returns the number of data rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    name = agency_name(source.agency, year)
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True, "strings_to_numbers": False,
                                         "strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"title": f"{name} – số liệu PII {year}", "author": author, "created": FIXED_CREATED})
    bold = wb.add_format({"bold": True})
    ws = wb.add_worksheet(SHEET_INTRO)
    ws.set_column(0, 0, 120)
    lines = [f"HƯỚNG DẪN ĐIỀN BIỂU – {name.upper()} – NĂM SỐ LIỆU {year}", *intro, *INSTRUCTIONS]
    for i, line in enumerate(lines):
        ws.write_string(i, 0, line, bold if i == 0 else None)
    data = wb.add_worksheet(SHEET_DATA)
    data.write_string(0, 0, f"BIỂU CUNG CẤP SỐ LIỆU PHỤC VỤ TÍNH TOÁN CHỈ SỐ PII – {name}", bold)
    data.write_string(1, 0, intro[0] if intro else "")
    data.write_string(2, 0, f"Năm số liệu: {year}")
    for col, text in enumerate(HEADER):
        data.write_string(3, col, text, bold)
    for col, width in ((2, 24), (4, 60), (5, 18), (9, 24), (10, 14), (11, 24), (12, 24)):
        data.set_column(col, col, width)
    data.freeze_panes(FIRST_DATA_ROW, 0)
    formats = {d: wb.add_format({"num_format": "0" + ("." + "0" * d if d > 0 else "")}) for d in range(5)}
    for i, row in enumerate(rows):
        r = FIRST_DATA_ROW + i
        data.write_number(r, 0, i + 1)
        for col, text in enumerate((row.province_code, row.province_name, row.measure.code, row.measure.name_vi,
                                    row.measure.unit), start=1):
            data.write_string(r, col, text)  # text cells keep "01" as "01"
        if row.value is not None:
            data.write_number(r, VALUE_COL, float(row.value), formats[min(max(row.decimals, 0), 4)])
        for col, text in enumerate(row.evidence, start=9):
            if text:
                data.write_string(r, col, text)
        _validate(data, r, row.measure)
    wb.close()
    return len(rows)


def _validate(ws: xlsxwriter.worksheet.Worksheet, row: int, measure: Measure) -> None:
    """Excel refuses a value outside the measure's range as it is typed (same bounds as the pipeline)."""
    low = measure.min_value if measure.min_value is not None else -1e15
    high = measure.max_value if measure.max_value is not None else 1e15
    ws.data_validation(row, VALUE_COL, row, VALUE_COL, {
        "validate": "decimal", "criteria": "between", "minimum": low, "maximum": high,
        "error_title": "Giá trị không hợp lệ",
        "error_message": f"{measure.code}: số trong khoảng {low:g} – {high:g} ({measure.unit}).",
    })


def resolve_template_province(year: int, province: str) -> str:
    """The code of ``province`` (a code or any known spelling) on the boundary of ``year``; else a UsageError
    with the registry's explanation and closest names."""
    registry = ProvinceRegistry.load()
    boundary = boundary_for_year(year)
    if province.strip() in {p.code for p in registry.provinces(boundary)}:
        return province.strip()
    resolved = registry.resolve(province, boundary=boundary)
    if not resolved.ok or resolved.code is None:
        raise UsageError(f"--province {province!r}: {resolved.message}")
    return resolved.code


def template_rows(source: Source, year: int, province_code: str | None = None) -> list[SubmissionRow]:
    provinces = ProvinceRegistry.load().provinces(boundary_for_year(year))
    return [SubmissionRow(p.code, p.name_vi, m) for p in provinces if province_code in (None, p.code)
            for m in measures_of_source(source.source_id)]


def generate_templates(out_dir: Path, year: int, province: str | None = None) -> list[Path]:
    """Blank templates, one per department, for data year ``year`` (optionally one province only).

    A year no framework reads, an unknown province or an output folder that cannot be made is a UsageError.
    """
    check_data_years([year], "--year")
    require_output_dir(out_dir, "--out")
    code = resolve_template_province(year, province) if province else None
    written = []
    for source in load_sources().values():
        if source.kind != "agency_submission":
            continue
        suffix = f"_{code}" if code else ""
        path = out_dir / f"{year}" / f"{source.agency}_{year}{suffix}_mau.xlsx"
        intro = [f"BIỂU MẪU TRỐNG – năm số liệu {year}; nộp lại với tên tệp {Path(source.path_for(year)).name}",
                 f"Blank template for data year {year}; return it named {Path(source.path_for(year)).name}."]
        write_submission(path, source, year, template_rows(source, year, code), intro, "pii templates")
        written.append(path)
    return written
