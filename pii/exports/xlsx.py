"""The ``pii export --format xlsx`` workbook, laid out like the ministry's PII tables.

Sheets: "Tổng quan" (PII, the input and output sub-indices and the pillars: score and rank per province,
best first), one "Trụ cột N" per pillar (the pillar, each sub-pillar and each of its indicators: value,
score, rank) and "Nguồn và ghi chú" (where the numbers come from, indicator units and sources). Headers are
Vietnamese names from meta.framework_nodes and meta.framework_indicators; header rows and the province
columns are frozen.

Determinism: the document dates are the warehouse run's time and xlsxwriter's in-memory mode stamps every
zip member 1980-01-01, so the same warehouse gives a byte-identical workbook. Formula injection: every text
cell is written as a string (formula, number and URL guessing off) and text starting with = + - @ tab or CR
also gets Excel's quote-prefix style (pii.exports.safety).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from pii.exports.safety import is_formula_like
from pii.exports.tables import SYNTHETIC_NOTICE, ExportData
from pii.units import unit_in

TOP = 2  # row 0: title, row 1: synthetic notice or source; headers start here
SCORE, RANK, TEXT = "0.00", "0", "@"
COUNT_UNITS = {"applications", "contracts", "certificates"}
MEASURE = {"value": "Giá trị", "score": "Điểm", "rank": "Xếp hạng"}


def unit_format(unit: str | None) -> str:
    """Excel number format of an indicator's raw values, by its unit (percentages are stored as 0-100)."""
    if unit in COUNT_UNITS:
        return "#,##0"
    if unit == "0-1":
        return "0.000"
    return "#,##0.00"


@dataclass(frozen=True)
class Column:
    """One sheet column: its header texts (one per header row; one text alone spans every header row)."""

    header: tuple[str, ...]
    key: str  # the column of the sheet's frame
    number_format: str
    width: float


class _Styles:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.book, self.cache = book, {}
        self.title = book.add_format({"bold": True, "font_size": 13})
        self.notice = book.add_format({"bold": True, "font_color": "#C00000"})
        self.note = book.add_format({"italic": True, "font_color": "#595959"})

    def get(self, number_format: str, header: bool = False, quote: bool = False) -> Format:
        key = (number_format, header, quote)
        if key not in self.cache:
            props: dict[str, object] = {"num_format": number_format, "border": 1, "valign": "top"}
            if header:
                props |= {"bold": True, "text_wrap": True, "align": "center", "valign": "vcenter",
                          "bg_color": "#DDEBF7"}
            if quote:
                props["quote_prefix"] = True
            self.cache[key] = self.book.add_format(props)
        return self.cache[key]


def _text(ws: Worksheet, row: int, col: int, text: str, styles: _Styles, header: bool = False) -> None:
    ws.write_string(row, col, text, styles.get(TEXT, header, is_formula_like(text)))


def _headers(ws: Worksheet, columns: list[Column], styles: _Styles) -> int:
    """Write the header rows, merging runs of equal texts; returns the number of header rows."""
    depth = max(len(c.header) for c in columns)
    for col, column in enumerate(columns):
        if len(column.header) == 1 and depth > 1:
            text = column.header[0]
            ws.merge_range(TOP, col, TOP + depth - 1, col, text,
                           styles.get(TEXT, header=True, quote=is_formula_like(text)))
    for level in range(depth):
        col = 0
        while col < len(columns):
            head = columns[col].header
            if len(head) == 1 and depth > 1:
                col += 1
                continue
            end = col
            while end + 1 < len(columns) and columns[end + 1].header[: level + 1] == head[: level + 1]:
                end += 1
            text, fmt = head[level], styles.get(TEXT, header=True, quote=is_formula_like(head[level]))
            if end > col:
                ws.merge_range(TOP + level, col, TOP + level, end, text, fmt)
            else:
                ws.write_string(TOP + level, col, text, fmt)
            col = end + 1
    return depth


def _sheet(book: xlsxwriter.Workbook, styles: _Styles, name: str, title: str, data: ExportData,
           columns: list[Column], frame: pl.DataFrame, header_height: float = 30) -> Worksheet:
    ws = book.add_worksheet(name)
    _text_plain(ws, 0, 0, title, styles.title)
    if data.synthetic:
        _text_plain(ws, 1, 0, SYNTHETIC_NOTICE, styles.notice)
    else:
        _text_plain(ws, 1, 0, f"Nguồn: kho dữ liệu đã công bố, lần chạy {data.run_id}", styles.note)
    depth = _headers(ws, columns, styles)
    ws.set_row(TOP + depth - 2 if depth > 1 else TOP, header_height)
    first = TOP + depth
    for col, column in enumerate(columns):
        ws.set_column(col, col, column.width)
        fmt = styles.get(column.number_format)
        for offset, value in enumerate(frame[column.key].to_list()):
            if isinstance(value, str):
                _text(ws, first + offset, col, value, styles)
            elif value is None or (isinstance(value, float) and not math.isfinite(value)):
                ws.write_blank(first + offset, col, None, fmt)
            else:
                ws.write_number(first + offset, col, value, fmt)
    ws.freeze_panes(first, 2)
    return ws


def _text_plain(ws: Worksheet, row: int, col: int, text: str, fmt: Format) -> None:
    """A title or note line: always a string; formula-like text cannot occur (the texts are ours)."""
    ws.write_string(row, col, text, fmt)


def sheet_frame(data: ExportData) -> pl.DataFrame:
    """One row per province: code, name, ``value|<indicator>``, ``score|<level>:<code>``, ``rank|<level>:<code>``."""
    long = data.scores.select("province_code", pl.concat_str("level", pl.lit(":"), "code").alias("key"),
                              "score", "rank")
    wide = data.input.select("province_code", "province_name")
    for measure in ("score", "rank"):
        pivot = long.pivot(on="key", index="province_code", values=measure)
        wide = wide.join(pivot.rename({k: f"{measure}|{k}" for k in pivot.columns if k != "province_code"}),
                         on="province_code", how="left")
    values = data.indicators.select("indicator_code", "column_name").iter_rows()
    return wide.join(data.input.select("province_code", *(pl.col(c).alias(f"value|{code}") for code, c in values)),
                     on="province_code", how="left")


def _id_columns(frame: pl.DataFrame) -> list[Column]:
    longest = max((len(n) for n in frame["province_name"].to_list()), default=10)
    return [Column(("Mã tỉnh",), "province_code", TEXT, 7),
            Column(("Tỉnh/Thành phố",), "province_name", TEXT, min(max(longest + 2, 14), 32))]


def _node_columns(group: tuple[str, ...], key: str) -> list[Column]:
    return [Column((*group, MEASURE["score"]), f"score|{key}", SCORE, 9),
            Column((*group, MEASURE["rank"]), f"rank|{key}", RANK, 8)]


def _by_rank(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    return frame.sort([f"rank|{key}", "province_code"], nulls_last=True)


def _overview(book: xlsxwriter.Workbook, styles: _Styles, data: ExportData, frame: pl.DataFrame) -> None:
    nodes = data.nodes.filter(pl.col("level").is_in(["sub_index", "pillar"]))
    columns = _id_columns(frame) + _node_columns(("Chỉ số PII",), "index:PII")
    for level, code, name in nodes.select("level", "code", "name_vi").iter_rows():
        label = f"Trụ cột {code}. {name}" if level == "pillar" else name
        columns += _node_columns((label,), f"{level}:{code}")
    _sheet(book, styles, "Tổng quan", f"Chỉ số Đổi mới sáng tạo cấp địa phương (PII) {data.year} – điểm và "
           "xếp hạng", data, columns, _by_rank(frame, "index:PII"), header_height=45)


def _pillar(book: xlsxwriter.Workbook, styles: _Styles, data: ExportData, frame: pl.DataFrame,
            code: str, name: str) -> None:
    pillar = f"Trụ cột {code}. {name}"
    columns = _id_columns(frame) + _node_columns((pillar, "Trụ cột"), f"pillar:{code}")
    subs = data.nodes.filter(level="sub_pillar", parent=code)
    for sub, sub_name in subs.select("code", "name_vi").iter_rows():
        group = f"{sub} {sub_name}"
        columns += _node_columns((group, "Nhóm chỉ số"), f"sub_pillar:{sub}")
        indicators = data.indicators.filter(sub_pillar=sub).select("indicator_code", "name_vi", "unit")
        for ind, ind_name, unit in indicators.iter_rows():
            item = (group, f"{ind} {ind_name} ({unit_in('vi', unit)})")
            columns += [Column((*item, MEASURE["value"]), f"value|{ind}", unit_format(unit), 10),
                        Column((*item, MEASURE["score"]), f"score|indicator:{ind}", SCORE, 8),
                        Column((*item, MEASURE["rank"]), f"rank|indicator:{ind}", RANK, 8)]
    _sheet(book, styles, f"Trụ cột {code}", f"PII {data.year} – {pillar}: giá trị, điểm và xếp hạng", data,
           columns, _by_rank(frame, f"pillar:{code}"), header_height=90)


KIND_VI = {"strength": "Điểm mạnh", "weakness": "Điểm yếu"}


def strengths_frame(data: ExportData) -> pl.DataFrame:
    """One row per province × strength/weakness ('strength' sorts before 'weakness'), by position; the rank
    written as leaders read it: '3/34'."""
    provinces = data.input.height
    return data.strengths_weaknesses.sort(["province_code", "kind", "position"]).select(
        "province_code", "province_name", pl.col("kind").replace_strict(KIND_VI, default=pl.col("kind")),
        "position", "indicator_code", "indicator_name_vi",
        pl.format("{}/{}", pl.col("rank"), pl.lit(provinces)).alias("rank_of"), "score")


def _strengths(book: xlsxwriter.Workbook, styles: _Styles, data: ExportData) -> None:
    columns = [*_id_columns(data.input),
               Column(("Loại",), "kind", TEXT, 11), Column(("Thứ tự",), "position", RANK, 7),
               Column(("Mã chỉ số",), "indicator_code", TEXT, 9), Column(("Chỉ số",), "indicator_name_vi", TEXT, 45),
               Column(("Xếp hạng",), "rank_of", TEXT, 9), Column((MEASURE["score"],), "score", SCORE, 8)]
    _sheet(book, styles, "Điểm mạnh – điểm yếu", f"PII {data.year} – điểm mạnh và điểm yếu của từng tỉnh/thành "
           "phố (các chỉ số có thứ hạng cao nhất và thấp nhất)", data, columns, strengths_frame(data))


NOTES = (
    ("Điểm", "Điểm 0–100 của chỉ số, trụ cột con, trụ cột, chỉ số phụ và PII (bảng pii.scores; phương pháp: "
             "reference/method.yaml)."),
    ("Xếp hạng", "1 = cao nhất trong các tỉnh/thành phố của năm; hạng bằng nhau khi điểm bằng nhau."),
    ("Giá trị", "Giá trị gốc của chỉ số (core.pii_input), theo đơn vị ghi ở tiêu đề cột và bảng dưới."),
    ("Ô trống", "Không có số liệu."),
)
SOURCE_COLUMNS = (("Mã", "indicator_code", 8), ("Chỉ số", "name_vi", 45), ("Indicator", "name_en", 40),
                  ("Đơn vị", "unit", 18), ("Chiều", "direction", 7), ("Trọng số", "weight", 9),
                  ("Năm số liệu", "data_year", 9), ("Nguồn số liệu", "source", 40), ("Cơ quan cung cấp", "agency", 12))


def _notes(book: xlsxwriter.Workbook, styles: _Styles, data: ExportData) -> None:
    ws = book.add_worksheet("Nguồn và ghi chú")
    _text_plain(ws, 0, 0, f"PII {data.year} – nguồn số liệu và ghi chú", styles.title)
    _text_plain(ws, 1, 0, SYNTHETIC_NOTICE if data.synthetic else "Số liệu từ kho dữ liệu đã công bố",
                styles.notice if data.synthetic else styles.note)
    facts = (("Năm khung chỉ số", str(data.year)),
             ("Địa giới", f"{data.boundary}: {data.input.height} tỉnh/thành phố"),
             ("Lần chạy", f"{data.run_id} (kiểm tra lúc {data.run_time:%Y-%m-%d %H:%M:%S} UTC)"), *NOTES)
    for row, (label, text) in enumerate(facts, start=TOP + 1):
        _text(ws, row, 0, label, styles, header=False)
        _text(ws, row, 1, text, styles)
    table = TOP + len(facts) + 2
    for col, (label, key, width) in enumerate(SOURCE_COLUMNS):
        ws.set_column(col, col, width)
        _text(ws, table, col, label, styles, header=True)
        for offset, value in enumerate(data.indicators[key].to_list(), start=1):
            if isinstance(value, str):
                _text(ws, table + offset, col, value, styles)
            elif value is not None:
                ws.write_number(table + offset, col, value, styles.get("0.##" if key == "weight" else "0"))
    ws.freeze_panes(table + 1, 0)


def write_workbook(data: ExportData, target: Path) -> Path:
    """Write the workbook of ``data`` to ``target``."""
    book = xlsxwriter.Workbook(str(target), {
        "in_memory": True,  # zip members stamped 1980-01-01 whatever the time zone: byte-identical files
        "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False})
    book.set_properties({
        "title": f"PII {data.year}", "subject": "Chỉ số Đổi mới sáng tạo cấp địa phương (PII)",
        "author": "PII data pipeline", "created": data.run_time,
        "comments": SYNTHETIC_NOTICE if data.synthetic else f"run {data.run_id}"})
    styles = _Styles(book)
    frame = sheet_frame(data)
    _overview(book, styles, data, frame)
    for code, name in data.nodes.filter(level="pillar").select("code", "name_vi").iter_rows():
        _pillar(book, styles, data, frame, code, name)
    _strengths(book, styles, data)
    _notes(book, styles, data)
    book.close()
    return target
