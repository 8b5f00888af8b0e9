"""grid.py and xlsx_formulas.py: formula cells, empty files and sheets, damaged files, delimiters."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from pii.ingest.grid import GridError, read_csv, read_xlsx, sniff_delimiter
from pii.ingest.xlsx_formulas import column_index, formulas_without_value, has_formula, sheet_paths
from tests.corpus.writers import Formula, Sheet, xlsx_bytes


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_column_index_inverts_letters() -> None:
    assert [column_index(x) for x in ("A", "Z", "AA", "AZ", "BA")] == [0, 25, 26, 51, 52]


def test_formula_with_cached_value_reads_as_value_without_as_f(tmp_path: Path) -> None:
    data = xlsx_bytes([Sheet("S", [["Tỉnh", "2024"], ["Hà Nội", Formula("=1+1", 2)], ["Huế", Formula("=A1", None)]])])
    rows = read_xlsx(_write(tmp_path, "f.xlsx", data), "f.xlsx")
    assert rows[1].cells[1:] == ("2",) and rows[1].types[1:] == ("n",)
    assert rows[2].cells[1:] == ("=A1",) and rows[2].types[1:] == ("f",)


def test_formula_without_value_beyond_calamine_range_extends_the_grid(tmp_path: Path) -> None:
    data = xlsx_bytes([Sheet("S", [["a"], [None, None, None, Formula("=SUM(A1:A2)", None)]])])
    rows = read_xlsx(_write(tmp_path, "f.xlsx", data), "f.xlsx")
    assert rows[-1].row_number == 2 and rows[-1].cells[3] == "=SUM(A1:A2)" and rows[-1].types[3] == "f"


def test_formula_scan_skips_sheets_without_formulas(tmp_path: Path) -> None:
    data = xlsx_bytes([Sheet("Plain", [["x", 1]]), Sheet("Calc", [[Formula("=1", None)]])])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        paths = sheet_paths(zf)
        assert paths == {"Plain": "xl/worksheets/sheet1.xml", "Calc": "xl/worksheets/sheet2.xml"}
        assert not has_formula(zf, paths["Plain"]) and has_formula(zf, paths["Calc"])
        assert formulas_without_value(zf, ["Plain", "Calc"]) == {"Calc": {(1, 0): "1"}}


def test_sheet_paths_follow_absolute_relationship_targets() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                    '<Relationship Id="r" Type="http://x/officeDocument" Target="/xl/workbook.xml"/></Relationships>')
        zf.writestr("xl/_rels/workbook.xml.rels",
                    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                    '<Relationship Id="rId7" Type="t" Target="/xl/worksheets/data.xml"/></Relationships>')
        zf.writestr("xl/workbook.xml",
                    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                    '<sheets><sheet name="Số liệu" sheetId="1" r:id="rId7"/></sheets></workbook>')
    with zipfile.ZipFile(out) as zf:
        assert sheet_paths(zf) == {"Số liệu": "xl/worksheets/data.xml"}


def test_empty_sheet_reads_as_one_blank_row(tmp_path: Path) -> None:
    rows = read_xlsx(_write(tmp_path, "e.xlsx", xlsx_bytes([Sheet("A", [["x"]]), Sheet("Empty", [])])), "e.xlsx")
    assert [(r.sheet, r.row_number, r.cells) for r in rows] == [("A", 1, ("x",)), ("Empty", 1, ())]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty file (0 bytes)"),
    (b"  \r\n\t\n", "empty file (only whitespace)"),
    (b"\xff\xfe" + "  \r\n".encode("utf-16-le"), "empty file (only whitespace)"),
])
def test_empty_csv_is_an_error_naming_the_file(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(GridError, match=rf"^2024/x\.csv: {re.escape(message)}$"):
        read_csv(_write(tmp_path, "x.csv", data), "2024/x.csv")


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty file"),
    (b"PK\x03\x04" + b"\x00" * 40, "corrupt or truncated .xlsx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40, r"old Excel 97-2003 \(.xls\)"),
    ("Tỉnh;2024\nHà Nội;1\n".encode(), "text/CSV file renamed"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not a zip container"),
])
def test_unreadable_xlsx_messages_name_the_file(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(GridError, match=rf"^2024/x\.xlsx: .*{message}"):
        read_xlsx(_write(tmp_path, "x.xlsx", data), "2024/x.xlsx")


def test_missing_sheet_is_an_error(tmp_path: Path) -> None:
    wb = xlsxwriter.Workbook(str(tmp_path / "w.xlsx"))
    wb.add_worksheet("A")
    wb.close()
    with pytest.raises(GridError, match="sheet 'B' not found"):
        read_xlsx(tmp_path / "w.xlsx", "w.xlsx", ["B"])


@pytest.mark.parametrize(("text", "delimiter"), [
    ("title\nSTT,Tỉnh,A\n1,Hà Nội,0.5\n2,Huế,0.6\n", ","),
    ("title – résumé\nNo.;Province;A;B\n1;Ha Noi;0,61;0,58\n2;Hue;0,44;0,49\n", ";"),
    ("t\nSTT\tTỉnh\tA\n1\tHà Nội\t1,5\n", "\t"),
    ('t\n"a;b",c\n"x;y",z\n', ","),
    ("one field only\n", ","),
])
def test_sniff_delimiter_prefers_consistent_widths(text: str, delimiter: str) -> None:
    assert sniff_delimiter(text) == delimiter


def test_openpyxl_formulas_have_no_cached_value(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws.append(["Tỉnh", "2024"])
    ws.append(["Hà Nội", "=2*3"])
    wb.save(tmp_path / "o.xlsx")
    rows = read_xlsx(tmp_path / "o.xlsx", "o.xlsx")
    assert (rows[1].cells[1], rows[1].types[1]) == ("=2*3", "f")


def test_formula_with_an_empty_text_result_is_cached(tmp_path: Path) -> None:
    data = xlsx_bytes([Sheet("S", [["a", Formula('=IF(1,"","x")', 1)]])])
    # xlsxwriter writes <v>1</v>; rewrite the cell the way Excel saves a formula whose result is empty text
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            member = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                member = re.sub(rb'<c r="B1"([^>]*)><f>(.*?)</f><v>1</v></c>',
                                rb'<c r="B1"\1 t="str"><f>\2</f><v></v></c>', member)
                assert b't="str"' in member
            dst.writestr(info, member)
    rows = read_xlsx(_write(tmp_path, "s.xlsx", out.getvalue()), "s.xlsx")
    assert rows[0].types[1:] in ((), ("",), ("s",))
