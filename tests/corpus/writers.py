"""Deterministic bytes for the corpus: CSV text in any encoding, and .xlsx workbooks via xlsxwriter.

Workbooks are written in memory with a fixed creation date (zip members get xlsxwriter's fixed 1980
timestamp), so the same call always gives the same bytes. A formula written with ``cached=None`` has its
saved value removed afterwards, as a program that never calculates would leave it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field

import xlsxwriter

from pii.parsing.encodings import encode_cp1258

FIXED_CREATED = dt.datetime(2025, 1, 1, 0, 0, 0)
NOTICE = "TỆP KIỂM THỬ – TEST CORPUS, NOT OFFICIAL STATISTICS"


@dataclass(frozen=True)
class Formula:
    """A formula cell; ``cached`` is the saved result (None: saved without a result)."""

    text: str
    cached: float | None


Cell = str | float | int | Formula | None


@dataclass
class Sheet:
    name: str
    rows: list[list[Cell]]
    merges: list[tuple[str, str]] = field(default_factory=list)  # ("A4:A5", "Tỉnh, thành phố")


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8", delimiter: str = ",", newline: str = "\n") -> bytes:
    """Rows as CSV text, encoded; ``encoding`` 'cp1258' encodes the way Windows does (combining tones)."""
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator=newline).writerows(rows)
    text = buf.getvalue()
    if encoding == "cp1258":
        return encode_cp1258(text)
    if encoding == "utf-8-sig":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    if encoding == "utf-16":
        return b"\xff\xfe" + text.encode("utf-16-le")
    return text.encode(encoding)


def _write_cell(ws: xlsxwriter.worksheet.Worksheet, r: int, c: int, value: Cell) -> None:
    if value is None:
        return
    if isinstance(value, Formula):
        ws.write_formula(r, c, value.text, None, 0 if value.cached is None else value.cached)
    elif isinstance(value, str):
        ws.write_string(r, c, value)
    else:
        ws.write_number(r, c, float(value))


def xlsx_bytes(sheets: list[Sheet]) -> bytes:
    """A workbook with the given sheets; formulas with ``cached=None`` are left without a saved value."""
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                   "strings_to_urls": False})
    wb.set_properties({"title": "PII test corpus", "subject": NOTICE, "author": "tests/corpus/build_corpus.py",
                       "created": FIXED_CREATED})
    uncached: dict[str, list[str]] = {}
    for n, sheet in enumerate(sheets, start=1):
        ws = wb.add_worksheet(sheet.name)
        for r, row in enumerate(sheet.rows):
            for c, value in enumerate(row):
                _write_cell(ws, r, c, value)
                if isinstance(value, Formula) and value.cached is None:
                    uncached.setdefault(f"xl/worksheets/sheet{n}.xml", []).append(_ref(r, c))
        for cells, text in sheet.merges:
            ws.merge_range(cells, text)
    wb.close()
    return _strip_cached_values(out.getvalue(), uncached)


def _ref(r: int, c: int) -> str:
    letters = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{r + 1}"


def _strip_cached_values(data: bytes, cells: dict[str, list[str]]) -> bytes:
    """Remove the <v> of the named formula cells, keeping every other zip member byte for byte."""
    if not cells:
        return data
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            member = src.read(info)
            for ref in cells.get(info.filename, []):
                member = re.sub(rf'(<c r="{ref}"[^>]*><f>[^<]*</f>)<v>[^<]*</v>'.encode(), rb"\1", member)
            dst.writestr(info, member)
    return out.getvalue()


def replace_zip_member(data: bytes, name: str, content: bytes) -> bytes:
    """The workbook ``data`` with one member's bytes replaced (a damaged part inside a valid zip)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, content if info.filename == name else src.read(info))
    return out.getvalue()
