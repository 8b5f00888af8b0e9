"""Corpus cases made at test time, never committed: zip bombs, paths leaving the landing folder, and files
past the reading limits (too many cells, an overlong line, a quote running past the csv field limit).

Each function gets the tmp landing folder and the path (relative to it) the case's source expects,
and creates what the case needs there.
"""

from __future__ import annotations

import functools
import io
import re
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

from pii.ingest.read_limits import MAX_XLSX_ENTRIES, MAX_XLSX_UNCOMPRESSED
from tests.corpus.writers import Sheet, replace_zip_member, xlsx_bytes

DECLARED_SIZE = 600 * 1024 * 1024  # above the default MAX_XLSX_UNCOMPRESSED (500 MiB)


def zip_many_entries(landing: Path, rel: str) -> None:
    """A zip with one entry more than MAX_XLSX_ENTRIES (all empty: about 1 MB on disk)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for i in range(MAX_XLSX_ENTRIES + 1):
            zf.writestr(zipfile.ZipInfo(f"x/{i}"), b"")
    _write(landing / rel, out.getvalue())


def zip_declared_huge(landing: Path, rel: str) -> None:
    """A small zip whose directory declares 600 MiB uncompressed: the guard must trust no decompression."""
    assert DECLARED_SIZE > MAX_XLSX_UNCOMPRESSED
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"<worksheet/>")
    data = bytearray(out.getvalue())
    local = data.find(b"PK\x03\x04")
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, local + 22, DECLARED_SIZE)  # local header: uncompressed size
    struct.pack_into("<I", data, central + 24, DECLARED_SIZE)  # central directory: uncompressed size
    _write(landing / rel, bytes(data))


def symlink_outside(landing: Path, rel: str) -> None:
    """The expected path is a link to a file outside the landing folder (which must not be read)."""
    outside = landing.parent / "outside_landing"
    outside.mkdir(exist_ok=True)
    target = outside / Path(rel).name
    target.write_text("Tiêu đề\nSTT,Tỉnh/Thành phố,Quản trị môi trường\n1,Hà Nội,6.12\n", encoding="utf-8")
    link = landing / rel
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)


def plain_survey_csv(landing: Path, rel: str) -> None:
    """A well-formed three-province survey CSV (title, header, 3 rows): for cases about the spec, not the file."""
    text = "Chỉ số PAPI 2024\nSTT,Tỉnh/Thành phố,Quản trị môi trường\n1,Hà Nội,6.12\n2,Đà Nẵng,5.5\n3,Cần Thơ,4.9\n"
    _write(landing / rel, text.encode("utf-8"))


def xlsx_too_many_cells(landing: Path, rel: str) -> None:
    """A register with two sheets of 3,000 rows × 1,000 cells: 6,000,000 cells, above MAX_FILE_CELLS (5,000,000)
    although each sheet alone is within the per-sheet limit. Cells without a reference keep it quick to make."""
    _write(landing / rel, _too_many_cells_bytes())


@functools.cache  # the same bytes for the case and its can-fail twin
def _too_many_cells_bytes() -> bytes:
    rows = b"".join(b'<row r="%d">' % r + b"<c/>" * 1000 + b"</row>" for r in range(1, 3001))
    data = xlsx_bytes([Sheet("Danh sách", [["x"]]), Sheet("Phụ lục", [["x"]])])
    for member in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            xml = zf.read(member)
        data = replace_zip_member(data, member, re.sub(rb"<sheetData>.*</sheetData>",
                                                       b"<sheetData>" + rows + b"</sheetData>", xml))
    return data


def csv_line_too_long(landing: Path, rel: str) -> None:
    """A survey CSV whose third line holds 100,009 characters (MAX_ROW_CHARS is 100,000)."""
    text = "Chỉ số PAPI 2024\nSTT,Tỉnh/Thành phố,Quản trị môi trường\n1,Hà Nội," + "6" * 100_000 + "\n2,Huế,5.5\n"
    _write(landing / rel, text.encode("utf-8"))


def csv_long_unterminated_quote(landing: Path, rel: str) -> None:
    """An application list where a quote opens on line 4 and 2,000 lines (about 140,000 characters) follow:
    the csv module's field limit (131,072) is reached before the end of the file."""
    head = ["Danh sách đơn đăng ký sở hữu công nghiệp năm 2024 – tệp kiểm thử",
            "Số đơn,Loại đơn,Ngày nộp đơn,Người nộp đơn,Tỉnh/Thành phố",
            "1-2024-00001,Sáng chế,05/01/2024,Công ty A,Hà Nội", '1-2024-00002,Sáng chế,06/01/2024,"Công ty B,Hà Nội']
    body = [f"4-2024-{n:05d},Nhãn hiệu,12/03/2024,Hộ kinh doanh số {n},Thừa Thiên Huế" for n in range(3, 2003)]
    _write(landing / rel, ("\n".join(head + body) + "\n").encode("utf-8"))


# issue 9 / bad input at scale: record lists the set-based reader (DuckDB) must refuse as a whole, naming the
# file and the first bad line. Each is a few thousand lines, so the defect lies past the first 64 KiB read to
# decide the encoding, delimiter and header.
IPVN_HEAD = ["Danh sách đơn đăng ký sở hữu công nghiệp năm 2024 – tệp kiểm thử",
             "Số đơn,Loại đơn,Ngày nộp đơn,Người nộp đơn,Tỉnh/Thành phố"]


def _ipvn_lines(first: int, last: int) -> list[str]:
    return [f"4-2024-{n:05d},Nhãn hiệu,12/03/2024,Hộ kinh doanh số {n},Thừa Thiên Huế" for n in range(first, last)]


def ipvn_stray_quote(landing: Path, rel: str) -> None:
    """Line 1,503 quotes a field holding quotes that are not doubled ("Công ty "Sao" Việt"): not valid CSV."""
    bad = '4-2024-09999,Nhãn hiệu,12/03/2024,"Công ty "Sao" Việt",Hà Nội'
    lines = IPVN_HEAD + _ipvn_lines(1, 1501) + [bad] + _ipvn_lines(1501, 3001)
    _write(landing / rel, ("\n".join(lines) + "\n").encode("utf-8"))


def ipvn_wrong_delimiter(landing: Path, rel: str) -> None:
    """From line 2,003 on, the records are split by ';' (a second export appended): the header says ','."""
    tail = [line.replace(",", ";") for line in _ipvn_lines(2001, 3001)]
    lines = IPVN_HEAD + _ipvn_lines(1, 2001) + tail
    _write(landing / rel, ("\n".join(lines) + "\n").encode("utf-8"))


def ipvn_wrong_encoding(landing: Path, rel: str) -> None:
    """UTF-8 for 2,000 lines, then line 2,003 in Windows-1258 (two exports joined): the file mixes encodings."""
    head = ("\n".join(IPVN_HEAD + _ipvn_lines(1, 2001)) + "\n").encode("utf-8")
    bad = "4-2024-09999,Nhãn hiệu,12/03/2024,Công ty Đông Á,Đà Nẵng\n".encode("cp1258", errors="replace")
    rest = ("\n".join(_ipvn_lines(2001, 2101)) + "\n").encode("utf-8")
    _write(landing / rel, head + bad + rest)


def ipvn_truncated_last_line(landing: Path, rel: str) -> None:
    """The upload stopped in the middle of line 3,002: its record has two of five fields, no line end."""
    lines = IPVN_HEAD + _ipvn_lines(1, 3000) + ["4-2024-03000,Nhãn hi"]
    _write(landing / rel, "\n".join(lines).encode("utf-8"))


# A labour-force-survey file (source labour_force_survey, microdata): synthetic persons of two provinces.
LFS_HEADER = "ma_ho,stt_nguoi,ma_tinh,tuoi,co_viec_lam,trinh_do_cmkt,quyen_so"


def _lfs_lines(first: int, last: int, sep: str = ",", decimal: str = ".") -> list[str]:
    return [sep.join([f"01-{n:07d}", "1", "01" if n % 2 else "79", str(20 + n % 40), "1", str(n % 7),
                      f"71{decimal}5"]) for n in range(first, last)]


def lfs_broken_quote(landing: Path, rel: str) -> None:
    """Line 1,202 of 2,001 quotes a household id and never closes the quote: not valid CSV."""
    lines = [LFS_HEADER, *_lfs_lines(1, 1201), '"01-0009999,1,01,30,1,2,71.5', *_lfs_lines(1201, 2001)]
    _write(landing / rel, ("\n".join(lines) + "\n").encode("utf-8"))


def lfs_truncated_last_line(landing: Path, rel: str) -> None:
    """The upload stopped inside line 2,001: its record has three of seven variables and no line end."""
    _write(landing / rel, "\n".join([LFS_HEADER, *_lfs_lines(1, 2000), "01-0002000,1,01"]).encode("utf-8"))


def lfs_decimal_comma(landing: Path, rel: str) -> None:
    """A ';'-separated export whose weights are written with a decimal comma (71,5), as Vietnamese Excel saves
    them: every weight is a number to a person, not to the pipeline; each record is quarantined, naming it."""
    lines = [LFS_HEADER.replace(",", ";"), *_lfs_lines(1, 4, sep=";", decimal=",")]
    _write(landing / rel, ("\n".join(lines) + "\n").encode("utf-8"))


def lfs_units_in_cells(landing: Path, rel: str) -> None:
    """Ages typed with their unit ('35 tuổi') in two of five records; the other three are counted."""
    lines = [LFS_HEADER, *_lfs_lines(1, 4), "01-0000004,1,01,35 tuổi,1,2,71.5", "01-0000005,1,79,41 tuổi,1,0,71.5"]
    _write(landing / rel, ("\n".join(lines) + "\n").encode("utf-8"))


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


GENERATORS: dict[str, Callable[[Path, str], None]] = {
    "zip_many_entries": zip_many_entries,
    "zip_declared_huge": zip_declared_huge,
    "symlink_outside": symlink_outside,
    "plain_survey_csv": plain_survey_csv,
    "xlsx_too_many_cells": xlsx_too_many_cells,
    "csv_line_too_long": csv_line_too_long,
    "csv_long_unterminated_quote": csv_long_unterminated_quote,
    "ipvn_stray_quote": ipvn_stray_quote,
    "ipvn_wrong_delimiter": ipvn_wrong_delimiter,
    "ipvn_wrong_encoding": ipvn_wrong_encoding,
    "ipvn_truncated_last_line": ipvn_truncated_last_line,
    "lfs_broken_quote": lfs_broken_quote,
    "lfs_truncated_last_line": lfs_truncated_last_line,
    "lfs_decimal_comma": lfs_decimal_comma,
    "lfs_units_in_cells": lfs_units_in_cells,
}
