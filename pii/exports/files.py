"""The flat export files: CSV or Parquet tables with stable names, and the README and manifest beside them.

CSV files are UTF-8 **with a byte-order mark**: Excel opens a double-clicked CSV in the Windows code page
(Windows-1258 in Vietnam) unless the file starts with a BOM, and would garble every Vietnamese name. Programs
(polars, pandas, DuckDB, R's readr) skip the BOM. Comma separator, '.' decimal point, full float precision,
an empty field for a missing value. Text that a spreadsheet would run as a formula gets a leading apostrophe
(pii.exports.safety).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import polars as pl

from pii.exports.safety import neutralise_text_columns
from pii.exports.tables import SYNTHETIC_NOTICE, ExportData

FORMATS = ("csv", "parquet", "xlsx")
DESCRIPTIONS = {
    "input": "core.pii_input: the PII input matrix, one row per province, one column per indicator (ind_1_1_1 = 1.1.1)",
    "scores": "pii.scores at every level (index, sub_index, pillar, sub_pillar, indicator) with names: raw and "
              "treated indicator values, score 0-100, rank (1 = best)",
    "strengths_weaknesses": "pii.strengths_weaknesses: each province's five best and five worst indicators",
    "indicators": "meta.framework_indicators: the year's indicators with names, units, direction, weight, sources",
    "framework": "meta.framework_nodes: sub-indices, pillars and sub-pillars with names, parents and weights",
}


def table_frames(data: ExportData) -> dict[str, pl.DataFrame]:
    """The tables of a flat export by name (the part after ``pii_<year>_`` in the file name)."""
    return {"input": data.input, "scores": data.scores, "strengths_weaknesses": data.strengths_weaknesses,
            "indicators": data.indicators, "framework": data.nodes}


def write_atomically(target: Path, write: Callable[[Path], object]) -> Path:
    """Write through a temporary name and rename, so a reader never sees half a file."""
    part = target.with_name(f".{target.stem}.part{target.suffix}")  # writers may check the extension
    write(part)
    os.replace(part, target)
    return target


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_tables(data: ExportData, fmt: str, out: Path) -> list[Path]:
    """Write each table of ``data`` as ``pii_<year>_<table>.<fmt>`` (csv or parquet) into ``out``."""
    metadata = {"pii_export": f"PII {data.year}, boundary {data.boundary}, run {data.run_id}"}
    if data.synthetic:
        metadata["notice"] = SYNTHETIC_NOTICE
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in table_frames(data).items():
        target = out / f"pii_{data.year}_{name}.{fmt}"
        if fmt == "csv":
            safe = neutralise_text_columns(frame)
            written.append(write_atomically(target, lambda p, f=safe: f.write_csv(p, include_bom=True)))
        else:
            written.append(write_atomically(target, lambda p, f=frame: f.write_parquet(p, metadata=metadata)))
    return written


def _readme(data: ExportData, fmt: str, rows: list[dict[str, object]]) -> str:
    lines = [f"PII {data.year} – Chỉ số Đổi mới sáng tạo cấp địa phương (Provincial Innovation Index), export"]
    if data.synthetic:
        lines += ["", SYNTHETIC_NOTICE,
                  "Built from the synthetic sample (`pii sample`): every number and name is invented; do not cite."]
    lines += ["", f"Source: the published warehouse built by run {data.run_id} (checks at "
                  f"{data.run_time:%Y-%m-%d %H:%M:%S} UTC); province boundary {data.boundary}, "
                  f"{data.input.height} provinces.", "", "Files:"]
    for row in rows:
        table = str(row["file"]).removeprefix(f"pii_{data.year}_").split(".")[0]
        shape = f"  ({row['rows']} rows, {row['columns']} columns)" if row["rows"] is not None else ""
        lines.append(f"  {row['file']}{shape}")
        if table in DESCRIPTIONS:
            lines.append(f"      {DESCRIPTIONS[table]}")
    if fmt == "csv":
        lines += ["", "CSV: UTF-8 with a byte-order mark (so Excel shows Vietnamese names on a double-click), comma "
                      "separated, '.' as decimal point, empty field = no value. Text starting with = + - @ (or a "
                      "tab) carries a leading apostrophe so spreadsheets do not run it as a formula."]
    elif fmt == "xlsx":
        lines += ["", "Workbook: an overview sheet, one sheet per pillar (value / score / rank per indicator) and a "
                      "sheet of sources and notes. Scores are 0-100, rank 1 = best."]
    lines += ["", f"Row counts and the sha256 of each file: pii_{data.year}_manifest.json beside this file."]
    return "\n".join(lines) + "\n"


def write_readme(data: ExportData, fmt: str, files: list[Path]) -> list[Path]:
    """``pii_<year>_README.txt`` (what the files hold, the synthetic label) and ``pii_<year>_manifest.json``."""
    frames = {f"pii_{data.year}_{name}.{fmt}": frame for name, frame in table_frames(data).items()}
    rows = [{"file": f.name, "rows": frames[f.name].height if f.name in frames else None,
             "columns": frames[f.name].width if f.name in frames else None, "sha256": _sha256(f)} for f in files]
    out = files[0].parent
    manifest = {"framework_year": data.year, "boundary": data.boundary, "provinces": data.input.height,
                "synthetic": data.synthetic, "notice": SYNTHETIC_NOTICE if data.synthetic else None,
                "run_id": data.run_id, "run_time_utc": data.run_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "format": fmt, "files": rows}
    readme = _readme(data, fmt, rows)
    return [
        write_atomically(out / f"pii_{data.year}_README.txt", lambda p: p.write_text(readme, encoding="utf-8")),
        write_atomically(out / f"pii_{data.year}_manifest.json", lambda p: p.write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")),
    ]
