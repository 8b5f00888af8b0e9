"""Readers that misbehave, for test_contained_reading.py: the reader process imports them by name.

Each takes the arguments of pii.ingest.grid.read_grid and misbehaves only on a file whose first bytes hold
``BAD``; other files are read normally, so a test can show that the file after a crash still loads.
"""

from __future__ import annotations

import os
import time
import zlib
from pathlib import Path

import python_calamine

from pii.ingest.grid import GridRow, read_grid
from pii.ingest.read_limits import MAX_READER_MEMORY_MIB


def _bad(path: Path) -> bool:
    with path.open("rb") as f:
        return b"BAD" in f.read(64)


def aborting(path: Path, fmt: str, label: str, sheets: list[str] | None) -> list[GridRow]:
    """Kills the process with SIGABRT, as a Rust panic or a failed native allocation does."""
    if _bad(path):
        os.abort()
    return read_grid(path, fmt, label, sheets)


def allocating(path: Path, fmt: str, label: str, sheets: list[str] | None) -> list[GridRow]:
    """Asks for twice the reader memory limit (a Python MemoryError under RLIMIT_AS)."""
    if _bad(path):
        hoard = bytearray(2 * MAX_READER_MEMORY_MIB << 20)
        return [GridRow("", 1, (str(len(hoard)),), ("n",))]
    return read_grid(path, fmt, label, sheets)


def raising(path: Path, fmt: str, label: str, sheets: list[str] | None) -> list[GridRow]:
    """Raises library errors the reader does not translate itself (a damaged deflate stream)."""
    if _bad(path):
        raise zlib.error("Error -3 while decompressing data: invalid stored block lengths")
    return read_grid(path, fmt, label, sheets)


def sleeping(path: Path, fmt: str, label: str, sheets: list[str] | None) -> list[GridRow]:
    """Hangs (a reader stuck in a loop)."""
    if _bad(path):
        time.sleep(60)
    return read_grid(path, fmt, label, sheets)


def calamine_unchecked(path: Path, fmt: str, label: str, sheets: list[str] | None) -> list[GridRow]:
    """Hands every sheet to calamine with no limit check: the reading the pipeline did before limits."""
    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    rows = []
    for name in workbook.sheet_names:
        data = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        rows += [GridRow(name, i, tuple(map(str, r)), ("s",) * len(r)) for i, r in enumerate(data, start=1)]
    return rows
