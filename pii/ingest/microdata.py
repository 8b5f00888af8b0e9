"""Conform and aggregate unit-record sources (kind ``microdata``) inside DuckDB: no row passes through Python.

Input: ``raw.<source_id>`` as pii/ingest/tabular.py's ``load_tabular`` writes it (source_id, data_year,
file_path, file_sha256, row_number, one VARCHAR column per declared variable, read_error, read_error_code).
Output, in four temporary tables the caller stores (:func:`store_microdata`):

* ``_md_observations`` — one value per file × province × measure (columns of staging.cell_observations; sheet
  '', row_number 0, column_ref = the variables the rule reads, evidence = the rule). Counts and sums are 0 for
  a province with no qualifying record; a share or ratio whose denominator is 0 has no value.
* ``_md_quarantine`` — quarantine.rows entries: one per bad value (file, row, variable, value, reason), one per
  repeated or conflicting record id, one per file that could not be read or whose source spec is invalid.
* ``_md_dispositions`` — meta.row_dispositions entries for rows that are not counted (quarantined rows only).
* ``_md_disposition_counts`` — meta.disposition_counts: per file, how many rows were ``counted`` (and, for a
  file rejected as a whole by an invalid spec, ``quarantined``).

Rules (docs/data_dictionary.md, "Measures from microdata"): a row is counted or quarantined, never both. It is
quarantined when a variable the source uses (province, weight, record id, any variable of a measure rule)
is empty (``missing_value``), not a finite number where a number belongs (``not_a_number``), outside the
variable's min/max (``out_of_range``; a weight has min 0), its province is not one of the file's boundary
(``unknown_province_code``, ``unknown_province``, …, with suggestions computed once per distinct text), or its
record id repeats an earlier row (``duplicate_row``: the first is counted) or repeats with other values
(``conflicting_duplicate``: none is counted). Declared variables no rule uses are kept in raw, not checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

from pii.catalog import Measure, Source, load_measures
from pii.ingest.microdata_filter import quote_identifier as qi
from pii.ingest.microdata_filter import quote_text as qt
from pii.ingest.microdata_spec import MeasureRule, MicrodataSpec, parse_spec
from pii.provinces import ProvinceRegistry, boundary_for_year

OUTPUT_TABLES = ("_md_observations", "_md_quarantine", "_md_dispositions", "_md_disposition_counts")
# Where store_microdata writes each temporary table (the shared tables of issue 9's design).
TARGETS = {
    "_md_observations": "staging.microdata_observations",
    "_md_quarantine": "quarantine.rows",
    "_md_dispositions": "meta.row_dispositions",
    "_md_disposition_counts": "meta.disposition_counts",
}
DDL = {
    "_md_observations": """source_id VARCHAR, file_path VARCHAR, file_sha256 VARCHAR, sheet VARCHAR,
        row_number BIGINT, column_ref VARCHAR, province_text VARCHAR, province_code VARCHAR, boundary VARCHAR,
        year INTEGER, measure_code VARCHAR, value DOUBLE, unit VARCHAR, is_preliminary BOOLEAN,
        edition_year INTEGER, evidence VARCHAR, priority TINYINT""",
    "_md_quarantine": """source_id VARCHAR, file_path VARCHAR, file_sha256 VARCHAR, sheet VARCHAR,
        row_number BIGINT, column_ref VARCHAR, raw_value VARCHAR, reason_code VARCHAR, reason VARCHAR,
        suggestions VARCHAR""",
    "_md_dispositions": """source_id VARCHAR, file_path VARCHAR, file_sha256 VARCHAR, sheet VARCHAR,
        row_number BIGINT, disposition VARCHAR, detail VARCHAR""",
    "_md_disposition_counts": """source_id VARCHAR, file_path VARCHAR, file_sha256 VARCHAR, disposition VARCHAR,
        rows BIGINT""",
}
ORDER = {
    "_md_observations": "measure_code, boundary, year, province_code, file_path",
    "_md_quarantine": "file_path, row_number, column_ref, reason_code",
    "_md_dispositions": "file_path, row_number",
    "_md_disposition_counts": "file_path, disposition",
}
CODE = re.compile(r"\d{1,2}")


@dataclass(frozen=True)
class MicrodataOutcome:
    files: int
    rows: int  # raw rows (rows = counted + quarantined + structural header/blank lines)
    counted: int
    quarantined: int
    observations: int


def _create_outputs(conn: duckdb.DuckDBPyConnection) -> None:
    for name in OUTPUT_TABLES:
        conn.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({DDL[name]})")


def conform_microdata(
    conn: duckdb.DuckDBPyConnection, source: Source, registry: ProvinceRegistry,
    raw_table: str | None = None, file_paths: list[str] | None = None, measures: dict[str, Measure] | None = None,
) -> MicrodataOutcome:
    """Conform the files of one microdata source (all, or ``file_paths``) into the ``_md_*`` temp tables."""
    raw_table = raw_table or f"raw.{source.source_id}"
    catalog = measures if measures is not None else load_measures()
    _create_outputs(conn)
    where = ""
    if file_paths is not None:
        conn.execute("CREATE OR REPLACE TEMP TABLE _md_selected (file_path VARCHAR)")
        if file_paths:
            conn.executemany("INSERT INTO _md_selected VALUES (?)", [[p] for p in file_paths])
        where = "WHERE file_path IN (SELECT file_path FROM _md_selected)"
    conn.execute(f"CREATE OR REPLACE TEMP VIEW _md_all AS SELECT * FROM {raw_table} {where}")
    conn.execute("""CREATE OR REPLACE TEMP TABLE _md_files AS
        SELECT file_path, any_value(file_sha256) AS file_sha256, any_value(data_year)::INTEGER AS data_year,
               count(*) AS n_rows, min(read_error) AS read_error, min(read_error_code) AS read_error_code
        FROM _md_all GROUP BY file_path""")
    sid = qt(source.source_id)
    # Files that could not be read: one quarantine entry naming the file (and first bad line), each raw row disposed.
    conn.execute(f"""INSERT INTO _md_quarantine
        SELECT {sid}, file_path, file_sha256, '', 0, '', '', coalesce(read_error_code, 'unreadable_file'),
               read_error, ''
        FROM _md_files WHERE read_error IS NOT NULL""")
    conn.execute(f"""INSERT INTO _md_dispositions
        SELECT {sid}, r.file_path, r.file_sha256, '', r.row_number, 'quarantined', 'unreadable file'
        FROM _md_all r JOIN _md_files f USING (file_path) WHERE f.read_error IS NOT NULL""")
    if source.spec_error:
        _reject_files(conn, sid, "invalid_source_spec",
                      f"{source.spec_error}; nothing from this file is read until the entry is fixed")
        return _outcome(conn)
    spec = parse_spec(source.spec)
    # Title, header and blank lines (every variable empty; the loader stores a CSV's header as such a row).
    blank = " AND ".join(f"nullif(trim({qi(name)}), '') IS NULL" for name in spec.columns)
    conn.execute(f"""CREATE OR REPLACE TEMP VIEW _md_raw AS
        SELECT * FROM _md_all WHERE read_error IS NULL AND NOT ({blank})""")
    conn.execute(f"""INSERT INTO _md_dispositions
        SELECT {sid}, r.file_path, r.file_sha256, '', r.row_number, 'structural', 'title, header or blank line'
        FROM _md_all r JOIN _md_files f USING (file_path) WHERE f.read_error IS NULL AND ({blank})""")
    _province_mapping(conn, spec, registry)
    _problems(conn, spec, sid)
    _valid_rows(conn, spec)
    conn.execute(f"""INSERT INTO _md_disposition_counts
        SELECT {sid}, f.file_path, f.file_sha256, 'counted', count(v.row_number)
        FROM _md_files f LEFT JOIN _md_valid v USING (file_path)
        WHERE f.read_error IS NULL GROUP BY ALL""")
    _aggregate(conn, spec, sid, catalog)
    return _outcome(conn)


def _reject_files(conn: duckdb.DuckDBPyConnection, sid: str, code: str, message: str) -> None:
    """Every readable file rejected as a whole: one quarantine entry each, its rows counted as quarantined."""
    conn.execute(f"""INSERT INTO _md_quarantine
        SELECT {sid}, file_path, file_sha256, '', 0, '', '', {qt(code)}, file_path || ': ' || {qt(message)}, ''
        FROM _md_files WHERE read_error IS NULL""")
    conn.execute(f"""INSERT INTO _md_disposition_counts
        SELECT {sid}, file_path, file_sha256, 'quarantined', n_rows FROM _md_files WHERE read_error IS NULL""")


def _outcome(conn: duckdb.DuckDBPyConnection) -> MicrodataOutcome:
    files, rows = conn.execute("SELECT count(*), coalesce(sum(n_rows), 0) FROM _md_files").fetchall()[0]
    counted = conn.execute("SELECT coalesce(sum(rows), 0) FROM _md_disposition_counts "
                           "WHERE disposition = 'counted'").fetchall()[0][0]
    obs = conn.execute("SELECT count(*) FROM _md_observations").fetchall()[0][0]
    held = conn.execute("""SELECT (SELECT count(*) FROM _md_dispositions WHERE disposition = 'quarantined')
        + (SELECT coalesce(sum(rows), 0) FROM _md_disposition_counts WHERE disposition = 'quarantined')""").fetchall()
    return MicrodataOutcome(int(files), int(rows), int(counted), int(held[0][0]), int(obs))


# -- provinces: resolved once per distinct text of each boundary ---------------------------------------------


def _province_mapping(conn: duckdb.DuckDBPyConnection, spec: MicrodataSpec, registry: ProvinceRegistry) -> None:
    col = qi(spec.province_column)
    years = [y for (y,) in conn.execute("SELECT DISTINCT data_year FROM _md_files WHERE read_error IS NULL").fetchall()]
    boundaries = {y: boundary_for_year(int(y)) for y in years}
    conn.execute("CREATE OR REPLACE TEMP TABLE _md_boundary (data_year INTEGER, boundary VARCHAR)")
    if boundaries:
        conn.executemany("INSERT INTO _md_boundary VALUES (?, ?)", [[y, b] for y, b in boundaries.items()])
    texts = conn.execute(f"""SELECT DISTINCT b.boundary, coalesce(trim(r.{col}), '')
        FROM _md_raw r JOIN _md_files f USING (file_path) JOIN _md_boundary b ON b.data_year = f.data_year
        WHERE f.read_error IS NULL ORDER BY 1, 2""").fetchall()
    rows = [[boundary, text, *_resolve(registry, text, boundary)] for boundary, text in texts]
    conn.execute("""CREATE OR REPLACE TEMP TABLE _md_province_map (boundary VARCHAR, text VARCHAR, code VARCHAR,
        name_vi VARCHAR, reason_code VARCHAR, reason VARCHAR, suggestions VARCHAR)""")
    if rows:
        conn.executemany("INSERT INTO _md_province_map VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("CREATE OR REPLACE TEMP TABLE _md_provinces "
                 "(boundary VARCHAR, province_code VARCHAR, name_vi VARCHAR)")
    grid = [[b, p.code, p.name_vi] for b in sorted(set(boundaries.values())) for p in registry.provinces(b)]
    if grid:
        conn.executemany("INSERT INTO _md_provinces VALUES (?, ?, ?)", grid)


def _resolve(registry: ProvinceRegistry, text: str, boundary: str) -> tuple[str | None, str | None, str | None,
                                                                             str | None, str]:
    """(code, name, reason_code, reason, suggestions) for one distinct province text on ``boundary``."""
    if not text:
        return None, None, "missing_province", "no province code or name is given", ""
    if CODE.fullmatch(text):
        code = text.zfill(2)
        known = {p.code: p for p in registry.provinces(boundary)}
        if code in known:
            return code, known[code].name_vi, None, None, ""
        other = "p34" if boundary == "p63" else "p63"
        former = {p.code: p for p in registry.provinces(other)}.get(code)
        if former is not None and other == "p63":
            successor = registry.province("p34", registry.merger_target(code))
            return (None, None, "wrong_boundary_province",
                    f"province code '{text}' is {former.name_vi}, a p63 province that became part of "
                    f"{successor.name_vi} ({successor.code}) on 2025-07-01; this file's data year uses p34",
                    successor.name_vi)
        return (None, None, "unknown_province_code",
                f"province code '{text}' is not a province of boundary {boundary}", "")
    res = registry.resolve(text, boundary=boundary)
    if res.ok:
        return res.code, res.name_vi, None, None, ""
    return None, None, f"{res.status}_province", res.message, "; ".join(res.suggestions)


# -- bad values, repeated records ------------------------------------------------------------------------------


def _used(spec: MicrodataSpec) -> list[str]:
    """Every variable the source uses, in a stable order: province, weight, record ids, then the rules'."""
    names = [spec.province_column, *([spec.weight_column] if spec.weight_column else []), *spec.record_id_columns]
    for rule in spec.measures.values():
        names += rule.variables(spec.weight_column)
    return list(dict.fromkeys(names))


def _number(col: str) -> str:
    return f"TRY_CAST(trim({col}) AS DOUBLE)"


def _typed(name: str) -> str:
    """The column of ``_md_rows`` holding a number variable cast to DOUBLE (NULL when it is not a number)."""
    return qi(f"_n_{name}")


def _rows(conn: duckdb.DuckDBPyConnection, spec: MicrodataSpec) -> None:
    """``_md_rows``: the data rows of readable files, narrowed to the used variables, province resolved (one scan)."""
    used = ", ".join(f"r.{qi(n)}" for n in _used(spec))
    typed = "".join(f", {_number('r.' + qi(n))} AS {_typed(n)}" for n in _used(spec)
                    if spec.columns[n].type == "number")  # cast once, checked and aggregated from here
    pc = qi(spec.province_column)
    conn.execute(f"""CREATE OR REPLACE TEMP TABLE _md_rows AS
        SELECT r.file_path, r.row_number, b.boundary, f.data_year, m.code AS _province_code,
               m.reason_code AS _province_reason_code, m.reason AS _province_reason,
               m.suggestions AS _province_suggestions, {used}{typed}
        FROM _md_raw r JOIN _md_files f USING (file_path) JOIN _md_boundary b ON b.data_year = f.data_year
        JOIN _md_province_map m ON m.boundary = b.boundary AND m.text = coalesce(trim(r.{pc}), '')""")


def _number_check(name: str, label: str, low: float | None, high: float | None) -> str:
    """The SELECT of one number variable's problems: missing, not a finite number, outside [low, high]."""
    col = f"r.{qi(name)}"
    empty = f"nullif(trim({col}), '') IS NULL"
    value = f"r.{_typed(name)}"
    bounds = [f"{value} < {low!r}"] if low is not None else []
    bounds += [f"{value} > {high!r}"] if high is not None else []
    outside = " OR ".join(bounds) or "false"
    above = "''" if high is None else qt(f" is above the maximum {high:g}")
    side = (f"CASE WHEN {value} < {low!r} THEN {qt(f' is below the minimum {low:g}')} ELSE {above} END"
            if low is not None else above)
    not_number = f"{value} IS NULL OR NOT isfinite({value})"
    return f"""SELECT r.file_path, r.row_number, {label}, {col},
        CASE WHEN {empty} THEN 'missing_value' WHEN {not_number} THEN 'not_a_number' ELSE 'out_of_range' END,
        r.file_path || ', row ' || r.row_number || ', column ' || {label} || ': ' || CASE
            WHEN {empty} THEN 'no value'
            WHEN {not_number} THEN chr(39) || {col} || chr(39) || ' is not a number'
            ELSE trim({col}) || {side} END, ''
        FROM _md_suspect r WHERE {empty} OR {not_number} OR {outside}"""


def _problems(conn: duckdb.DuckDBPyConnection, spec: MicrodataSpec, sid: str) -> None:
    _rows(conn, spec)
    parts: list[str] = []
    for name in _used(spec):
        c = spec.columns[name]
        col, label = f"r.{qi(name)}", qt(c.label)
        place = f"r.file_path || ', row ' || r.row_number || ', column ' || {label} || ': '"
        if name == spec.province_column:
            parts.append(f"""SELECT r.file_path, r.row_number, {label} AS column_ref, {col} AS raw_value,
                r._province_reason_code AS reason_code, {place} || r._province_reason AS reason,
                r._province_suggestions AS suggestions
                FROM _md_suspect r WHERE r._province_code IS NULL""")
        elif c.type == "text":
            parts.append(f"""SELECT r.file_path, r.row_number, {label}, {col}, 'missing_value',
                {place} || 'no value', '' FROM _md_suspect r WHERE nullif(trim({col}), '') IS NULL""")
        else:
            low = c.min if c.min is not None else (0.0 if name == spec.weight_column else None)
            parts.append(_number_check(name, label, low, c.max))
    # Problems are rare: one scan keeps the rows with any problem, the per-variable checks run on those only.
    wheres = [part.rsplit("FROM _md_suspect r WHERE ", 1)[1] for part in parts]
    conn.execute("CREATE OR REPLACE TEMP TABLE _md_suspect AS SELECT * FROM _md_rows r WHERE "
                 + " OR ".join(f"({w})" for w in wheres))
    conn.execute("CREATE OR REPLACE TEMP TABLE _md_bad AS " + " UNION ALL ".join(
        f"SELECT * FROM ({p})" for p in parts))
    if spec.record_id_columns:
        _repeats(conn, spec)
    conn.execute(f"""INSERT INTO _md_quarantine
        SELECT {sid}, b.file_path, f.file_sha256, '', b.* EXCLUDE (file_path)
        FROM _md_bad b JOIN _md_files f USING (file_path)""")
    conn.execute(f"""INSERT INTO _md_dispositions
        SELECT {sid}, b.file_path, any_value(f.file_sha256), '', b.row_number, 'quarantined',
               string_agg(DISTINCT b.reason_code, ', ' ORDER BY b.reason_code)
        FROM _md_bad b JOIN _md_files f USING (file_path) GROUP BY b.file_path, b.row_number""")


def _repeats(conn: duckdb.DuckDBPyConnection, spec: MicrodataSpec) -> None:
    """A record id listed twice: same used values -> the later rows are ``duplicate_row``; else all conflict.

    Repeated ids are found by grouping on the plain id columns; only their rows are compared further.
    """
    ids = [qi(n) for n in spec.record_id_columns]
    used = ", ".join(f"r.{qi(n)}" for n in _used(spec))
    label = qt(", ".join(spec.columns[n].label for n in spec.record_id_columns))
    id_text = " || ', ' || ".join(f"coalesce(r.{i}, '')" for i in ids)
    same_id = " AND ".join(f"r.{i} IS NOT DISTINCT FROM d.{i}" for i in ids)
    conn.execute(f"""INSERT INTO _md_bad
        WITH dup_ids AS (SELECT file_path, {', '.join(ids)} FROM _md_rows GROUP BY ALL HAVING count(*) > 1),
        keyed AS (
            SELECT r.file_path, r.row_number, {id_text} AS id_text, row({used}) AS used
            FROM _md_rows r JOIN dup_ids d ON d.file_path = r.file_path AND {same_id}),
        groups AS (
            SELECT file_path, id_text, min(row_number) AS first_row, count(DISTINCT used) AS variants,
                   string_agg(row_number::VARCHAR, ', ' ORDER BY row_number) AS rows_text
            FROM keyed GROUP BY file_path, id_text)
        SELECT k.file_path, k.row_number, {label}, k.id_text,
               CASE WHEN g.variants = 1 THEN 'duplicate_row' ELSE 'conflicting_duplicate' END,
               k.file_path || ', row ' || k.row_number || ', column ' || {label} || ': ' || CASE
                   WHEN g.variants = 1 THEN 'record ' || k.id_text || ' repeats row ' || g.first_row
                        || ' with the same values; counted once (row ' || g.first_row || ')'
                   ELSE 'record ' || k.id_text || ' is listed in rows ' || g.rows_text
                        || ' with different values; none is counted' END, ''
        FROM keyed k JOIN groups g USING (file_path, id_text)
        WHERE g.variants > 1 OR k.row_number <> g.first_row""")


# -- valid rows and the aggregates -----------------------------------------------------------------------------


def _valid_rows(conn: duckdb.DuckDBPyConnection, spec: MicrodataSpec) -> None:
    """Rows with no problem, variables typed (numbers DOUBLE), province resolved."""
    cols = []
    for name in _used(spec):
        if name == spec.province_column:
            continue
        c = spec.columns[name]
        typed = f"r.{_typed(name)}" if c.type == "number" else f"trim(r.{qi(name)})"
        cols.append(f"{typed} AS {qi(name)}")
    conn.execute(f"""CREATE OR REPLACE TEMP TABLE _md_valid AS
        SELECT r.file_path, r.row_number, r.boundary, r.data_year, r._province_code
               {''.join(', ' + c for c in cols)}
        FROM _md_rows r ANTI JOIN (SELECT DISTINCT file_path, row_number FROM _md_bad) x
             ON x.file_path = r.file_path AND x.row_number = r.row_number""")


def _expression(rule: MeasureRule, weight: str | None) -> tuple[str, bool]:
    """(SQL aggregate, additive): additive aggregates are 0 for a province with no qualifying record."""
    w = qi(weight) if weight else "1.0"
    agg = rule.aggregation
    if agg == "count":
        return "count(*)::DOUBLE", True
    if agg == "weighted_count":
        return f"sum({w})", True
    if agg == "sum":
        return f"sum({qi(rule.value or '')})", True
    if agg == "weighted_sum":
        return f"sum({w} * {qi(rule.value or '')})", True
    if agg == "weighted_share":
        share = rule.share_filter.sql if rule.share_filter else "true"
        return f"sum(CASE WHEN {share} THEN {w} ELSE 0 END) / nullif(sum({w}), 0)", False
    num, den = qi(rule.numerator or ""), qi(rule.denominator or "")
    return f"sum({w} * {num}) / nullif(sum({w} * {den}), 0)", False


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


def _aggregate(conn: duckdb.DuckDBPyConnection, spec: MicrodataSpec, sid: str, catalog: dict[str, Measure]) -> None:
    for code, rule in spec.measures.items():
        expr, additive = _expression(rule, spec.weight_column)
        where = rule.filter.sql if rule.filter else "true"
        value = f"coalesce(a.value, 0) * {rule.scale!r}" if additive else f"a.value * {rule.scale!r}"
        unit = catalog[code].unit if code in catalog else ""
        conn.execute(f"""INSERT INTO _md_observations
            WITH agg AS (SELECT file_path, _province_code AS province_code, {expr} AS value
                         FROM _md_valid WHERE {where} GROUP BY ALL)
            SELECT {sid}, f.file_path, f.file_sha256, '', 0, {qt(','.join(rule.variables(spec.weight_column)))},
                   p.name_vi, p.province_code, p.boundary, f.data_year, {qt(code)}, {value}, {qt(unit)}, false,
                   f.data_year, {qt(describe_rule(rule, spec.weight_column))}, 1
            FROM _md_files f JOIN _md_boundary b ON b.data_year = f.data_year
            JOIN _md_provinces p ON p.boundary = b.boundary
            LEFT JOIN agg a ON a.file_path = f.file_path AND a.province_code = p.province_code
            WHERE f.read_error IS NULL AND {value} IS NOT NULL""")


# -- storing ---------------------------------------------------------------------------------------------------


def ensure_targets(conn: duckdb.DuckDBPyConnection, targets: dict[str, str] | None = None) -> None:
    """Create the target tables that do not exist yet (schemas must exist)."""
    for name, table in (targets or TARGETS).items():
        conn.execute(f"CREATE TABLE IF NOT EXISTS {table} ({DDL[name]})")


def store_microdata(
    conn: duckdb.DuckDBPyConnection, source: Source, file_paths: list[str] | None = None,
    targets: dict[str, str] | None = None,
) -> None:
    """Replace the source's rows in the target tables by the ``_md_*`` tables, in one transaction.

    With ``file_paths`` only those files' rows (and the rows of files that left ``raw.<source_id>``) are
    replaced; otherwise every row of the source. Rows are inserted in a fixed order (deterministic tables).
    """
    targets = targets or TARGETS
    ensure_targets(conn, targets)
    conn.execute("BEGIN TRANSACTION")
    try:
        for name, table in targets.items():
            if file_paths is None:
                conn.execute(f"DELETE FROM {table} WHERE source_id = ?", [source.source_id])
            else:
                conn.execute(f"""DELETE FROM {table} WHERE source_id = ?
                    AND (file_path IN (SELECT file_path FROM _md_files)
                         OR file_path NOT IN (SELECT DISTINCT file_path FROM raw.{source.source_id}))""",
                             [source.source_id])
            conn.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {name} ORDER BY {ORDER[name]}")
        for name in ("_md_observations", "_md_disposition_counts"):  # small: kept in one order, whatever ran first
            table = targets[name]
            conn.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM {table} "
                         f"ORDER BY source_id, {ORDER[name]}")
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
