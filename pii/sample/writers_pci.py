"""The VCCI PCI results workbook (docs/source_formats.md, kind ``survey_workbook``).

Like the real file: a summary sheet "Tổng hợp" (provinces in alphabetical order, publisher abbreviations,
some names in NFD, one province row repeated after a blank row, then the lowest / median / highest rows),
then one sheet per sub-index with its component indicators. Indicator values are raw binary floats
(float32 artefacts such as 0.6705826759338379); shares are fractions 0-1 under headers saying "%",
shown with a percent number format. Columns that sources.yaml maps (sub-indices, cross-checks) carry
exactly the values of ``expected_values``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from pii.catalog import SheetColumn, Source
from pii.provinces import province_key
from pii.sample.common import NOTICE, new_workbook, write_lines
from pii.sample.formulas_economy import SURVEY_COLUMNS
from pii.sample.profiles import Province, boundary_for_year, provinces, stream
from pii.sample.values import SampleModel

SHEET_INTRO = "Giới thiệu"
SHEET_SUMMARY = "Tổng hợp"
COMPOSITE = "PCI"
SUMMARY_ROWS = (("Thấp nhất", np.min), ("Trung vị", np.median), ("Cao nhất", np.max))
# Abbreviations VCCI prints instead of the official names (the province resolver knows them).
ABBREVIATIONS = {("p63", "77"): "BRVT", ("p63", "79"): "TP.HCM", ("p63", "46"): "TT-Huế", ("p34", "79"): "TP.HCM"}
NFD_EVERY = 7  # every 7th province name (from the 3rd) is written decomposed (NFD), as pasted text often is
FIRST_DATA_ROW = 3  # 0-based: title, notice, header, then provinces


@dataclass(frozen=True)
class Indicator:
    """An unmapped component indicator: typical level and spread (a fraction when the header says %)."""

    label: str
    centre: float
    spread: float


# One sheet per sub-index (names fit Excel's 31 characters), with its component indicators.
SUBINDEX_SHEETS: tuple[tuple[str, tuple[Indicator, ...]], ...] = (
    ("CSTP 1 - Gia nhập thị trường", (
        Indicator("Số ngày chờ đăng ký doanh nghiệp (ngày)", 6.0, 1.5),
        Indicator("Tỷ lệ DN phải chờ hơn 3 tháng để hoàn thành thủ tục (%)", 0.12, 0.04))),
    ("CSTP 2 - Tiếp cận đất đai", (
        Indicator("Tỷ lệ DN có giấy chứng nhận quyền sử dụng đất (%)", 0.68, 0.08),
        Indicator("Đánh giá rủi ro bị thu hồi đất (1: rất cao - 5: rất thấp)", 2.8, 0.3))),
    ("CSTP 3 - Tính minh bạch", (
        Indicator("Tiếp cận tài liệu quy hoạch (1: không thể - 5: rất dễ)", 2.9, 0.25),
        Indicator("Tỷ lệ DN truy cập website của tỉnh (%)", 0.78, 0.07))),
    ("CSTP 4 - Chi phí thời gian", (
        Indicator("Tỷ lệ DN dành hơn 10% quỹ thời gian tìm hiểu quy định (%)", 0.24, 0.06),
        Indicator("Số lần thanh tra, kiểm tra trung vị (lần)", 1.0, 0.3))),
    ("CSTP 5 - CP không chính thức", (
        Indicator("Tỷ lệ DN phải trả chi phí không chính thức (%)", 0.45, 0.08),)),
    ("CSTP 6 - Cạnh tranh bình đẳng", (
        Indicator("Tỷ lệ DN cho rằng tỉnh ưu ái doanh nghiệp nhà nước (%)", 0.3, 0.07),)),
    ("CSTP 7 - Tính năng động", (
        Indicator("Tỷ lệ DN đánh giá lãnh đạo tỉnh năng động, sáng tạo (%)", 0.7, 0.07),)),
    ("CSTP 8 - Dịch vụ hỗ trợ DN", (
        Indicator("Số hội chợ thương mại do tỉnh tổ chức (hội chợ)", 5.0, 2.0),
        Indicator("Tỷ lệ DN đã sử dụng dịch vụ tìm kiếm thông tin thị trường (%)", 0.4, 0.08))),
    ("CSTP 9 - Đào tạo lao động", (
        Indicator("Tỷ lệ DN hài lòng với chất lượng lao động (%)", 0.6, 0.07),)),
    ("CSTP 10 - Thiết chế pháp lý", (
        Indicator("Tỷ lệ DN tin tưởng hệ thống pháp luật bảo vệ quyền tài sản (%)", 0.82, 0.05),)),
)


def is_percent_header(label: str) -> bool:
    return "%" in label


def as_fraction(value: float) -> float:
    """A percent value as the fraction the file stores; a decimal shift, so x 100 gives the value back."""
    return float(Decimal(repr(float(value))).scaleb(-2))


def raw_float(values: np.ndarray) -> list[float]:
    """What a survey tool writes: single-precision results widened to double (6.705826759338379)."""
    return [float(np.float32(v)) for v in values]


def printed_name(province: Province, position: int) -> str:
    """Abbreviation where VCCI uses one; otherwise the official name, every NFD_EVERY-th one decomposed."""
    name = ABBREVIATIONS.get((province.boundary, province.code), province.name_vi)
    return unicodedata.normalize("NFD", name) if position % NFD_EVERY == 2 else name


def _layout(source: Source) -> list[tuple[str, list[str]]]:
    """Sub-index sheets and their columns: the columns sources.yaml maps first, then the built-in indicators."""
    sheets = {name: [i.label for i in indicators] for name, indicators in SUBINDEX_SHEETS}
    mapped: dict[str, list[str]] = {}
    for col in source.sheet_columns():
        if col.sheet != SHEET_SUMMARY:
            mapped.setdefault(col.sheet, []).append(col.label)
    names = [*sheets, *(name for name in mapped if name not in sheets)]
    return [(name, [*mapped.get(name, []), *(x for x in sheets.get(name, []) if x not in mapped.get(name, []))])
            for name in names]


class _PciWriter:
    def __init__(self, model: SampleModel, source: Source, year: int) -> None:
        self.model, self.source, self.year = model, source, year
        self.boundary = boundary_for_year(year)
        provs = provinces(self.boundary)
        self.order = sorted(range(len(provs)), key=lambda i: (province_key(provs[i].name_vi), provs[i].code))
        self.names = [printed_name(provs[i], pos) for pos, i in enumerate(self.order)]
        self.mapped: dict[tuple[str, str], SheetColumn] = {(c.sheet, c.label): c for c in source.sheet_columns()}
        components = SURVEY_COLUMNS[source.source_id][0]
        self.components = [(c.column, model.component(source.source_id, c.column, year, self.boundary)[self.order])
                           for c in components]

    def summary_columns(self) -> list[tuple[str, list[float]]]:
        cols = [(label, [float(v) for v in values]) for label, values in self.components]
        composite = np.mean(np.vstack([values for _, values in self.components]), axis=0)
        return [*cols, (COMPOSITE, raw_float(composite))]

    def sheet_columns(self, sheet: str, labels: list[str], number: int | None) -> list[tuple[str, list[float]]]:
        cols = []
        for label in labels:
            col = self.mapped.get((sheet, label))
            if col is not None:
                values = self.model.value(col.measure, self.year, self.boundary)[self.order]
                fraction = is_percent_header(label) and col.percent != "percent"
                cols.append((label, [as_fraction(v) if fraction else float(v) for v in values]))
            else:
                cols.append((label, self._indicator(sheet, label, number)))
        if number is not None:
            cols.append((f"Chỉ số thành phần {number}", [float(v) for v in self.components[number - 1][1]]))
        return cols

    def _indicator(self, sheet: str, label: str, number: int | None) -> list[float]:
        spec = next((i for _, inds in SUBINDEX_SHEETS for i in inds if i.label == label), Indicator(label, 5.0, 1.0))
        base = self.components[number - 1][1] if number is not None else np.zeros(len(self.order))
        z = (base - base.mean()) / (base.std() or 1.0)
        noise = stream(self.model.seed, "pci_indicator", sheet, label, self.year, self.boundary).normal(0, 1, len(z))
        values = spec.centre + spec.spread * (0.7 * z + 0.7 * noise)
        if is_percent_header(label):
            values = np.clip(values, 0.01, 0.99)
        return raw_float(np.maximum(values, 0.0))


def _write_sheet(
    ws: Worksheet, title: str, header: str, names: list[str], columns: list[tuple[str, list[float]]],
    formats: tuple[Format, Format, Format], duplicate: int | None = None,
) -> None:
    bold, score, percent = formats
    ws.set_column(0, 0, 26)
    ws.set_column(1, len(columns), 18)
    ws.write_string(0, 0, title, bold)
    ws.write_string(1, 0, NOTICE)
    for c, text in enumerate([header, *(label for label, _ in columns)]):
        ws.write_string(2, c, text, bold)

    def put(row: int, label: str, values: list[float]) -> None:
        ws.write_string(row, 0, label)
        for c, ((head, _), value) in enumerate(zip(columns, values, strict=True), start=1):
            ws.write_number(row, c, value, percent if is_percent_header(head) else score)

    row = FIRST_DATA_ROW
    for i, name in enumerate(names):
        put(row, name, [values[i] for _, values in columns])
        row += 1
    if duplicate is not None:  # a blank row, then one province row pasted a second time
        row += 1
        put(row, names[duplicate], [values[duplicate] for _, values in columns])
        row += 1
    for label, stat in SUMMARY_ROWS:
        put(row, label, [float(stat(np.array(values))) for _, values in columns])
        row += 1


def write_pci_workbook(model: SampleModel, source: Source, year: int, path: Path) -> int:
    """Write one PCI results workbook; returns the number of (distinct) provinces on the summary sheet."""
    if source.source_id not in SURVEY_COLUMNS:
        raise ValueError(f"pii sample has no workbook layout for survey source '{source.source_id}'")
    writer = _PciWriter(model, source, year)
    header = source.spec.get("province_column", "Tỉnh/Thành phố")
    sheets = _layout(source)
    wb = new_workbook(path, f"Chỉ số PCI {year} (mô phỏng)", model.seed)
    formats = (wb.add_format({"bold": True}), wb.add_format({"num_format": "0.00"}),
               wb.add_format({"num_format": "0.0%"}))
    write_lines(wb.add_worksheet(SHEET_INTRO), [
        f"CHỈ SỐ NĂNG LỰC CẠNH TRANH CẤP TỈNH (PCI) {year} – BẢN MÔ PHỎNG (SYNTHETIC SAMPLE)",
        NOTICE,
        f"Tệp này do `pii sample --seed {model.seed}` tạo ra để kiểm thử quy trình tính Chỉ số PII; "
        "không phải kết quả điều tra của VCCI.",
        "This workbook is synthetic sample data for testing the PII pipeline; it is not VCCI's PCI.",
        f"Trang '{SHEET_SUMMARY}': 10 chỉ số thành phần và chỉ số PCI; các trang 'CSTP n': chỉ tiêu thành phần.",
        "Tỷ lệ (%) được lưu dưới dạng phân số 0-1; (TCTK), (BGDĐT): số liệu của cơ quan thống kê, Bộ GD&ĐT.",
        f"Địa giới hành chính: {len(writer.names)} tỉnh, thành phố ({writer.boundary}).",
    ], formats[0])
    duplicate = int(stream(model.seed, "pci_duplicate", year).integers(0, len(writer.names)))
    _write_sheet(wb.add_worksheet(SHEET_SUMMARY), f"KẾT QUẢ PCI {year} – TỔNG HỢP", header, writer.names,
                 writer.summary_columns(), formats, duplicate)
    for name, labels in sheets:
        number = next((n for n, (s, _) in enumerate(SUBINDEX_SHEETS, start=1) if s == name), None)
        _write_sheet(wb.add_worksheet(name), f"PCI {year} – {name}", header, writer.names,
                     writer.sheet_columns(name, labels, number), formats)
    wb.close()
    return len(writer.names)
