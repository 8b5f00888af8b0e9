"""The measures of a microdata source computed in one pass over its counted rows (pii/ingest/microdata.py).

Every measure of the source is a few aggregates with a ``FILTER`` clause in ONE ``GROUP BY file, province``
over the rows that are not excluded (``_md_excluded``: quarantined rows and title/header/blank lines): the
rows are read, typed and grouped once, however many measures the source has. The grouped result
(``_md_agg``, one row per file × province, with the number of counted rows) is small; each measure's
observations are then written from it, one per province of the file's boundary.
"""

from __future__ import annotations

import duckdb

from pii.catalog import Measure
from pii.ingest.microdata_checks import number, province_join, used_variables
from pii.ingest.microdata_filter import quote_identifier as qi
from pii.ingest.microdata_filter import quote_text as qt
from pii.ingest.microdata_spec import MeasureRule, MicrodataSpec


def _parts(rule: MeasureRule, weight: str | None) -> tuple[list[str], str, bool]:
    """(aggregates, value expression over them as ``{0}``, ``{1}``, additive) of one rule.

    Additive aggregates are 0 for a province with no qualifying record; a share or ratio of nothing has no value.
    """
    w = qi(weight) if weight else "1.0"
    agg = rule.aggregation
    if agg == "count":
        return ["count(*)"], "{0}::DOUBLE", True
    if agg == "weighted_count":
        return [f"sum({w})"], "{0}", True
    if agg == "sum":
        return [f"sum({qi(rule.value or '')})"], "{0}", True
    if agg == "weighted_sum":
        return [f"sum({w} * {qi(rule.value or '')})"], "{0}", True
    if agg == "weighted_share":
        share = rule.share_filter.sql if rule.share_filter else "true"
        return [f"sum(CASE WHEN {share} THEN {w} ELSE 0 END)", f"sum({w})"], "{0} / nullif({1}, 0)", False
    num, den = qi(rule.numerator or ""), qi(rule.denominator or "")
    return [f"sum({w} * {num})", f"sum({w} * {den})"], "{0} / nullif({1}, 0)", False


def describe_rule(rule: MeasureRule, weight: str | None) -> str:
    """The rule in words, stored as each observation's ``evidence``."""
    w = f"{weight} × " if weight else ""
    text = {
        "count": "count of records",
        "weighted_count": f"Σ {weight}",
        "sum": f"Σ {rule.value}",
        "weighted_sum": f"Σ {w}{rule.value}",
        "weighted_share": f"Σ {weight} where {rule.share_filter.text if rule.share_filter else ''} / Σ {weight}",
        "ratio_of_sums": f"Σ {w}{rule.numerator} / Σ {w}{rule.denominator}",
    }[rule.aggregation]
    if rule.filter:
        text += f", over records where {rule.filter.text}"
    if rule.scale != 1:
        text += f"; × {rule.scale:g}"
    if rule.unit_in_file:
        text += f" (file unit: {rule.unit_in_file})"
    return f"microdata {rule.aggregation}: {text}"


def _counted_rows(spec: MicrodataSpec) -> str:
    """The counted rows, variables typed (numbers DOUBLE, text trimmed), province resolved."""
    cols = []
    for name in used_variables(spec):
        if name == spec.province_column:
            continue
        col = f"r.{qi(name)}"
        cols.append(f"{number(col) if spec.columns[name].type == 'number' else f'trim({col})'} AS {qi(name)}")
    return f"""SELECT r.file_path, r.row_number, m.code AS _province_code{''.join(', ' + c for c in cols)}
        FROM _md_all r {province_join(spec)}
        WHERE r.read_error IS NULL AND m.code IS NOT NULL"""


def aggregate(conn: duckdb.DuckDBPyConnection, spec: MicrodataSpec, sid: str, catalog: dict[str, Measure]) -> None:
    """``_md_agg`` (file × province: counted rows and every measure's aggregates) and ``_md_observations``."""
    columns: list[str] = []
    values: dict[str, tuple[str, bool]] = {}
    for i, (code, rule) in enumerate(spec.measures.items()):
        aggs, value, additive = _parts(rule, spec.weight_column)
        where = f" FILTER (WHERE {rule.filter.sql})" if rule.filter else ""
        names = [f"_m{i}_{j}" for j in range(len(aggs))]
        columns += [f"{a}{where} AS {n}" for a, n in zip(aggs, names, strict=True)]
        values[code] = (value.format(*(f"a.{n}" for n in names)), additive)
    conn.execute(f"""CREATE OR REPLACE TEMP TABLE _md_agg AS
        SELECT v.file_path, v._province_code AS province_code, count(*) AS _counted
               {''.join(', ' + c for c in columns)}
        FROM ({_counted_rows(spec)}) v
        ANTI JOIN _md_excluded x ON x.file_path = v.file_path AND x.row_number = v.row_number
        GROUP BY v.file_path, v._province_code""")
    for code, rule in spec.measures.items():
        expr, additive = values[code]
        value = f"coalesce({expr}, 0) * {rule.scale!r}" if additive else f"({expr}) * {rule.scale!r}"
        unit = catalog[code].unit if code in catalog else ""
        conn.execute(f"""INSERT INTO _md_observations
            SELECT {sid}, f.file_path, f.file_sha256, '', 0, {qt(','.join(rule.variables(spec.weight_column)))},
                   p.name_vi, p.province_code, p.boundary, f.data_year, {qt(code)}, {value}, {qt(unit)}, false,
                   f.data_year, {qt(describe_rule(rule, spec.weight_column))}, 1
            FROM _md_files f JOIN _md_boundary b ON b.data_year = f.data_year
            JOIN _md_provinces p ON p.boundary = b.boundary
            LEFT JOIN _md_agg a ON a.file_path = f.file_path AND a.province_code = p.province_code
            WHERE f.read_error IS NULL AND {value} IS NOT NULL""")
