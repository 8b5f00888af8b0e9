"""COINr-shaped iData/iMeta for one PII framework year, from the warehouse tables.

* iMeta from ``meta.framework_indicators`` (Level 1, parent = sub-pillar, weight, direction) and
  ``meta.framework_nodes`` (sub-pillars Level 2, pillars 3, sub-indices 4), plus the index ``PII`` at
  Level 5, which the framework files name only as the sub-indices' parent.
* iData from ``core.pii_input``: ``uCode`` = province code, one column per indicator *code* (``1.1.1``)
  read from the indicator's ``column_name`` (``ind_1_1_1``). Only the framework year's own indicators are
  used (2023 has 6.1.3 where later years have 6.3.4). An infinite or NaN value is refused, naming the
  province and indicator.
"""

from __future__ import annotations

import polars as pl

from pii.scoring.input_checks import TableRef, numeric_columns

INDEX_CODE = "PII"
INPUT_CODE = "INPUT"
OUTPUT_CODE = "OUTPUT"
LEVEL_NUMBERS = {"indicator": 1, "sub_pillar": 2, "pillar": 3, "sub_index": 4, "index": 5}
LEVEL_NAMES = {n: name for name, n in LEVEL_NUMBERS.items()}

_IMETA_SCHEMA = {
    "iCode": pl.String, "iName": pl.String, "Level": pl.Int64, "Parent": pl.String, "Weight": pl.Float64,
    "Direction": pl.Int64, "Type": pl.String,
}


def code_key(code: str) -> tuple[object, ...]:
    """Natural order of framework codes: 1.2.10 after 1.2.9; named codes (INPUT) after numbers."""
    parts = code.split(".")
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


def framework_imeta(indicators: pl.DataFrame, nodes: pl.DataFrame, index_code: str = INDEX_CODE) -> pl.DataFrame:
    """iMeta of one framework year (rows of meta.framework_indicators / meta.framework_nodes for that year)."""
    for frame, name in ((indicators, "framework_indicators"), (nodes, "framework_nodes")):
        years = frame["framework_year"].unique().to_list() if "framework_year" in frame.columns else []
        if len(years) > 1:
            raise ValueError(f"{name} holds several framework years {sorted(years)}; pass one year's rows")
    rows: list[dict[str, object]] = []
    for r in sorted(indicators.to_dicts(), key=lambda r: code_key(r["indicator_code"])):
        rows.append({"iCode": r["indicator_code"], "iName": r.get("name_en") or r["indicator_code"], "Level": 1,
                     "Parent": r["sub_pillar"], "Weight": r["weight"], "Direction": r["direction"],
                     "Type": "Indicator"})
    for level in ("sub_pillar", "pillar", "sub_index"):
        level_rows = nodes.filter(pl.col("level") == level).to_dicts()
        if not level_rows:
            raise ValueError(f"framework_nodes has no rows of level '{level}'")
        for r in sorted(level_rows, key=lambda r: code_key(r["code"])):
            rows.append({"iCode": r["code"], "iName": r.get("name_en") or r["code"], "Level": LEVEL_NUMBERS[level],
                         "Parent": r["parent"], "Weight": r["weight"], "Direction": 1, "Type": "Aggregate"})
    tops = {r["Parent"] for r in rows if r["Level"] == LEVEL_NUMBERS["sub_index"]}
    if tops != {index_code}:
        raise ValueError(f"sub-indices must all have parent '{index_code}', found {sorted(map(str, tops))}")
    rows.append({"iCode": index_code, "iName": "Provincial Innovation Index", "Level": LEVEL_NUMBERS["index"],
                 "Parent": None, "Weight": 1.0, "Direction": 1, "Type": "Aggregate"})
    return pl.DataFrame(rows, schema=_IMETA_SCHEMA, orient="row")


def framework_idata(pii_input: pl.DataFrame, indicators: pl.DataFrame) -> pl.DataFrame:
    """iData of one framework year: uCode (province code) and one float column per indicator code."""
    columns = dict(zip(indicators["column_name"], indicators["indicator_code"], strict=True))
    missing = sorted(c for c in columns if c not in pii_input.columns)
    if missing:
        raise ValueError(f"core.pii_input has no column for indicator(s) {missing}")
    order = sorted(columns.values(), key=code_key)
    frame = pii_input.select(
        pl.col("province_code").cast(pl.String).alias("uCode"),
        *[pl.col(col).cast(pl.Float64).alias(code) for col, code in columns.items()],
    ).select("uCode", *order).sort("uCode")
    years = indicators["framework_year"].unique().to_list() if "framework_year" in indicators.columns else []
    label = "core.pii_input" + (f" (framework year {years[0]})" if len(years) == 1 else "")
    # an infinite or NaN indicator (e.g. a division by zero upstream) would distort every province's score
    return numeric_columns(frame, order, TableRef(label), "uCode")


def coinr_tables(
    idata: pl.DataFrame, imeta: pl.DataFrame, code_prefix: str = "i", unit_prefix: str = "u"
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Copies of iData/iMeta that COINr's ``new_coin`` accepts.

    COINr's ``check_iMeta`` rejects an iCode that begins with a digit, and its documentation asks the same of
    uCodes, so codes starting with a digit get a prefix: ``1.1.1`` -> ``i1.1.1``, province ``01`` -> ``u01``.
    Scores are unchanged (only names change); strip the prefixes to join results back.
    """

    def prefixed(col: str, prefix: str) -> pl.Expr:
        starts_with_digit = pl.col(col).str.contains(r"^\d")
        return pl.when(starts_with_digit).then(pl.lit(prefix) + pl.col(col)).otherwise(pl.col(col)).alias(col)

    meta = imeta.with_columns(prefixed("iCode", code_prefix), prefixed("Parent", code_prefix))
    renames = {c: code_prefix + c for c in idata.columns if c != "uCode" and c[:1].isdigit()}
    return idata.rename(renames).with_columns(prefixed("uCode", unit_prefix)), meta
