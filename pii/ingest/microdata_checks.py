"""The row checks of a microdata source (pii/ingest/microdata.py): provinces, bad values, repeated record ids.

Bad rows are rare, so no statement here writes a table of every row: one scan of ``_md_all`` keeps the rows with
any problem (``_md_suspect``, with the structural title/header/blank lines among them), the per-variable reasons
are computed on those only, and repeated record ids are found by grouping on a hash of the id columns before
the few candidate rows are compared exactly. Outputs (temp tables): ``_md_province_map`` (one resolution per
distinct province text of each file), ``_md_bad`` (one row per problem: file, row, column label, raw value,
reason code, reason, suggestions) and ``_md_excluded`` (every data row not counted: file, row).
"""

from __future__ import annotations

import re

import duckdb

from pii.ingest.microdata_filter import quote_identifier as qi
from pii.ingest.microdata_filter import quote_text as qt
from pii.ingest.microdata_spec import MicrodataSpec
from pii.provinces import ProvinceRegistry, boundary_for_year

CODE = re.compile(r"\d{1,2}")
MAX_DOUBLE = 1.7976931348623157e308  # the largest finite DOUBLE: BETWEEN these bounds is "a finite number"
MAX_LITERALS = 2000  # unresolved province texts written into the scan's filter; more are joined


def used_variables(spec: MicrodataSpec) -> list[str]:
    """Every variable the source uses, in a stable order: province, weight, record ids, then the rules'."""
    names = [spec.province_column, *([spec.weight_column] if spec.weight_column else []), *spec.record_id_columns]
    for rule in spec.measures.values():
        names += rule.variables(spec.weight_column)
    return list(dict.fromkeys(names))


def number(col: str) -> str:
    """A number variable's raw text as DOUBLE (NULL when it is not a number): the text trimmed of spaces.

    DuckDB's cast already skips ASCII blanks around a number, so the text is trimmed (Unicode spaces such as
    U+00A0) only where the plain cast fails: same value, one string copy less per row.
    """
    return f"coalesce(TRY_CAST({col} AS DOUBLE), TRY_CAST(trim({col}) AS DOUBLE))"


def is_empty(col: str) -> str:
    """``nullif(trim(col), '') IS NULL``; trim runs only on text that does not start with a printable ASCII
    character (only such text can be all spaces), and min/max statistics skip whole row groups."""
    return f"({col} IS NULL OR (({col} < '!' OR {col} >= chr(127)) AND trim({col}) = ''))"


def typed(name: str) -> str:
    """The column of ``_md_suspect`` holding a number variable cast to DOUBLE."""
    return qi(f"_n_{name}")


def blank_condition(spec: MicrodataSpec, alias: str = "r") -> str:
    """Title, header and blank lines: every declared variable empty (the loader stores a CSV header so)."""
    return " AND ".join(f"nullif(trim({alias}.{qi(name)}), '') IS NULL" for name in spec.columns)


def province_join(spec: MicrodataSpec, alias: str = "r") -> str:
    """The join of raw rows to their province resolution (keyed by file and the text as stored)."""
    return (f"JOIN _md_province_map m ON m.file_path = {alias}.file_path "
            f"AND m.raw_text IS NOT DISTINCT FROM {alias}.{qi(spec.province_column)}")


# -- provinces: resolved once per distinct text of each boundary ---------------------------------------------


def province_mapping(conn: duckdb.DuckDBPyConnection, spec: MicrodataSpec, registry: ProvinceRegistry) -> None:
    """``_md_boundary`` (data year -> boundary), ``_md_province_map`` and ``_md_provinces`` (the boundary's grid)."""
    col = qi(spec.province_column)
    years = [y for (y,) in conn.execute("SELECT DISTINCT data_year FROM _md_files WHERE read_error IS NULL").fetchall()]
    boundaries = {y: boundary_for_year(int(y)) for y in years}
    conn.execute("CREATE OR REPLACE TEMP TABLE _md_boundary (data_year INTEGER, boundary VARCHAR)")
    if boundaries:
        conn.executemany("INSERT INTO _md_boundary VALUES (?, ?)", [[y, b] for y, b in boundaries.items()])
    # Distinct texts as stored (no expression per row), trimmed and resolved on the small result.
    conn.execute(f"""CREATE OR REPLACE TEMP TABLE _md_province_texts AS
        SELECT t.file_path, t.raw_text, b.boundary, coalesce(trim(t.raw_text), '') AS text
        FROM (SELECT DISTINCT file_path, {col} AS raw_text FROM _md_all WHERE read_error IS NULL) t
        JOIN _md_files f USING (file_path) JOIN _md_boundary b ON b.data_year = f.data_year""")
    texts = conn.execute("SELECT DISTINCT boundary, text FROM _md_province_texts ORDER BY 1, 2").fetchall()
    rows = [[boundary, text, *resolve(registry, text, boundary)] for boundary, text in texts]
    conn.execute("""CREATE OR REPLACE TEMP TABLE _md_resolved (boundary VARCHAR, text VARCHAR, code VARCHAR,
        name_vi VARCHAR, reason_code VARCHAR, reason VARCHAR, suggestions VARCHAR)""")
    if rows:
        conn.executemany("INSERT INTO _md_resolved VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("""CREATE OR REPLACE TEMP TABLE _md_province_map AS
        SELECT t.file_path, t.raw_text, t.boundary, r.code, r.reason_code, r.reason, r.suggestions
        FROM _md_province_texts t JOIN _md_resolved r USING (boundary, text)""")
    conn.execute("CREATE OR REPLACE TEMP TABLE _md_provinces "
                 "(boundary VARCHAR, province_code VARCHAR, name_vi VARCHAR)")
    grid = [[b, p.code, p.name_vi] for b in sorted(set(boundaries.values())) for p in registry.provinces(b)]
    if grid:
        conn.executemany("INSERT INTO _md_provinces VALUES (?, ?, ?)", grid)


def resolve(registry: ProvinceRegistry, text: str, boundary: str) -> tuple[str | None, str | None, str | None,
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


def _number_check(name: str, label: str, low: float | None, high: float | None) -> tuple[str, str]:
    """(condition, SELECT) of one number variable's problems: missing, not a finite number, outside [low, high]."""
    col = f"r.{qi(name)}"
    empty = f"nullif(trim({col}), '') IS NULL"
    value = f"r.{typed(name)}"
    bounds = [f"{value} < {low!r}"] if low is not None else []
    bounds += [f"{value} > {high!r}"] if high is not None else []
    outside = " OR ".join(bounds) or "false"
    above = "''" if high is None else qt(f" is above the maximum {high:g}")
    side = (f"CASE WHEN {value} < {low!r} THEN {qt(f' is below the minimum {low:g}')} ELSE {above} END"
            if low is not None else above)
    not_number = f"{value} IS NULL OR NOT isfinite({value})"
    select = f"""SELECT r.file_path, r.row_number, {label}, {col},
        CASE WHEN {empty} THEN 'missing_value' WHEN {not_number} THEN 'not_a_number' ELSE 'out_of_range' END,
        r.file_path || ', row ' || r.row_number || ', column ' || {label} || ': ' || CASE
            WHEN {empty} THEN 'no value'
            WHEN {not_number} THEN chr(39) || {col} || chr(39) || ' is not a number' || CASE
                WHEN regexp_full_match(trim({col}), '[-+]?[0-9]+,[0-9]+')
                    THEN ' (a decimal comma? unit records take a point: ' || replace(trim({col}), ',', '.') || ')'
                WHEN regexp_full_match(trim({col}), '[-+]?[0-9.,]+\\s*\\D.*')
                    THEN ' (a unit typed after the number? write the number only)'
                ELSE '' END
            ELSE trim({col}) || {side} END, ''
        FROM _md_suspect r"""
    # A number that is NULL covers empty text and text that is not a number: one test per row in the scan.
    return f"{empty} OR {not_number} OR {outside}", select


def _row_tests(spec: MicrodataSpec, used: list[str]) -> str:
    """Whether a raw row has a bad value, the province aside, one cheap test per variable: a number that does
    not cast covers empty text and text that is not a number; BETWEEN finite bounds also refuses ±inf and NaN."""
    tests = []
    for name in used:
        c = spec.columns[name]
        if name == spec.province_column:
            continue
        col = f"r.{qi(name)}"
        if c.type == "text":
            tests.append(is_empty(col))
            continue
        low = c.min if c.min is not None else (0.0 if name == spec.weight_column else -MAX_DOUBLE)
        high = c.max if c.max is not None else MAX_DOUBLE
        tests.append(f"NOT coalesce({number(col)} BETWEEN {float(low)!r} AND {float(high)!r}, false)")
    return "(" + " OR ".join(tests or ["false"]) + ")"


def _bad_province_test(conn: duckdb.DuckDBPyConnection, spec: MicrodataSpec) -> str:
    """Whether a raw row's province text is one that did not resolve, as literals per boundary (a handful of
    texts: no join over every row); a join when there are too many to write out."""
    col = f"r.{qi(spec.province_column)}"
    bad = conn.execute("""SELECT boundary, list(DISTINCT file_path ORDER BY file_path),
        list(DISTINCT raw_text ORDER BY raw_text) FILTER (WHERE raw_text IS NOT NULL)
        FROM _md_province_map WHERE code IS NULL GROUP BY boundary ORDER BY boundary""").fetchall()
    if sum(len(texts or []) for _, _, texts in bad) > MAX_LITERALS:
        return f"""({col} IS NULL OR EXISTS (SELECT 1 FROM _md_province_map m WHERE m.code IS NULL
            AND m.file_path = r.file_path AND m.raw_text = {col}))"""
    parts = [f"{col} IS NULL"]  # an empty province never resolves
    for _, files, texts in bad:
        if texts:
            parts.append(f"(r.file_path IN ({', '.join(qt(f) for f in files)}) "
                         f"AND {col} IN ({', '.join(qt(t) for t in texts)}))")
    return "(" + " OR ".join(parts) + ")"


def problems(conn: duckdb.DuckDBPyConnection, spec: MicrodataSpec, raw_table: str) -> None:
    """``_md_bad``, the structural lines in ``_md_structural``, and ``_md_excluded`` (rows not counted)."""
    used = used_variables(spec)
    checks: list[tuple[str, str]] = []
    for name in used:
        c = spec.columns[name]
        col, label = f"r.{qi(name)}", qt(c.label)
        place = f"r.file_path || ', row ' || r.row_number || ', column ' || {label} || ': '"
        if name == spec.province_column:
            checks.append(("r._province_code IS NULL", f"""SELECT r.file_path, r.row_number, {label} AS column_ref,
                {col} AS raw_value, r._province_reason_code AS reason_code, {place} || r._province_reason AS reason,
                r._province_suggestions AS suggestions FROM _md_suspect r"""))
        elif c.type == "text":
            checks.append((f"nullif(trim({col}), '') IS NULL", f"""SELECT r.file_path, r.row_number, {label}, {col},
                'missing_value', {place} || 'no value', '' FROM _md_suspect r"""))
        else:
            low = c.min if c.min is not None else (0.0 if name == spec.weight_column else None)
            checks.append(_number_check(name, label, low, c.max))
    casts = "".join(f", {number('r.' + qi(n))} AS {typed(n)}" for n in used if spec.columns[n].type == "number")
    # One scan of plain per-column tests keeps the rows with any problem (every title, header or blank line has
    # no province, so it is among them); the province columns and reasons are joined to those few rows only.
    keep = ", ".join(f"r.{qi(n)}" for n in spec.columns)
    conn.execute(f"""CREATE OR REPLACE TEMP TABLE _md_suspect_rows AS
        SELECT r.file_path, r.row_number, {keep} FROM _md_all r
        WHERE r.read_error IS NULL AND ({_bad_province_test(conn, spec)} OR {_row_tests(spec, used)})""")
    conn.execute(f"""CREATE OR REPLACE TEMP TABLE _md_suspect AS
        SELECT r.*, m.code AS _province_code, m.reason_code AS _province_reason_code,
               m.reason AS _province_reason, m.suggestions AS _province_suggestions{casts}
        FROM _md_suspect_rows r {province_join(spec)}""")
    conn.execute(f"""CREATE OR REPLACE TEMP TABLE _md_structural AS
        SELECT file_path, row_number FROM _md_suspect r WHERE {blank_condition(spec)}""")
    conn.execute("CREATE OR REPLACE TEMP TABLE _md_bad AS " + " UNION ALL ".join(
        f"SELECT * FROM ({select} WHERE ({cond}) AND NOT ({blank_condition(spec)}))" for cond, select in checks))
    if spec.record_id_columns:
        _repeats(conn, spec, raw_table)
    conn.execute("""CREATE OR REPLACE TEMP TABLE _md_excluded AS
        SELECT DISTINCT file_path, row_number FROM (
            SELECT file_path, row_number FROM _md_bad UNION ALL SELECT file_path, row_number FROM _md_structural)""")


def _repeats(conn: duckdb.DuckDBPyConnection, spec: MicrodataSpec, raw_table: str) -> None:
    """A record id listed twice: same used values -> the later rows are ``duplicate_row``; else all conflict.

    Candidates come from grouping each file's rows on a hash of the id columns (one narrow pass per file: smaller
    hash tables), which also gives the first and last row of each repeated hash, so the few candidate rows are
    fetched by rowid; only an id listed three times or more is looked for again by its hash. The candidates are
    then grouped on the ids themselves and compared. Title, header and blank lines are not records.
    """
    ids = [qi(n) for n in spec.record_id_columns]
    used = ", ".join(f"r.{qi(n)}" for n in used_variables(spec))
    label = qt(", ".join(spec.columns[n].label for n in spec.record_id_columns))
    id_hash = f"hash(r.file_path, {', '.join(f'r.{i}' for i in ids)})"
    id_text = " || ', ' || ".join(f"coalesce(r.{i}, '')" for i in ids)
    same_id = " AND ".join(f"r.{i} IS NOT DISTINCT FROM d.{i}" for i in ids)
    conn.execute("CREATE OR REPLACE TEMP TABLE _md_repeated (h UBIGINT, n BIGINT, first_id BIGINT, last_id BIGINT)")
    files = [p for (p,) in conn.execute(
        "SELECT file_path FROM _md_files WHERE read_error IS NULL ORDER BY file_path").fetchall()]
    for path in files:
        conn.execute(f"""INSERT INTO _md_repeated
            SELECT {id_hash} AS h, count(*), min(r.rowid), max(r.rowid) FROM {raw_table} r
            WHERE r.file_path = ? GROUP BY h HAVING count(*) > 1""", [path])
    conn.execute(f"""CREATE OR REPLACE TEMP TABLE _md_candidates AS
        WITH ids AS (SELECT first_id AS id FROM _md_repeated UNION SELECT last_id FROM _md_repeated),
        listed AS (
            SELECT r.* FROM {raw_table} r SEMI JOIN ids ON ids.id = r.rowid
            UNION ALL  -- an id listed more than twice: its middle rows (rare; the scan is skipped without any)
            SELECT r.* FROM {raw_table} r SEMI JOIN (SELECT h FROM _md_repeated WHERE n > 2) x ON x.h = {id_hash}
            WHERE (SELECT max(n) FROM _md_repeated) > 2 AND r.rowid NOT IN (SELECT id FROM ids))
        SELECT r.* FROM listed r
        ANTI JOIN _md_structural s ON s.file_path = r.file_path AND s.row_number = r.row_number
        WHERE r.read_error IS NULL""")
    conn.execute(f"""INSERT INTO _md_bad
        WITH dup_ids AS (SELECT file_path, {', '.join(ids)} FROM _md_candidates GROUP BY ALL HAVING count(*) > 1),
        keyed AS (
            SELECT r.file_path, r.row_number, {id_text} AS id_text, row({used}) AS used
            FROM _md_candidates r JOIN dup_ids d ON d.file_path = r.file_path AND {same_id}),
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
