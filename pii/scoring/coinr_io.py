"""Interchange with COINr's table shapes (``iData`` and ``iMeta``).

* iData: ``uCode``, optional ``uName`` and group columns (``Group_*`` or
  iMeta Type "Group"), denominator columns (iMeta Type "Denominator") and one
  column per indicator.
* iMeta: ``iCode``, ``Level``, ``Parent``, ``Weight``, ``Direction``, ``Type``
  (Indicator/Aggregate/Group/Denominator/Other), optional ``Denominator`` and
  ``iName``; Level 1 = indicators.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pii.scoring.aggregate import AggregateSpec
from pii.scoring.build import Build
from pii.scoring.methods import get_method
from pii.scoring.results import ScoreResult
from pii.scoring.structure import Structure

NULL_VALUES = ["", "NA", "N/A", "NaN", "nan", "null"]


def read_idata(path: str | Path) -> pl.DataFrame:
    """Read an iData CSV (R's "NA" and empty cells become missing)."""
    return pl.read_csv(path, null_values=NULL_VALUES, infer_schema_length=None, schema_overrides={"uCode": pl.String})


def read_imeta(path: str | Path) -> pl.DataFrame:
    """Read an iMeta CSV with code columns kept as text."""
    text_cols = {c: pl.String for c in ("iCode", "iName", "Parent", "Type", "Denominator")}
    header = pl.read_csv(path, n_rows=0).columns
    return pl.read_csv(
        path,
        null_values=NULL_VALUES,
        infer_schema_length=None,
        schema_overrides={c: t for c, t in text_cols.items() if c in header},
    )


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

    Returns a ScoreResult: ``.wide()``, ``.long()``, ``.ranks``, ``.log``,
    ``.strengths_weaknesses()``, ``.write_csv(dir)``.
    """
    structure = Structure.from_imeta(imeta)
    base = get_method(method)
    agg = None
    if dat_thresh is not None or aggregation is not None:
        agg = AggregateSpec(method=aggregation or base.aggregate.method, dat_thresh=dat_thresh)
    m = get_method(base, impute=impute, screen_threshold=screen_threshold, aggregate=agg)
    return Build(idata, structure).run(m)


def score_coinr_files(
    data_path: str | Path, meta_path: str | Path, out_dir: str | Path | None = None, **kwargs: object
) -> ScoreResult:
    """Read iData/iMeta CSVs, score them, optionally write the CSV outputs."""
    result = score_coinr_tables(read_idata(data_path), read_imeta(meta_path), **kwargs)  # type: ignore[arg-type]
    if out_dir is not None:
        result.write_csv(out_dir)
    return result
