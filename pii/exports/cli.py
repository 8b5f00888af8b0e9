"""``pii export``: write one framework year of the published warehouse as CSV, Parquet or an xlsx workbook.

Registered on the ``pii`` parser by ``add_export_command(subparsers)``; bad arguments raise
:class:`pii.errors.UsageError` (one line, exit 2, printed by ``pii.cli.main``).
"""

from __future__ import annotations

import argparse
import difflib
from pathlib import Path

from pii.errors import UsageError, create_output_dir, require_output_dir
from pii.exports.files import FORMATS, write_atomically, write_readme, write_tables
from pii.exports.tables import read_export_data
from pii.exports.xlsx import write_workbook
from pii.paths import warehouse_path
from pii.warehouse import open_warehouse


def export_format(text: str) -> str:
    """``text`` as one of FORMATS (any case), or a UsageError naming the closest format."""
    fmt = text.strip().lower()
    if fmt not in FORMATS:
        close = difflib.get_close_matches(fmt, FORMATS, n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise UsageError(f"--format {text!r} is not an export format: {hint}(accepted: {', '.join(FORMATS)})")
    return fmt


def export_year(warehouse: Path, year: int | None, fmt: str, out: Path) -> list[Path]:
    """Export framework year ``year`` (default: the latest scored) of ``warehouse`` into ``out``; the files."""
    fmt = export_format(fmt)
    folder = require_output_dir(out, "--out")
    conn = open_warehouse(warehouse)
    try:
        data = read_export_data(conn, warehouse, year)
    finally:
        conn.close()
    create_output_dir(folder, "--out")
    if fmt == "xlsx":
        target = folder / f"pii_{data.year}.xlsx"
        files = [write_atomically(target, lambda p: write_workbook(data, p))]
    else:
        files = write_tables(data, fmt, folder)
    return files + write_readme(data, fmt, files)


def _export(args: argparse.Namespace) -> int:
    for path in export_year(warehouse_path(), args.year, args.format, args.out):
        print(path)
    return 0


def add_export_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    """Register the ``export`` sub-command on an argparse subparsers object."""
    p = subparsers.add_parser(
        "export", help="write a year's PII input matrix and results as CSV, Parquet or an Excel workbook",
        description="Export one framework year of the published warehouse (PII_DUCKDB_PATH). csv and parquet: "
        "pii_<year>_input, _scores, _strengths_weaknesses, _indicators and _framework tables; xlsx: one workbook "
        "pii_<year>.xlsx (overview, one sheet per pillar, strengths and weaknesses, sources and notes). Each "
        "export also writes "
        "pii_<year>_README.txt and pii_<year>_manifest.json (synthetic-data label, row counts, sha256). CSV files "
        "are UTF-8 with a byte-order mark so Excel shows Vietnamese names when opened by double-click.")
    p.add_argument("--year", type=int, default=None,
                   help="framework year (default: the latest year the warehouse has scores for)")
    p.add_argument("--format", required=True, metavar="{csv,parquet,xlsx}",
                   help="csv (UTF-8 with BOM), parquet, or xlsx (one workbook laid out like the ministry's tables)")
    p.add_argument("--out", type=Path, required=True, help="output folder (created if missing; files are replaced)")
    p.set_defaults(func=_export)
    return p
