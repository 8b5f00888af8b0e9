"""The statistics-office yearbook edition of one data year (docs/source_formats.md, kind ``yearbook``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook

from pii.catalog import Source, load_measures
from pii.sample.common import NOTICE, display_name, new_workbook, write_lines
from pii.sample.profiles import Province, boundary_for_year, provinces
from pii.sample.values import (
    SampleModel,
    is_revised,
    measure_decimals,
    round_values,
    yearbook_measures,
    yearbook_years,
)

HEADER_LABEL = "Tỉnh, thành phố trực thuộc trung ương"
NATIONAL_LABEL = "CẢ NƯỚC"


def _file_decimals(code: str, scale: float) -> int:
    """Decimals in the file's unit: population in persons rounded to 100 is thousands with 1 decimal."""
    return max(measure_decimals(code) + round(math.log10(scale)), 0)


def _aggregate(code: str, values: np.ndarray, weights: np.ndarray | None, idx: Sequence[int]) -> float:
    """National / region row from the printed province values, by the measure's aggregation rule."""
    sel = list(idx)
    if load_measures()[code].aggregation == "sum" or weights is None:
        return float(values[sel].sum())
    return float(np.dot(weights[sel], values[sel]) / weights[sel].sum())


def _regions(provs: Sequence[Province]) -> list[tuple[str, list[int]]]:
    """Regions in first-appearance order with the indexes of their provinces."""
    out: dict[str, list[int]] = {}
    for i, p in enumerate(provs):
        out.setdefault(p.region_vi, []).append(i)
    return list(out.items())


def _column(
    model: SampleModel, code: str, year: int, boundary: str, revised: bool,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Province values of one column (catalog units) and the weights for its national row."""
    values = model.yearbook_values(code, year, boundary, revised)
    weight = load_measures()[code].weight_measure
    if not weight:
        return values, None
    # Weight with the figures printed in the same column when the weight is itself a yearbook table.
    if weight in yearbook_measures():
        return values, model.yearbook_values(weight, year, boundary, revised)
    return values, model.value(weight, year, boundary)


def write_yearbook(model: SampleModel, source: Source, edition: int, years: Sequence[int], path: Path) -> int:
    """Write edition ``edition``; returns the number of province rows over all tables."""
    boundary = boundary_for_year(edition)
    provs = provinces(boundary)
    prev_year, this_year = yearbook_years(edition)
    measures = load_measures()
    wb = new_workbook(path, f"Niên giám thống kê {edition} (mô phỏng)", model.seed)
    bold = wb.add_format({"bold": True})
    tables = source.spec["tables"]
    write_lines(wb.add_worksheet("Giới thiệu"), [
        f"NIÊN GIÁM THỐNG KÊ {edition} – BẢN MÔ PHỎNG (SYNTHETIC SAMPLE)",
        NOTICE,
        f"Tệp này do `pii sample --seed {model.seed}` tạo ra để kiểm thử quy trình tính Chỉ số PII; "
        "không phải số liệu của cơ quan thống kê.",
        "This workbook is synthetic sample data for testing the PII pipeline; it is not official statistics.",
        f"Cột {prev_year}: số liệu chính thức; cột Sơ bộ {this_year}: số liệu sơ bộ.",
        f"Địa giới hành chính: {len(provs)} tỉnh, thành phố ({boundary}).",
        "Danh mục bảng:",
        *[f"Bảng {i}. {measures[t['measure']].name_vi} – trang '{t['sheet']}'" for i, t in enumerate(tables, 1)],
    ], bold)
    table_writer = _TableWriter(model, wb, bold, edition, is_revised(edition, years))
    rows = sum(table_writer.write(number, table) for number, table in enumerate(tables, start=1))
    wb.close()
    return rows


class _TableWriter:
    """Writes one sheet per yearbook table of an edition."""

    def __init__(self, model: SampleModel, wb: Workbook, bold: Format, edition: int, revised: bool) -> None:
        self.model, self.wb, self.bold, self.edition, self.revised = model, wb, bold, edition, revised
        self.boundary = boundary_for_year(edition)
        self.provs = provinces(self.boundary)
        self.regions = _regions(self.provs)

    def write(self, number: int, table: dict) -> int:
        code, scale = table["measure"], float(table.get("scale", 1))
        decimals = _file_decimals(code, scale)
        number_format = self.wb.add_format({"num_format": "#,##0" + ("." + "0" * decimals if decimals else "")})
        prev_year, this_year = yearbook_years(self.edition)
        ws = self.wb.add_worksheet(table["sheet"])
        ws.set_column(0, 0, 42)
        ws.set_column(1, 2, 14)
        ws.write_string(0, 0, f"Bảng {number}. {load_measures()[code].name_vi} phân theo địa phương", self.bold)
        ws.write_string(1, 0, NOTICE)
        ws.write_string(2, 0, f"Đơn vị tính: {table['unit_in_file']}")
        for col, text in enumerate((HEADER_LABEL, str(prev_year), f"Sơ bộ {this_year}")):
            ws.write_string(3, col, text, self.bold)
        columns = [_column(self.model, code, prev_year, self.boundary, False),
                   _column(self.model, code, this_year, self.boundary, self.revised)]
        printed = [round_values(values / scale, decimals) for values, _ in columns]

        def put(row: int, label: str, idx: Sequence[int], is_total: bool) -> None:
            ws.write_string(row, 0, label, self.bold if is_total else None)
            for col, ((_, weights), shown) in enumerate(zip(columns, printed, strict=True), start=1):
                value = _aggregate(code, shown, weights, idx) if is_total else float(shown[idx[0]])
                ws.write_number(row, col, float(round_values(np.array([value]), decimals)[0]), number_format)

        put(4, NATIONAL_LABEL, range(len(self.provs)), True)
        row = 5
        for region, idx in self.regions:
            put(row, region, idx, True)
            row += 1
            for i in idx:
                put(row, display_name(self.provs[i], variants=True), [i], False)
                row += 1
        ws.write_string(row + 1, 0, f"Ghi chú: {NOTICE}. Số liệu năm {this_year} là số liệu sơ bộ; "
                                     f"địa giới {len(self.provs)} tỉnh, thành phố.")
        return len(self.provs)
