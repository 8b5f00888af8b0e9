"""Corpus cases made at test time, never committed: zip bombs and paths leaving the landing folder.

Each function gets the tmp landing folder and the path (relative to it) the case's source expects,
and creates what the case needs there.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

from pii.ingest.grid import MAX_XLSX_ENTRIES, MAX_XLSX_UNCOMPRESSED

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


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


GENERATORS: dict[str, Callable[[Path, str], None]] = {
    "zip_many_entries": zip_many_entries,
    "zip_declared_huge": zip_declared_huge,
    "symlink_outside": symlink_outside,
}
