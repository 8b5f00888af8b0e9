"""Read any landing file into a grid of text cells with exact row numbers.

Raw tables keep every physical row of every file (title, header, blank and footnote rows too), so row
numbers match what a person sees in Excel or a text editor. Each cell keeps its type ('n' number,
's' text, 'd' date, 'b' boolean, '' empty) because "1.234" typed as text means 1234 in a Vietnamese file,
while the number 1.234 stored in a numeric cell is one point two three four.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import python_calamine

from pii.parsing.encodings import decode_bytes

MAX_XLSX_UNCOMPRESSED = 500 * 1024 * 1024  # zip-bomb guard: total uncompressed size
MAX_XLSX_ENTRIES = 10_000


class GridError(ValueError):
    """The file cannot be read as a grid; the message names the file (and sheet)."""


@dataclass(frozen=True)
class GridRow:
    sheet: str
    row_number: int
    cells: tuple[str, ...]
    types: tuple[str, ...]

    def is_blank(self) -> bool:
        return all(not c.strip() for c in self.cells)


def cell_text(value: object) -> tuple[str, str]:
    """Render a calamine cell as (text, type); floats use the shortest text that round-trips."""
    if value is None or value == "":
        return "", ""
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), "b"
    if isinstance(value, int):
        return str(value), "n"
    if isinstance(value, float):
        return (str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)), "n"
    if isinstance(value, dt.datetime):
        return value.isoformat(), "d"
    if isinstance(value, dt.date):
        return value.isoformat(), "d"
    if isinstance(value, dt.time | dt.timedelta):
        return str(value), "d"
    return str(value), "s"


def _check_zip(path: Path, label: str) -> None:
    if not zipfile.is_zipfile(path):
        head = path.read_bytes()[:64]
        hint = " (it looks like a text/CSV file renamed to .xlsx)" if b"," in head or b";" in head else ""
        raise GridError(f"{label}: not a valid .xlsx workbook (not a zip container){hint}")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile as exc:
        raise GridError(f"{label}: corrupt or truncated .xlsx: {exc}") from exc
    if len(infos) > MAX_XLSX_ENTRIES:
        raise GridError(f"{label}: {len(infos)} zip entries exceed the limit of {MAX_XLSX_ENTRIES}")
    total = sum(i.file_size for i in infos)
    if total > MAX_XLSX_UNCOMPRESSED:
        raise GridError(f"{label}: uncompressed size {total} bytes exceeds {MAX_XLSX_UNCOMPRESSED} (zip bomb guard)")


def read_xlsx(path: Path, label: str, sheets: list[str] | None = None) -> list[GridRow]:
    """Every row of the named sheets (all sheets when None), in workbook order."""
    _check_zip(path, label)
    try:
        wb = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several error types for damaged files
        raise GridError(f"{label}: cannot open workbook: {exc}") from exc
    names = list(wb.sheet_names)
    wanted = names if sheets is None else sheets
    rows: list[GridRow] = []
    for name in wanted:
        if name not in names:
            raise GridError(f"{label}: sheet '{name}' not found (sheets: {', '.join(names)})")
        try:
            data = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:
            raise GridError(f"{label}: sheet '{name}': cannot read: {exc}") from exc
        for i, raw in enumerate(data, start=1):
            rendered = [cell_text(v) for v in raw]
            rows.append(GridRow(name, i, tuple(t for t, _ in rendered), tuple(k for _, k in rendered)))
    return rows


def read_csv(path: Path, label: str) -> list[GridRow]:
    """Every line of a CSV file (any supported encoding; delimiter sniffed among , ; and tab)."""
    decoded = decode_bytes(path.read_bytes(), filename=label)
    text = decoded.text
    sample = text[:20_000]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    rows: list[GridRow] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for i, cells in enumerate(reader, start=1):
        rows.append(GridRow("", i, tuple(cells), tuple("s" if c.strip() else "" for c in cells)))
    return rows


def read_grid(path: Path, fmt: str, label: str, sheets: list[str] | None = None) -> list[GridRow]:
    if fmt == "xlsx":
        return read_xlsx(path, label, sheets)
    if fmt == "csv":
        return read_csv(path, label)
    raise GridError(f"{label}: unsupported format '{fmt}'")
