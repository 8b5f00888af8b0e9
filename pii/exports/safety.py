"""Text that a spreadsheet would run as a formula ("CSV/formula injection"), and how exports defuse it.

Excel, LibreOffice and Google Sheets treat a cell typed or imported as ``=…``, ``+…``, ``-…`` or ``@…`` as a
formula, and a leading tab or carriage return can hide such a character. Names in the warehouse come from
source files anyone can fill in, so every text cell that starts with one of these is neutralised:

* CSV: the text gets a leading apostrophe (``'=1+1``), which Excel shows as the text itself. This changes
  the value a program reads; it only happens to text that would otherwise run, never to numbers.
* xlsx: the cell is written as a string with Excel's own "quote prefix" style, so the stored text stays exact
  and Excel keeps it text even when someone edits the cell.
* Parquet is typed data that spreadsheets do not import as formulas: values are written as they are.
"""

from __future__ import annotations

import polars as pl

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_START_PATTERN = r"^[=+\-@\t\r]"


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could take ``text`` for a formula."""
    return text.startswith(FORMULA_START)


def neutralise_text_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with an apostrophe before every formula-like value of its text columns (for CSV)."""
    texts = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(_FORMULA_START_PATTERN))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in texts
    )
