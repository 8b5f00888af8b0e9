"""Refuse bad iData/iMeta cells before scoring, naming the table (file), row, unit and column.

A numeric cell holds a finite number or is missing (empty, ``NA``, ``N/A``, ``null``). Text, ``inf``,
``-inf``, ``nan``, ``∞`` and the like are refused, never read as a value or as a gap: an infinite value
would squash every other unit's min-max score to zero, and a silent gap would change the ranking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from pii.errors import UsageError
from pii.scoring.structure import Structure

MISSING = ("", "NA", "N/A", "null")  # R's write.csv writes NA; the rest are common spellings of a gap
IMETA_NUMBERS = ("Level", "Weight", "Direction")
_ROW = "__row"


@dataclass(frozen=True)
class TableRef:
    """How messages name a table: ``label`` (a file path or 'iData'), and the row number of its first record."""

    label: str
    first_row: int = 1  # 2 for a CSV file: the header is row 1, as a spreadsheet shows it


def blank_to_null(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells spelling a gap (MISSING, after trimming) become null; other columns are unchanged."""
    text = [c for c, t in frame.schema.items() if t == pl.String]
    return frame.with_columns(
        pl.when(pl.col(c).str.strip_chars().is_in(MISSING)).then(None).otherwise(pl.col(c)).alias(c) for c in text
    )


def numeric_columns(frame: pl.DataFrame, columns: Sequence[str], ref: TableRef, key: str) -> pl.DataFrame:
    """``frame`` with ``columns`` as Float64; a UsageError names the first bad cell by row and ``key`` value."""
    values: dict[str, pl.Expr] = {}
    bad: dict[str, pl.Expr] = {}
    for col in columns:
        if frame.schema[col].is_numeric():
            value = pl.col(col).cast(pl.Float64)
            bad[col] = value.is_not_null() & ~value.is_finite()
        else:
            text = pl.col(col).cast(pl.String).str.strip_chars()
            gap = text.is_null() | text.is_in(MISSING)
            value = pl.when(gap).then(None).otherwise(text.cast(pl.Float64, strict=False))
            bad[col] = ~gap & (value.is_null() | ~value.is_finite())
        values[col] = value
    if not columns:
        return frame
    flags = frame.select(*(b.alias(c) for c, b in bad.items())).with_row_index(_ROW)
    cells = (flags.unpivot(index=_ROW, variable_name="column", value_name="bad").filter(pl.col("bad"))
             .with_columns(pl.col("column").replace_strict({c: i for i, c in enumerate(columns)},
                                                           return_dtype=pl.Int64).alias("order"))
             .sort(_ROW, "order"))
    if cells.height:
        row, col = cells[_ROW][0], cells["column"][0]
        unit = frame[key][row] if key in frame.columns else None
        more = f" ({cells.height - 1} more bad cell(s) in numeric columns)" if cells.height > 1 else ""
        raise UsageError(f"{ref.label}: column '{col}' is not numeric: row {row + ref.first_row} ({key} {unit!r}) "
                         f"holds {frame[col][row]!r}; write a finite number, or leave the cell empty (or NA) "
                         f"when the value is missing{more}")
    return frame.with_columns(v.alias(c) for c, v in values.items())


def check_imeta(imeta: pl.DataFrame, ref: TableRef) -> pl.DataFrame:
    """iMeta with Level, Weight and Direction parsed as numbers (bad cells refused by row and iCode)."""
    present = [c for c in IMETA_NUMBERS if c in imeta.columns]
    return numeric_columns(blank_to_null(imeta), present, ref, "iCode")


def check_idata(idata: pl.DataFrame, structure: Structure, ref: TableRef) -> pl.DataFrame:
    """iData with uCode as text and every indicator and denominator column as Float64, or a UsageError."""
    if "uCode" not in idata.columns:
        raise UsageError(f"{ref.label} has no 'uCode' column (columns: {', '.join(idata.columns)})")
    if idata.height == 0:
        raise UsageError(f"{ref.label} has no rows")
    data = blank_to_null(idata).with_columns(pl.col("uCode").cast(pl.String).str.strip_chars())
    numbered = data.select(pl.col("uCode"), (pl.int_range(pl.len()) + ref.first_row).alias(_ROW))
    empty = numbered.filter(pl.col("uCode").is_null() | (pl.col("uCode") == ""))[_ROW].to_list()
    if empty:
        raise UsageError(f"{ref.label}: column 'uCode' is empty on row(s) {empty[:5]}")
    dups = (numbered.group_by("uCode").agg(pl.col(_ROW)).filter(pl.col(_ROW).list.len() > 1).sort("uCode"))
    if dups.height:
        shown = "; ".join(f"{u!r} on rows {r}" for u, r in dups.head(5).iter_rows())
        raise UsageError(f"{ref.label}: column 'uCode' has duplicates: {shown}")
    missing = [c for c in structure.indicators if c not in data.columns]
    if missing:
        raise UsageError(f"{ref.label} has no column for indicator(s): {', '.join(missing)}")
    needed = sorted({n.denominator for n in structure.nodes.values() if n.denominator} - set(data.columns))
    if needed:
        raise UsageError(f"{ref.label} has no column for denominator(s): {', '.join(needed)}")
    numbers = [*structure.indicators, *(d for d in structure.denominators if d in data.columns)]
    return numeric_columns(data, numbers, ref, "uCode")


def group_columns(idata: pl.DataFrame, structure: Structure) -> list[str]:
    """Columns imputation can group by: iMeta's Group codes present in iData, then ``Group_*`` columns."""
    names = [g for g in structure.groups if g in idata.columns]
    return names + [c for c in idata.columns if c.startswith("Group_") and c not in names]
