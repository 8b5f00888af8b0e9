"""Containing failures: a file or source that cannot be conformed becomes quarantine entries, never a crash.

A whole file is held back with one file-level entry (sheet '', row 0, column '') and every one of its raw rows
disposed ``quarantined``, so row conservation holds and the other files and sources go on.
"""

from __future__ import annotations

import polars as pl

from pii.catalog import Source
from pii.ingest.results import ConformResult, FileContext

MAX_MESSAGE = 500  # an exception's text is cut here; the full traceback is in the run log


def exception_text(exc: BaseException) -> str:
    """``KeyError: 'tables'`` — the type and the (shortened) message of an exception."""
    text = str(exc).strip().replace("\n", " ")
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE] + " …"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def quarantine_file(
    result: ConformResult, ctx: FileContext, frame: pl.DataFrame, code: str, reason: str, detail: str,
) -> None:
    """Hold back one whole file: one file-level entry, and each raw row in ``frame`` disposed quarantined."""
    result.quarantine_cell(ctx, "", 0, "", "", code, reason)
    for sheet, row_number in frame.select("sheet", "row_number").unique(maintain_order=True).rows():
        result.dispose(ctx, sheet, row_number, "quarantined", detail)


def adapter_failure(source: Source, exc: BaseException) -> str:
    return (f"the {source.kind} adapter failed on this file ({exception_text(exc)}); nothing from it is staged "
            "and the other files go on (traceback in the run log)")


def spec_failure(source: Source) -> str:
    return f"not read: the source's entry is invalid ({source.spec_error}); fix the entry, the other sources go on"


def quarantine_source(
    result: ConformResult, source: Source, raw: pl.DataFrame, code: str, reason: str,
) -> None:
    """Hold back every file of a raw table (a failure outside any one file's adapter)."""
    for (file_path, sha, year), frame in raw.group_by(["file_path", "file_sha256", "data_year"], maintain_order=True):
        ctx = FileContext(source.source_id, str(file_path), str(sha or ""), int(year), {})
        quarantine_file(result, ctx, frame, code, reason, code.replace("_", " "))


def unreadable_source(result: ConformResult, source: Source, exc: BaseException) -> None:
    """A raw table that cannot be read at all: one entry naming the source and the table (no rows to dispose)."""
    ctx = FileContext(source.source_id, f"raw.{source.source_id}", "", 0, {})
    result.quarantine_cell(ctx, "", 0, "", "", "adapter_error",
                           f"source '{source.source_id}': its raw table could not be read ({exception_text(exc)}); "
                           "none of its files is conformed in this run, the other sources go on")
