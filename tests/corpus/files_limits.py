"""Corpus files about contained reading: sheets past the reading limits, CSV quotes that are never closed.

Small by design, as the files that found the defects were: one cell at XFD1048576 makes a 5 KB workbook ask
a reader for every cell from A1. Files too big to commit (too many cells, a line past the length limit, a
quote running past the csv field limit) are made at test time (generated.py). Expected outcomes:
cases.yaml, section "contained reading".
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

from tests.corpus.files_survey import PAPI, TITLE_PAPI
from tests.corpus.files_workbooks import agency_row, agency_workbook, poverty_body, simple_table
from tests.corpus.writers import replace_zip_member, xlsx_bytes

LIMIT_FILES: dict[str, Callable[[], bytes]] = {}
FAR_CELL = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'


def corpus_file(name: str) -> Callable[[Callable[[], bytes]], Callable[[], bytes]]:
    def register(fn: Callable[[], bytes]) -> Callable[[], bytes]:
        LIMIT_FILES[name] = fn
        return fn
    return register


def _agency() -> bytes:
    return agency_workbook([agency_row(1, "01", "Hà Nội", "st_enterprises", "enterprises", 120),
                            agency_row(2, "31", "Hải Phòng", "st_enterprises", "enterprises", 45)])


def _edit_sheet(data: bytes, member: str, edit: Callable[[bytes], bytes]) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = zf.read(member)
    return replace_zip_member(data, member, edit(xml))


@corpus_file("agency_cell_at_xfd1048576.xlsx")
def agency_cell_at_xfd1048576() -> bytes:
    """A submission with one stray cell at XFD1048576; the dimension covers it, as Excel writes it."""
    def far(xml: bytes) -> bytes:
        xml = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', xml)
        return xml.replace(b"</sheetData>", FAR_CELL + b"</sheetData>")
    return _edit_sheet(_agency(), "xl/worksheets/sheet2.xml", far)


@corpus_file("agency_cell_beyond_dimension.xlsx")
def agency_cell_beyond_dimension() -> bytes:
    """The same stray cell, but the declared dimension still says A1:M6: only the real extent shows it."""
    return _edit_sheet(_agency(), "xl/worksheets/sheet2.xml",
                       lambda xml: xml.replace(b"</sheetData>", FAR_CELL + b"</sheetData>"))


@corpus_file("yb_declared_dimension_huge.xlsx")
def yb_declared_dimension_huge() -> bytes:
    """An ordinary yearbook table whose sheet declares A1:CV100000 (10,000,000 cells) over 10 rows."""
    data = xlsx_bytes([simple_table("Hộ nghèo", "Tỷ lệ hộ nghèo", "%", ["2023", "Sơ bộ 2024"], poverty_body())])
    return _edit_sheet(data, "xl/worksheets/sheet1.xml",
                       lambda xml: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:CV100000"/>', xml))


@corpus_file("survey_papi_unterminated_quote.csv")
def papi_unterminated_quote() -> bytes:
    """A quote opens the name on line 4 and is never closed: the rest of the file would be one cell."""
    lines = [TITLE_PAPI.format(year=2024), ",".join(PAPI), "1,Hà Nội,6.12,6.40", '2,"Hải Phòng,5.87,6.01',
             "3,Thái Bình,4.95,5.10", "4,Nam Định,5.50,5.72"]
    return ("\n".join(lines) + "\n").encode("utf-8")
