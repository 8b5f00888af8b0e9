"""Interchange with COINr's table shapes (``iData`` and ``iMeta``).

* iData: ``uCode``, optional ``uName`` and group columns (``Group_*`` or
  iMeta Type "Group"), denominator columns (iMeta Type "Denominator") and one
  column per indicator.
* iMeta: ``iCode``, ``Level``, ``Parent``, ``Weight``, ``Direction``, ``Type``
  (Indicator/Aggregate/Group/Denominator/Other), optional ``Denominator`` and
  ``iName``; Level 1 = indicators.

Numeric cells hold finite numbers or are missing (empty, ``NA``); text, ``inf``, ``nan`` and the like
are refused with a :class:`~pii.errors.UsageError` naming the file, row, unit and column
(``pii/scoring/input_checks.py``).
"""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl

from pii.errors import UsageError, one_line, require_file, require_output_dir
from pii.scoring.aggregate import AggregateSpec
from pii.scoring.build import Build
from pii.scoring.impute import parse_impute
from pii.scoring.input_checks import (
    TableRef,
    blank_to_null,
    check_idata,
    check_imeta,
    group_columns,
    numeric_columns,
)
from pii.scoring.methods import Method, get_method
from pii.scoring.results import ScoreResult
from pii.scoring.structure import Structure, StructureError

NOT_NUMERIC = ("uCode", "uName", "Time")  # with Group_* columns: COINr's text columns of iData


def read_csv_text(path: str | Path, what: str) -> pl.DataFrame:
    """Every cell of a CSV as text (gaps as null); a missing or unparsable file is a UsageError naming it."""
    file = require_file(path, what)
    try:
        frame = pl.read_csv(file, infer_schema=False)
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
        why = _ragged_row(file) or one_line(str(exc))
        raise UsageError(f"{what} {path}: cannot read as CSV: {why}") from None
    return frame


def _ragged_row(file: Path) -> str | None:
    """The first row whose field count differs from the header's (polars' message does not say which)."""
    try:
        with file.open(encoding="utf-8", newline="") as fh:
            rows = csv.reader(fh)
            width = len(next(rows, []))
            for number, row in enumerate(rows, start=2):
                if row and len(row) != width:
                    return f"row {number} has {len(row)} fields, the header has {width} (quote a value holding a comma)"
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    return None


def read_idata(path: str | Path) -> pl.DataFrame:
    """Read an iData CSV: ``NA`` and empty cells are missing; every column but uCode, uName, Time and
    Group_* must hold numbers (text, inf and nan are refused by file, row, uCode and column)."""
    frame = read_csv_text(path, "iData")
    numbers = [c for c in frame.columns if c not in NOT_NUMERIC and not c.startswith("Group_")]
    return numeric_columns(blank_to_null(frame), numbers, TableRef(str(path), 2), "uCode")


def read_imeta(path: str | Path) -> pl.DataFrame:
    """Read an iMeta CSV: codes as text, Level/Weight/Direction as numbers (bad cells refused by row)."""
    return check_imeta(read_csv_text(path, "iMeta"), TableRef(str(path), 2))


def score_coinr_tables(
    idata: pl.DataFrame,
    imeta: pl.DataFrame,
    method: str = "coinr",
    impute: str | None = None,
    screen_threshold: float | None = None,
    dat_thresh: float | None = None,
    aggregation: str | None = None,
) -> ScoreResult:
    """Score COINr-shaped tables end to end.

    ``method``: ``coinr`` (COINr 1.1.x defaults: winsorise up to 5 points at
    |skew| >= 2 and kurtosis >= 3.5, else log_CT of the untreated values;
    min-max 0-100; weighted arithmetic mean), ``gii`` or ``none`` (no
    treatment). ``impute``: None/'none', 'mean', 'median', 'group_mean:COL',
    'group_median:COL'. ``screen_threshold``: drop units with a lower share of
    indicators present. ``dat_thresh``: minimum share of a group's children
    present for the parent to be scored. ``aggregation``: 'arithmetic' or
    'geometric' (the latter needs positive normalised values).

    Bad input (a text, infinite or NaN cell, a broken structure, an impossible option) raises
    :class:`~pii.errors.UsageError` naming the table, row and column.

    Returns a ScoreResult: ``.wide()``, ``.long()``, ``.ranks``, ``.log``,
    ``.strengths_weaknesses()``, ``.write_csv(dir)``.
    """
    options = {"method": method, "impute": impute, "screen_threshold": screen_threshold, "dat_thresh": dat_thresh,
               "aggregation": aggregation}
    return _score(idata, imeta, TableRef("iData"), TableRef("iMeta"), **options)  # type: ignore[arg-type]


def score_coinr_files(
    data_path: str | Path, meta_path: str | Path, out_dir: str | Path | None = None, **kwargs: object
) -> ScoreResult:
    """Read iData/iMeta CSVs, score them, optionally write the CSV outputs."""
    if out_dir is not None:
        require_output_dir(out_dir, "output folder")
    idata, imeta = read_csv_text(data_path, "iData"), read_csv_text(meta_path, "iMeta")
    result = _score(idata, imeta, TableRef(str(data_path), 2), TableRef(str(meta_path), 2), **kwargs)  # type: ignore[arg-type]
    if out_dir is not None:
        result.write_csv(out_dir)
    return result


def _score(
    idata: pl.DataFrame, imeta: pl.DataFrame, data_ref: TableRef, meta_ref: TableRef, method: str = "coinr",
    impute: str | None = None, screen_threshold: float | None = None, dat_thresh: float | None = None,
    aggregation: str | None = None,
) -> ScoreResult:
    try:
        structure = Structure.from_imeta(check_imeta(imeta, meta_ref))
    except StructureError as exc:
        raise UsageError(f"{meta_ref.label}: {exc}") from None
    data = check_idata(idata, structure, data_ref)
    base = get_method(method)
    agg = None
    if dat_thresh is not None or aggregation is not None:
        agg = AggregateSpec(method=aggregation or base.aggregate.method, dat_thresh=dat_thresh)
    m = get_method(base, impute=impute, screen_threshold=screen_threshold, aggregate=agg)
    _check_options(m, data, structure, data_ref)
    return Build(data, structure).run(m)


def _check_options(m: Method, idata: pl.DataFrame, structure: Structure, ref: TableRef) -> None:
    """Refuse option combinations that cannot work with this data before any step runs."""
    try:
        spec = parse_impute(m.impute)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    groups = group_columns(idata, structure)
    if spec is not None and spec.group is not None and spec.group not in groups:
        raise UsageError(f"impute {spec}: {ref.label} has no group column '{spec.group}' "
                         f"(group columns: {', '.join(groups) or 'none'})")
    methods = (m.aggregate.method,) if isinstance(m.aggregate.method, str) else m.aggregate.method
    low = m.normalise.bounds[0]
    if "geometric" in methods and m.normalise.method == "minmax" and low <= 0:
        raise UsageError(f"aggregation 'geometric' needs normalised scores above 0, but method '{m.name}' "
                         f"normalises onto [{low:g}, {m.normalise.bounds[1]:g}] (each indicator's worst unit "
                         "scores 0); use arithmetic aggregation")
