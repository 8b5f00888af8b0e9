"""Read any landing file into a grid of text cells with exact row numbers.

Raw tables keep every physical row of every file (title, header, blank and footnote rows too), so row
numbers match what a person sees in Excel or a text editor. Each cell keeps its type ('n' number,
's' text, 'd' date, 'b' boolean, 'f' formula without a cached value, '' empty) because "1.234" typed as
text means 1234 in a Vietnamese file, while the number 1.234 stored in a numeric cell is one point two
three four. A formula cell whose result was saved reads as that result (its usual type); one with no
saved result reads as ``=<formula>`` with type 'f' (see xlsx_formulas.py), so it is quarantined rather
than taken for an empty cell. An empty sheet reads as one blank row 1, so the sheet is still seen.
An empty file (0 bytes, or only whitespace) is a :class:`GridError`; a file past a reading limit
(read_limits.py: sheet dimensions, cell count, zip size, line length) is measured before any reader allocates
and raises read_limits.LimitExceeded.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import python_calamine

from pii.ingest import read_limits
from pii.ingest.read_limits import check_csv_lines, check_xlsx_sheets, check_zip_directory, too_many_csv_cells
from pii.ingest.xlsx_formulas import FormulaScanError, MissingValues, formulas_without_value, sheet_paths
from pii.parsing.encodings import decode_bytes

DELIMITERS = (",", ";", "\t")
OLE2_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls format


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


def rows_by_sheet(rows: list[GridRow]) -> dict[str, list[GridRow]]:
    """The rows of each sheet, sheets in workbook order."""
    by_sheet: dict[str, list[GridRow]] = {}
    for row in rows:
        by_sheet.setdefault(row.sheet, []).append(row)
    return by_sheet


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


def _not_a_zip(head: bytes) -> str:
    """Why a file named .xlsx is not a zip container, from its first bytes."""
    if head.startswith(b"PK"):
        return "corrupt or truncated .xlsx: the zip container is incomplete (was the upload interrupted?)"
    if head.startswith(OLE2_MAGIC):
        return "an old Excel 97-2003 (.xls) file named .xlsx; open it in Excel and save it as .xlsx"
    if b"\x00" not in head and any(d.encode() in head for d in DELIMITERS):
        return "not a valid .xlsx workbook: it is a text/CSV file renamed to .xlsx"
    return "not a valid .xlsx workbook (not a zip container)"


def _check_zip(path: Path, label: str) -> None:
    """A zip container whose directory is readable and within the limits (read_limits.py)."""
    if not zipfile.is_zipfile(path):
        with path.open("rb") as f:
            head = f.read(512)
        raise GridError(f"{label}: {_not_a_zip(head)}")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile as exc:
        raise GridError(f"{label}: corrupt or truncated .xlsx: {exc}") from exc
    check_zip_directory(infos, label)


def _check_sheets(path: Path, label: str, sheets: list[str]) -> set[str]:
    """Dimensions, extent and cell count of the sheets within the limits; returns the sheets with formulas."""
    try:
        with zipfile.ZipFile(path) as zf:
            members, names = sheet_paths(zf), set(zf.namelist())
            wanted = {name: members[name] for name in sheets if members.get(name) in names}
            return check_xlsx_sheets(zf, wanted, label)
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, SyntaxError) as exc:  # ET.ParseError: SyntaxError
        raise GridError(f"{label}: corrupt or truncated .xlsx: {exc}") from exc


def _check_not_empty(path: Path, label: str) -> None:
    size = path.stat().st_size
    if size == 0:
        raise GridError(f"{label}: empty file (0 bytes)")
    if size <= 1 << 16 and not path.read_bytes().strip():
        raise GridError(f"{label}: empty file (only whitespace)")


def _missing_values(path: Path, label: str, sheets: list[str]) -> MissingValues:
    if not sheets:
        return {}
    try:
        with zipfile.ZipFile(path) as zf:
            return formulas_without_value(zf, sheets)
    except (FormulaScanError, zipfile.BadZipFile) as exc:
        raise GridError(f"{label}: {exc}") from exc


def _sheet_rows(name: str, data: list[list[object]], formulas: dict[tuple[int, int], str]) -> list[GridRow]:
    """Rows of one sheet; formula cells without a cached value become ('=<formula>', 'f')."""
    if not formulas and data:  # the common case, without the copies below
        out = []
        for i, raw in enumerate(data, start=1):
            rendered_row = [cell_text(v) for v in raw]
            out.append(GridRow(name, i, tuple(t for t, _ in rendered_row), tuple(k for _, k in rendered_row)))
        return out
    rendered = [[cell_text(v) for v in raw] for raw in data]
    for (row, col), formula in sorted(formulas.items()):
        while len(rendered) < row:
            rendered.append([])
        cells = rendered[row - 1]
        cells.extend([("", "")] * (col + 1 - len(cells)))
        cells[col] = ("=" + formula, "f")
    if not rendered:
        return [GridRow(name, 1, (), ())]
    return [GridRow(name, i, tuple(t for t, _ in r), tuple(k for _, k in r)) for i, r in enumerate(rendered, 1)]


def read_xlsx(path: Path, label: str, sheets: list[str] | None = None) -> list[GridRow]:
    """Every row of the named sheets (all sheets when None), in workbook order.

    The limits are checked before calamine reads a sheet: it allocates every cell from A1 to the last one.
    """
    _check_not_empty(path, label)
    _check_zip(path, label)
    try:
        wb = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several error types for damaged files
        raise GridError(f"{label}: cannot open the workbook, the file is damaged ({exc})") from exc
    names = list(wb.sheet_names)
    wanted = names if sheets is None else sheets
    missing = [name for name in wanted if name not in names]
    if missing:
        raise GridError(f"{label}: sheet '{missing[0]}' not found (sheets: {', '.join(names)})")
    with_formulas = _check_sheets(path, label, wanted)
    formulas = _missing_values(path, label, [name for name in wanted if name in with_formulas])
    rows: list[GridRow] = []
    for name in wanted:
        try:
            data = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:
            raise GridError(f"{label}: sheet '{name}': cannot read: {exc}") from exc
        rows += _sheet_rows(name, data, formulas.get(name, {}))
    return rows


class DelimitedRows(list[GridRow]):
    """The rows of a CSV file and the delimiter they were split on: a ';' file is evidence of decimal commas."""

    delimiter: str = ","


def read_csv(path: Path, label: str) -> DelimitedRows:
    """Every line of a CSV file (any supported encoding; delimiter sniffed among , ; and tab).

    A quote that opens a field and is never closed swallows the rest of the file into one cell; it is a
    :class:`GridError` naming the line where the field starts, whether it runs to the end of the file or
    past the csv module's field size limit first.
    """
    _check_not_empty(path, label)
    decoded = decode_bytes(path.read_bytes(), filename=label)
    text = decoded.text
    if not text.strip():
        raise GridError(f"{label}: empty file (only whitespace)")
    check_csv_lines(text, label)
    delimiter = sniff_delimiter(text)
    ended: list[bool] = []
    reader = csv.reader(itertools.chain(io.StringIO(text, newline=""), _note_end(ended)), delimiter=delimiter)
    rows = DelimitedRows()
    rows.delimiter = delimiter
    cap, count, start = read_limits.MAX_FILE_CELLS, 0, 1
    try:
        for i, cells in enumerate(reader, start=1):
            if ended:  # the reader asked for more lines before finishing this record: a quote left open
                raise GridError(f"{label}, line {start}: a quoted field that starts on this line is never closed; "
                                "it runs to the end of the file. Is a closing quote (\") missing?")
            count += len(cells)
            if count > cap:
                raise too_many_csv_cells(start, label)
            rows.append(GridRow("", i, tuple(cells), tuple("s" if c.strip() else "" for c in cells)))
            start = reader.line_num + 1
    except csv.Error as exc:  # past the field size limit, in practice: a quote left open far from the end
        hint = "; a quoted field that is never closed runs on like this. Is a closing quote (\") missing?"
        raise GridError(f"{label}, line {start}: cannot read the CSV record starting on this line ({exc})"
                        f"{hint if 'field limit' in str(exc) else ''}") from exc
    return rows


def _note_end(ended: list[bool]) -> Iterator[str]:
    """Yields nothing; notes in ``ended`` that the lines before it ran out (chained after the file's lines)."""
    ended.append(True)
    yield from ()


def sniff_delimiter(text: str) -> str:
    """The delimiter (',' ';' or tab) that splits the most of the first lines into the same number of fields.

    csv.Sniffer is fooled by files that use ';' between fields and ',' as the decimal mark ("0,61;0,58"):
    counting consistent field widths is not (ties go to ',').
    """
    lines = text[:50_000].splitlines()[:100]
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        try:
            widths = Counter(len(r) for r in csv.reader(lines, delimiter=delimiter) if len(r) > 1)
        except csv.Error:  # a quote left open; read_csv names the line
            continue
        if not widths:
            continue
        width, count = max(widths.items(), key=lambda kv: (kv[1], kv[0]))
        if (count, width) > best_score:
            best, best_score = delimiter, (count, width)
    return best


def read_grid(path: Path, fmt: str, label: str, sheets: list[str] | None = None) -> list[GridRow]:
    if fmt == "xlsx":
        return read_xlsx(path, label, sheets)
    if fmt == "csv":
        return read_csv(path, label)
    raise GridError(f"{label}: unsupported format '{fmt}'")
