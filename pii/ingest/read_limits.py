"""Reading limits for landing files, checked before a reader allocates anything.

A workbook of 41 KB can ask for half a terabyte: one cell at XFD1048576 makes calamine allocate the whole
range from A1 (and abort the process). So, before any reader runs, the file is measured cheaply and refused
past a limit: the zip directory (entry count, declared uncompressed size), each sheet's XML streamed in
1 MiB chunks (declared ``<dimension ref>``, real extent from the cell references, cell count; the XML is never
held in memory whole), and a CSV's text (longest line; cells are counted while parsing). A breach raises
:class:`LimitExceeded`, whose message names the file, the limit and the value found; the file is quarantined
as ``limit_exceeded`` and nothing of it is read.

The limits are the constants below, all in this one place (docs/source_formats.md, "Reading limits").
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from pii.ingest.xlsx_formulas import FORMULA_TAG, column_index

MAX_XLSX_UNCOMPRESSED = 500 * 1024 * 1024  # bytes, all zip members together as the zip directory declares them
MAX_XLSX_ENTRIES = 10_000  # members in one .xlsx zip
MAX_SHEET_CELLS = 5_000_000  # cells of one sheet: its declared dimension, and its real extent counted from A1
MAX_FILE_CELLS = 5_000_000  # cells present in one file: <c> elements of all sheets read, or CSV fields
MAX_ROW_CHARS = 100_000  # characters on one CSV line
MAX_READER_MEMORY_MIB = 4096  # address space of the reader process: a file at MAX_FILE_CELLS peaks near 3 GiB
READ_TIMEOUT_S = 600  # seconds one file may take in the reader process before it is stopped

CHUNK = 1 << 20
DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s[^>]*?\bref="([^"]*)"')
CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")
# ' r="' is the reference attribute of <c> (letters and digits) and <row> (digits); a literal start keeps
# the regex engine on its fast path, as the scan is paid on every workbook
REF_COLUMN = re.compile(rb' r="([A-Z]+)[0-9]')
REF_ROW = re.compile(rb' r="[A-Z]*([0-9]+)"')
PLAIN_FORMULA = re.compile(rb"<f[\s>/]")
PREFIXED_FORMULA = re.compile(rb":f[\s>/]")
RANGE_REF = re.compile(r"\$?([A-Z]+)\$?([0-9]+)")


class LimitExceeded(ValueError):
    """The file is past a reading limit; the message names the file, the limit and the value found."""


@dataclass
class SheetScan:
    """What one sheet's XML holds, measured without parsing it."""

    declared: str = ""  # the <dimension ref>, '' when absent
    max_row: int = 0
    max_col: int = 0  # 1-based: A = 1
    cells: int = 0
    has_formula: bool = False


def check_zip_directory(infos: list[zipfile.ZipInfo], label: str) -> None:
    """Entry count and total uncompressed size, as the zip's central directory declares them."""
    if len(infos) > MAX_XLSX_ENTRIES:
        raise LimitExceeded(f"{label}: {len(infos)} zip entries exceed the limit of {MAX_XLSX_ENTRIES}")
    total = sum(i.file_size for i in infos)
    if total > MAX_XLSX_UNCOMPRESSED:
        raise LimitExceeded(f"{label}: uncompressed size {total} bytes exceeds {MAX_XLSX_UNCOMPRESSED} "
                            "(zip bomb guard)")


def _letters(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def range_cells(ref: str) -> int:
    """Cells in an A1 range ('A1:XFD1048576' → 17179869184; 'B2' → 1; unreadable → 0)."""
    corners = [RANGE_REF.fullmatch(part.strip()) for part in ref.upper().split(":")]
    if not corners or len(corners) > 2 or not all(corners):
        return 0
    rows = [int(m.group(2)) for m in corners if m]
    cols = [column_index(m.group(1)) for m in corners if m]
    return (max(rows) - min(rows) + 1) * (max(cols) - min(cols) + 1)


def scan_sheet(zf: zipfile.ZipFile, member: str) -> SheetScan:
    """Declared dimension, extent, cell count and formula presence of one sheet, streamed in chunks.

    Each chunk is cut after its last '<' so no tag is split between two chunks (attribute values cannot
    hold a raw '<'); a chunk without '<' (a huge text value) is scanned as it is.
    """
    scan, tail = SheetScan(), b""
    with zf.open(member) as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            buf = tail + block
            cut = buf.rfind(b"<")
            part, tail = (buf[:cut], buf[cut:]) if cut > 0 else (buf, b"")
            _scan_part(scan, part)
    _scan_part(scan, tail)
    return scan


def _scan_part(scan: SheetScan, part: bytes) -> None:
    if not scan.declared:
        match = DIMENSION.search(part)
        scan.declared = match.group(1).decode("ascii", "replace") if match else ""
    # without a namespace prefix, plain byte counts (C speed) count the cells
    plain = b":c" not in part
    scan.cells += part.count(b"<c ") + part.count(b"<c>") + part.count(b"<c/>") if plain else len(
        CELL_TAG.findall(part))
    scan.has_formula = scan.has_formula or _has_formula(part)
    # sets first: a sheet has few distinct columns and each row number repeats once per cell
    columns = set(REF_COLUMN.findall(part))
    if columns:
        scan.max_col = max(scan.max_col, *(column_index(c.decode()) + 1 for c in columns))
    rows = set(REF_ROW.findall(part))
    if rows:
        scan.max_row = max(scan.max_row, *map(int, rows))


def _has_formula(part: bytes) -> bool:
    """A formula element in ``part``; the literal-first patterns are fast, FORMULA_TAG confirms a prefixed one."""
    return PLAIN_FORMULA.search(part) is not None or (
        PREFIXED_FORMULA.search(part) is not None and FORMULA_TAG.search(part) is not None)


def check_sheet(scan: SheetScan, name: str, label: str) -> None:
    """The declared dimension and the real extent of one sheet against MAX_SHEET_CELLS."""
    declared = range_cells(scan.declared) if scan.declared else 0
    if declared > MAX_SHEET_CELLS:
        raise LimitExceeded(f"{label}, sheet '{name}': declares dimension {scan.declared} = {declared:,} cells, "
                            f"limit {MAX_SHEET_CELLS:,} cells per sheet; nothing of the file is read")
    extent = scan.max_row * scan.max_col
    if extent > MAX_SHEET_CELLS:
        corner = f"{_letters(scan.max_col)}{scan.max_row}"
        raise LimitExceeded(f"{label}, sheet '{name}': cells reach {corner} = {extent:,} cells from A1 "
                            f"({scan.max_row:,} rows × {scan.max_col:,} columns), limit {MAX_SHEET_CELLS:,} cells "
                            "per sheet; nothing of the file is read")


def check_xlsx_sheets(zf: zipfile.ZipFile, members: dict[str, str], label: str) -> set[str]:
    """Scan and check every named sheet (name → member); returns the names of sheets that hold formulas."""
    total, with_formulas = 0, set()
    for name, member in members.items():
        scan = scan_sheet(zf, member)
        check_sheet(scan, name, label)
        total += scan.cells
        if total > MAX_FILE_CELLS:
            raise LimitExceeded(f"{label}: {total:,} cells in the sheets up to '{name}', limit {MAX_FILE_CELLS:,} "
                                "cells per file; nothing of the file is read")
        if scan.has_formula:
            with_formulas.add(name)
    return with_formulas


def check_csv_lines(text: str, label: str) -> None:
    """Lines against MAX_ROW_CHARS: one pass over the lines at C speed, no list of lines kept."""
    if len(text) <= MAX_ROW_CHARS or max(map(len, io.StringIO(text, newline=""))) <= MAX_ROW_CHARS:
        return  # even with its line break, no line is longer than the limit
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        length = len(line.rstrip("\r\n"))
        if length > MAX_ROW_CHARS:
            raise LimitExceeded(f"{label}, line {number}: {length:,} characters on one line, limit "
                                f"{MAX_ROW_CHARS:,} characters per line; nothing of the file is read")


def too_many_csv_cells(line: int, label: str) -> LimitExceeded:
    """The error for a CSV found past MAX_FILE_CELLS while parsing (so parsing stops there)."""
    return LimitExceeded(f"{label}, line {line}: more than {MAX_FILE_CELLS:,} cells (fields) by this line, "
                         f"limit {MAX_FILE_CELLS:,} cells per file; nothing of the file is read")
