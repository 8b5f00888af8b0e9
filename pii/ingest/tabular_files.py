"""What a large tabular landing file is before DuckDB reads it: encoding, delimiter, header row, column positions.

pii/ingest/tabular.py loads the file set-based; this module only looks at its first bytes (and transcodes a
non-UTF-8 file streaming), raising :class:`TabularReadError` with the file, line and a reason code for a file
it refuses. No record passes through Python here either.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import os
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import duckdb

from pii.ingest import read_limits
from pii.ingest.cells import column_letter, fold
from pii.ingest.grid import sniff_delimiter
from pii.ingest.landing import LandingFile
from pii.parsing.encodings import EncodingError, decode_bytes

TRANSCODE_CHUNK = 1 << 22  # bytes decoded at a time when a file is transcoded to UTF-8
HEAD_BYTES = 1 << 16  # bytes looked at to decide encoding, delimiter and header


class TabularReadError(Exception):
    """A file the set-based reader refuses; ``str(exc)`` starts with the file path, ``code`` is a reason code."""

    def __init__(self, message: str, code: str = "unreadable_file") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Dialect:
    fmt: str  # 'csv', 'parquet', or 'lines' / 'parquet_rows' (no columns: an invalid spec)
    delimiter: str = ","
    header_row: int = 1  # record index of the header (records above it are titles, kept as raw rows)
    width: int = 0  # fields in the header record
    indexes: tuple[tuple[str, int], ...] = ()  # logical name -> column index (CSV) ...
    names: tuple[tuple[str, str], ...] = ()  # ... or logical name -> Parquet column name


def sql_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _head(path: Path) -> bytes:
    """The first bytes of the file, cut after the last complete line (no multi-byte character split)."""
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
        more = bool(fh.read(1))
    if more and b"\n" in head:
        head = head[: head.rindex(b"\n") + 1]
        if b"\x00" in head and len(head) % 2:
            head += b"\x00"  # UTF-16 LE: the newline's high byte
    return head


@contextmanager
def readable_file(f: LandingFile, columns: dict[str, str]) -> Iterator[tuple[Path, Dialect]]:
    """The path DuckDB reads (the file itself, or a temporary UTF-8 copy) and its dialect."""
    path = f.abs_path
    if f.abs_path.suffix.lower() == ".parquet":
        yield path, Dialect("parquet" if columns else "parquet_rows")
        return
    if path.stat().st_size == 0:
        raise TabularReadError(f"{f.rel_path}: empty file (0 bytes)")
    head = _head(path)
    if not head.strip():
        raise TabularReadError(f"{f.rel_path}: empty file (only whitespace)")
    try:
        decoded = decode_bytes(head, filename=f.rel_path)
    except EncodingError as exc:
        raise TabularReadError(f"{f.rel_path}: {exc}") from exc
    encoding = codecs.lookup(decoded.encoding).name
    dialect = _csv_dialect(decoded.text, f, columns)
    if encoding in ("utf-8", "ascii"):
        yield path, dialect  # DuckDB skips a UTF-8 BOM
        return
    fd, name = tempfile.mkstemp(suffix=".csv", prefix="pii_tabular_")
    try:
        with os.fdopen(fd, "wb") as out:
            _transcode(path, out, encoding, f.rel_path, skip_bom=decoded.had_bom)
        yield Path(name), dialect
    finally:
        os.unlink(name)


def _transcode(path: Path, out: BinaryIO, encoding: str, label: str, skip_bom: bool) -> None:
    """Stream ``path`` from ``encoding`` to NFC UTF-8; an undecodable byte names its line."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    carry, lines = "", 0
    with path.open("rb") as src:
        first = True
        while True:
            chunk = src.read(TRANSCODE_CHUNK)
            final = not chunk
            try:
                text = decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                line = lines + chunk[: max(exc.start, 0)].count(b"\n") + 1
                raise TabularReadError(f"{label}, line {line}: cannot decode the file as {encoding} "
                                       f"({exc.reason}); save it again as UTF-8") from exc
            lines += chunk.count(b"\n")
            if first and skip_bom and text.startswith("\ufeff"):
                text = text[1:]
            first = False
            text = carry + text
            # Keep the last character with its combining marks for the next chunk: NFC must see them together.
            cut = len(text)
            while not final and cut > 0 and unicodedata.combining(text[cut - 1]):
                cut -= 1
            if not final and cut > 0:
                cut -= 1
            carry = text[cut:]
            out.write(unicodedata.normalize("NFC", text[:cut]).encode("utf-8"))
            if final:
                out.write(unicodedata.normalize("NFC", carry).encode("utf-8"))
                return


def _csv_dialect(text: str, f: LandingFile, columns: dict[str, str]) -> Dialect:
    """Delimiter, header row and the column index of every label, from the file's first lines.

    With no ``columns`` (a source whose spec is invalid) every non-blank line is stored as one raw row.
    """
    if not columns:
        return Dialect("lines", "\x1f", 0, 1)
    delimiter = sniff_delimiter(text)
    wanted = {fold(label) for label in columns.values()}
    try:
        records = list(itertools.islice(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), 100))
    except csv.Error as exc:
        raise TabularReadError(f"{f.rel_path}: cannot read the first lines ({exc})") from exc
    for number, record in enumerate(records, start=1):
        if max((len(c) for c in record), default=0) > read_limits.MAX_ROW_CHARS:
            raise TabularReadError(f"{f.rel_path}, line {number}: longer than {read_limits.MAX_ROW_CHARS:,} "
                                   "characters (reading limit); nothing of the file is read", "limit_exceeded")
        folded = [fold(c) for c in record]
        if not wanted & set(folded):
            continue
        indexes, missing, repeated = [], [], []
        for name, label in columns.items():
            hits = [i for i, c in enumerate(folded) if c == fold(label)]
            if not hits:
                missing.append(label)
            elif len(hits) > 1:
                repeated.append((label, hits))
            else:
                indexes.append((name, hits[0]))
        if missing:
            raise TabularReadError(f"{f.rel_path}, row {number}: missing columns: {', '.join(missing)}",
                                   "missing_column")
        if repeated:
            label, hits = repeated[0]
            letters = ", ".join(column_letter(i) for i in hits)
            raise TabularReadError(
                f"{f.rel_path}, row {number}: the header label '{label}' appears in columns {letters}; the pipeline "
                "does not guess which one is meant — nothing from this file is staged; keep one column with that "
                "label", "duplicate_header")
        return Dialect("csv", delimiter, number, len(record), tuple(indexes))
    raise TabularReadError(f"{f.rel_path}: no header row (none of the first lines names "
                           f"{', '.join(repr(v) for v in columns.values())}; is the delimiter ',', ';' or tab?)",
                           "missing_column")


def parquet_dialect(conn: duckdb.DuckDBPyConnection, path: Path, f: LandingFile,
                     columns: dict[str, str]) -> Dialect:
    names = [r[0] for r in conn.execute(f"DESCRIBE SELECT * FROM read_parquet({sql_lit(str(path))})").fetchall()]
    folded = [fold(n) for n in names]
    found, missing = [], []
    for name, label in columns.items():
        hits = [n for n, k in zip(names, folded, strict=True) if k == fold(label)]
        if len(hits) > 1:
            raise TabularReadError(f"{f.rel_path}: the column '{label}' appears {len(hits)} times "
                                   f"({', '.join(hits)}); nothing from this file is staged", "duplicate_header")
        if hits:
            found.append((name, hits[0]))
        else:
            missing.append(label)
    if missing:
        raise TabularReadError(f"{f.rel_path}: missing columns: {', '.join(missing)}", "missing_column")
    return Dialect("parquet", names=tuple(found))
