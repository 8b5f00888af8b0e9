"""Record lists read set-based (kind ``record_list``, format csv/parquet): conformed inside DuckDB.

The rules are those of the cell-level adapter (record_list.py), written as SQL over ``raw.<source_id>`` as
pii/ingest/tabular.py loads it; no record passes through Python. Per raw row, in this order:

* rows above and at the header: ``structural`` ("title or header"); a data row whose read columns are all
  empty: ``structural`` ("blank"). (Blank *lines* are not records: DuckDB skips them.)
* a record id listed more than once (duplicates.record_repeats, compared on the read columns folded):
  the same values again -> ``duplicate_row`` (the first counts once); different values -> every listing
  ``conflicting_duplicate`` and none counts;
* status not the counted status -> ``structural``; unmapped category -> ``unknown_category``; a date none of
  record_list.parse_date's formats reads -> ``bad_date``; with a category column, a date outside the data year
  -> ``wrong_year``; a province name not of the file's boundary -> ``<status>_province`` with suggestions
  (resolved once per distinct text, pii.provinces.ProvinceRegistry, the cell-level rules);
* otherwise the record is ``counted``: one ``staging.record_rows`` row.

Outputs, per file (replacing the file's earlier rows): ``staging.record_rows``, ``quarantine.rows`` (messages
name file, row and column like the cell-level ones), ``meta.row_dispositions`` for every row that is not
counted, and ``meta.disposition_counts`` (counted rows per file). Row conservation per file:
raw rows = per-row dispositions + counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from pii.catalog import Source
from pii.ingest.cells import fold
from pii.ingest.isolation import spec_failure
from pii.ingest.tabular import raw_table
from pii.provinces import ProvinceRegistry, boundary_for_year

# The formats record_list.parse_date accepts (strptime's %Y needs four digits: the guard below keeps that).
DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S")
DATE_SHAPE = r"^(\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}-\d{1,2}-\d{1,2}(T\d{1,2}:\d{1,2}:\d{1,2})?)$"

TARGETS = {
    "_rl_records": "staging.record_rows",
    "_rl_quarantine": "quarantine.rows",
    "_rl_dispositions": "meta.row_dispositions",
    "_rl_counts": "meta.disposition_counts",
}
DDL = {
    "_rl_records": """source_id VARCHAR, file_path VARCHAR, file_sha256 VARCHAR, sheet VARCHAR, row_number BIGINT,
        record_id VARCHAR, province_code VARCHAR, boundary VARCHAR, year INTEGER, measure_code VARCHAR,
        edition_year INTEGER""",
    "_rl_quarantine": """source_id VARCHAR, file_path VARCHAR, file_sha256 VARCHAR, sheet VARCHAR,
        row_number BIGINT, column_ref VARCHAR, raw_value VARCHAR, reason_code VARCHAR, reason VARCHAR,
        suggestions VARCHAR""",
    "_rl_dispositions": """source_id VARCHAR, file_path VARCHAR, file_sha256 VARCHAR, sheet VARCHAR,
        row_number BIGINT, disposition VARCHAR, detail VARCHAR""",
    "_rl_counts": "source_id VARCHAR, file_path VARCHAR, file_sha256 VARCHAR, disposition VARCHAR, rows BIGINT",
}
ORDER = {
    "_rl_records": "file_path, sheet, row_number",
    "_rl_quarantine": "file_path, sheet, row_number, column_ref, reason_code",
    "_rl_dispositions": "file_path, sheet, row_number",
    "_rl_counts": "file_path, disposition",
}
# cells.fold in SQL: no case, no diacritics (Đ -> D), spacing collapsed.
FOLD_MACRO = ("CREATE OR REPLACE TEMP MACRO pii_fold(x) AS "
              r"lower(trim(regexp_replace(strip_accents(replace(replace(coalesce(x, ''), 'Đ', 'D'), 'đ', 'd')), "
              r"'\s+', ' ', 'g')))")


@dataclass(frozen=True)
class RecordOutcome:
    files: int
    rows: int
    counted: int
    quarantined: int


def record_columns(source: Source) -> dict[str, str]:
    """Logical column -> header label the record-list spec reads (what tabular.load_tabular takes)."""
    spec = source.spec
    columns = {"record_id": spec["record_id_column"], "province": spec["province_column"],
               "date": spec["date_column"]}
    if spec.get("category_column"):
        columns["category"] = spec["category_column"]
    if spec.get("status_column"):
        columns["status"] = spec["status_column"]
    return columns


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def conform_record_files(
    conn: duckdb.DuckDBPyConnection, source: Source, registry: ProvinceRegistry, file_paths: list[str] | None = None,
) -> RecordOutcome:
    """Conform the raw rows of ``file_paths`` (all files when None) into the ``_rl_*`` temp tables."""
    sid = source.source_id
    for name, ddl in DDL.items():
        conn.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({ddl})")
    conn.execute(FOLD_MACRO)
    conn.execute("CREATE OR REPLACE TEMP TABLE _rl_selected (file_path VARCHAR)")
    if file_paths:
        conn.executemany("INSERT INTO _rl_selected VALUES (?)", [[p] for p in file_paths])
    where = "" if file_paths is None else "WHERE file_path IN (SELECT file_path FROM _rl_selected)"
    conn.execute(f"CREATE OR REPLACE TEMP VIEW _rl_raw AS SELECT * FROM {raw_table(sid)} {where}")
    conn.execute("""CREATE OR REPLACE TEMP TABLE _rl_files AS
        SELECT file_path, any_value(file_sha256) AS file_sha256, any_value(data_year) AS data_year,
               max(read_error) AS read_error, max(read_error_code) AS read_error_code, count(*) AS raw_rows
        FROM _rl_raw GROUP BY file_path""")
    _file_level(conn, source)
    if not source.spec_error:
        _conform_rows(conn, source, registry)
    return _outcome(conn)


def _file_level(conn: duckdb.DuckDBPyConnection, source: Source) -> None:
    """Unreadable files (their one error row) and, for an invalid spec, every file: held back whole."""
    loc = "f.file_path || ': ' || "
    conn.execute(f"""INSERT INTO _rl_quarantine SELECT {_lit(source.source_id)}, f.file_path, f.file_sha256, '', 0, '',
        '', coalesce(f.read_error_code, 'unreadable_file'),
        CASE WHEN starts_with(f.read_error, f.file_path) THEN f.read_error ELSE {loc}f.read_error END, ''
        FROM _rl_files f WHERE f.read_error IS NOT NULL""")
    conn.execute(f"""INSERT INTO _rl_dispositions SELECT {_lit(source.source_id)}, r.file_path, r.file_sha256, '',
        r.row_number, 'quarantined', 'unreadable file' FROM _rl_raw r WHERE r.read_error IS NOT NULL""")
    if source.spec_error:
        conn.execute(f"""INSERT INTO _rl_quarantine SELECT {_lit(source.source_id)}, f.file_path, f.file_sha256, '',
            0, '', '', 'invalid_source_spec', {loc}{_lit(spec_failure(source))}, ''
            FROM _rl_files f WHERE f.read_error IS NULL""")
        conn.execute(f"""INSERT INTO _rl_dispositions SELECT {_lit(source.source_id)}, r.file_path, r.file_sha256, '',
            r.row_number, 'quarantined', 'invalid source spec' FROM _rl_raw r WHERE r.read_error IS NULL""")


def _province_map(conn: duckdb.DuckDBPyConnection, registry: ProvinceRegistry) -> None:
    """Each distinct (boundary, province text) resolved once, like cells.resolve_province."""
    years = [int(y) for (y,) in conn.execute(
        "SELECT DISTINCT data_year FROM _rl_files WHERE read_error IS NULL ORDER BY 1").fetchall()]
    conn.execute("CREATE OR REPLACE TEMP TABLE _rl_boundary (data_year INTEGER, boundary VARCHAR)")
    if years:
        conn.executemany("INSERT INTO _rl_boundary VALUES (?, ?)", [[y, boundary_for_year(y)] for y in years])
    texts = conn.execute("""SELECT DISTINCT b.boundary, coalesce(r.province, '') FROM _rl_body r
        JOIN _rl_boundary b USING (data_year) ORDER BY 1, 2""").fetchall()
    rows = []
    for boundary, text in texts:
        res = registry.resolve(text, boundary=boundary)
        rows.append([boundary, text, res.code if res.ok else None, None if res.ok else f"{res.status}_province",
                     res.message, "; ".join(res.suggestions)])
    conn.execute("""CREATE OR REPLACE TEMP TABLE _rl_provinces (boundary VARCHAR, text VARCHAR, code VARCHAR,
        reason_code VARCHAR, reason VARCHAR, suggestions VARCHAR)""")
    if rows:
        conn.executemany("INSERT INTO _rl_provinces VALUES (?, ?, ?, ?, ?, ?)", rows)


def _conform_rows(conn: duckdb.DuckDBPyConnection, source: Source, registry: ProvinceRegistry) -> None:
    spec = source.spec
    sid = _lit(source.source_id)
    has_category, has_status = bool(spec.get("category_column")), bool(spec.get("status_column"))
    read = ["record_id", "province", "date", *(["category"] if has_category else []),
            *(["status"] if has_status else [])]
    all_null = " AND ".join(f"(r.{c} IS NULL OR trim(r.{c}) = '')" for c in read)
    # Rows of readable files with a value in a read column (the body); the empty ones above the first such row
    # are title/header rows, the later ones blank. (The loader stores titles and header with empty columns.)
    readable = "r.file_path IN (SELECT file_path FROM _rl_files WHERE read_error IS NULL)"
    conn.execute(f"""CREATE OR REPLACE TEMP VIEW _rl_body AS
        SELECT r.* FROM _rl_raw r WHERE {readable} AND NOT ({all_null})""")
    conn.execute(f"""INSERT INTO _rl_dispositions
        WITH firsts AS (SELECT file_path, min(row_number) AS first_value FROM _rl_body GROUP BY file_path)
        SELECT {sid}, r.file_path, r.file_sha256, '', r.row_number, 'structural',
               CASE WHEN x.first_value IS NULL OR r.row_number < x.first_value THEN 'title or header' ELSE 'blank' END
        FROM _rl_raw r LEFT JOIN firsts x USING (file_path) WHERE {readable} AND ({all_null})""")
    conn.execute("""CREATE OR REPLACE TEMP TABLE _rl_refs AS SELECT c.file_path, c.name, c.column_ref
        FROM meta.tabular_columns c JOIN _rl_files f ON f.file_path = c.file_path AND f.file_sha256 = c.file_sha256""")
    _repeats(conn, read)
    _province_map(conn, registry)
    # Categories as written -> measure, folded once per distinct text (not per row).
    categories = {fold(k): v for k, v in spec.get("categories", {}).items()}
    conn.execute("CREATE OR REPLACE TEMP TABLE _rl_categories (text VARCHAR, measure VARCHAR)")
    if has_category:
        texts = conn.execute("SELECT DISTINCT coalesce(category, '') FROM _rl_body").fetchall()
        mapped = [[t, categories[fold(t)]] for (t,) in texts if fold(t) in categories]
        if mapped:
            conn.executemany("INSERT INTO _rl_categories VALUES (?, ?)", mapped)
    formats = "[" + ", ".join(_lit(f) for f in DATE_FORMATS) + "]"
    status_check = (f"WHEN pii_fold(b.status) <> {_lit(fold(spec['counted_status']))} THEN 'not_counted_status'"
                    if has_status else "")
    category_checks = ("WHEN c.measure IS NULL THEN 'unknown_category'" if has_category else "")
    year_check = "WHEN year(b.parsed) <> b.data_year THEN 'wrong_year'" if has_category else ""
    measure = "c.measure" if has_category else _lit(spec["measure"])
    # Dates parsed once per distinct text (a year of records has a few hundred), then joined.
    conn.execute(f"""CREATE OR REPLACE TEMP TABLE _rl_dates AS
        SELECT text, CASE WHEN regexp_full_match(trim(text), '{DATE_SHAPE}')
                          THEN CAST(try_strptime(trim(text), {formats}) AS DATE) END AS parsed
        FROM (SELECT DISTINCT coalesce(date, '') AS text FROM _rl_body)""")
    conn.execute(f"""CREATE OR REPLACE TEMP VIEW _rl_outcome AS
        WITH b AS (
            SELECT r.*, bd.boundary, d.parsed
            FROM _rl_body r JOIN _rl_boundary bd USING (data_year)
            JOIN _rl_dates d ON d.text = coalesce(r.date, '')
            ANTI JOIN _rl_repeat_rows x ON x.file_path = r.file_path AND x.row_number = r.row_number)
        SELECT b.*, {measure} AS measure, p.code AS province_code, p.reason_code AS p_code, p.reason AS p_reason,
               p.suggestions AS p_suggestions,
               CASE {status_check} {category_checks}
                    WHEN b.parsed IS NULL THEN 'bad_date' {year_check}
                    WHEN p.code IS NULL THEN 'province' ELSE 'counted' END AS outcome
        FROM b LEFT JOIN _rl_categories c ON c.text = coalesce(b.{'category' if has_category else 'record_id'}, '')
        LEFT JOIN _rl_provinces p ON p.boundary = b.boundary AND p.text = coalesce(b.province, '')""")
    # The rows not counted are few: kept apart, so the classification above runs once more for the counted rows only.
    conn.execute("CREATE OR REPLACE TEMP TABLE _rl_problems AS SELECT * FROM _rl_outcome WHERE outcome <> 'counted'")
    ref = "(SELECT column_ref FROM _rl_refs x WHERE x.file_path = o.file_path AND x.name = '{}')"
    loc = "o.file_path || ', row ' || o.row_number || ', column ' || {} || ': ' || "
    entries = [
        ("unknown_category", "category",
         "'category ''' || coalesce(o.category, '') || ''' is not mapped in sources.yaml'", "''"),
        ("bad_date", "date", "'cannot read ''' || coalesce(o.date, '') || ''' as a date (expected dd/mm/yyyy)'", "''"),
        ("wrong_year", "date", "'filed in ' || year(o.parsed) || ', but the file is for data year ' || o.data_year",
         "''"),
        ("province", "province", "o.p_reason", "o.p_suggestions"),
    ]
    for outcome, column, message, suggestions in entries:
        code = "o.p_code" if outcome == "province" else _lit(outcome)
        raw = f"coalesce(o.{column}, '')"
        conn.execute(f"""INSERT INTO _rl_quarantine SELECT {sid}, o.file_path, o.file_sha256, '', o.row_number,
            {ref.format(column)}, {raw}, {code}, {loc.format(ref.format(column))}{message}, coalesce({suggestions}, '')
            FROM _rl_problems o WHERE o.outcome = '{outcome}'""")
    details = {"unknown_category": ("quarantined", "'unknown category'"),
               "bad_date": ("quarantined", "'bad date'"),
               "wrong_year": ("quarantined", "'date outside the data year'"),
               "province": ("quarantined", "'province not resolved'")}
    if has_status:
        details["not_counted_status"] = ("structural", "'status ''' || coalesce(o.status, '') || ''' is not counted'")
    for outcome, (disposition, detail) in details.items():
        conn.execute(f"""INSERT INTO _rl_dispositions SELECT {sid}, o.file_path, o.file_sha256, '', o.row_number,
            '{disposition}', {detail} FROM _rl_problems o WHERE o.outcome = '{outcome}'""")
    conn.execute(f"""INSERT INTO _rl_records SELECT {sid}, o.file_path, o.file_sha256, '', o.row_number,
        coalesce(o.record_id, ''), o.province_code, o.boundary, o.data_year, o.measure, o.data_year
        FROM _rl_outcome o WHERE o.outcome = 'counted'""")
    conn.execute(f"""INSERT INTO _rl_counts SELECT {sid}, f.file_path, f.file_sha256, 'counted', coalesce(o.n, 0)
        FROM _rl_files f LEFT JOIN (SELECT file_path, count(*) AS n FROM _rl_records GROUP BY file_path) o
             USING (file_path)
        WHERE f.read_error IS NULL""")


def _repeats(conn: duckdb.DuckDBPyConnection, read: list[str]) -> None:
    """duplicates.record_repeats in SQL: quarantine entries and dispositions of repeated record ids."""
    key = " || chr(31) || ".join(f"pii_fold(r.{c})" for c in sorted(read))
    conn.execute(f"""CREATE OR REPLACE TEMP TABLE _rl_repeat_rows AS
        WITH hashes AS (  -- ids whose hash repeats: a cheap first pass over every row (collisions only add work)
            SELECT hash(file_path, trim(record_id)) AS h FROM _rl_body WHERE trim(coalesce(record_id, '')) <> ''
            GROUP BY ALL HAVING count(*) > 1),
        ids AS (  -- record ids listed more than once: the folding below runs on these rows only
            SELECT r.file_path, trim(r.record_id) AS rid FROM _rl_body r
            SEMI JOIN hashes x ON x.h = hash(r.file_path, trim(r.record_id))
            GROUP BY ALL HAVING count(*) > 1),
        listed AS (
            SELECT r.file_path, r.file_sha256, r.row_number, ids.rid, {key} AS k
            FROM _rl_body r JOIN ids ON ids.file_path = r.file_path AND ids.rid = trim(r.record_id)),
        grouped AS (
            SELECT *, min(row_number) OVER w AS first_row FROM listed WINDOW w AS (PARTITION BY file_path, rid)),
        variants AS (SELECT file_path, rid, count(DISTINCT k) AS variants FROM listed GROUP BY ALL)
        SELECT g.*, v.variants FROM grouped g JOIN variants v USING (file_path, rid)
        WHERE v.variants > 1 OR g.row_number > g.first_row""")
    sid = "(SELECT any_value(source_id) FROM _rl_raw)"
    ref = "(SELECT column_ref FROM _rl_refs x WHERE x.file_path = d.file_path AND x.name = 'record_id')"
    loc = f"d.file_path || ', row ' || d.row_number || ', column ' || {ref} || ': ' || "
    conn.execute(f"""INSERT INTO _rl_quarantine SELECT {sid}, d.file_path, d.file_sha256, '', d.row_number, {ref},
        d.rid, 'duplicate_row', {loc}'record ''' || d.rid || ''' is already listed at row ' || d.first_row ||
        ' with the same values; counted once', ''
        FROM _rl_repeat_rows d WHERE d.variants = 1""")
    conn.execute(f"""INSERT INTO _rl_quarantine SELECT {sid}, d.file_path, d.file_sha256, '', d.row_number, {ref},
        d.rid, 'conflicting_duplicate', {loc}'record ''' || d.rid || ''' is also listed at row(s) ' ||
        (SELECT string_agg(CAST(o.row_number AS VARCHAR), ', ' ORDER BY o.row_number) FROM _rl_repeat_rows o
         WHERE o.file_path = d.file_path AND o.rid = d.rid AND o.row_number <> d.row_number) ||
        ' with different values; none of them is counted — keep one correct row', ''
        FROM _rl_repeat_rows d WHERE d.variants > 1""")
    conn.execute(f"""INSERT INTO _rl_dispositions SELECT {sid}, d.file_path, d.file_sha256, '', d.row_number,
        'quarantined', CASE WHEN d.variants = 1 THEN 'duplicate row' ELSE 'conflicting duplicate' END
        FROM _rl_repeat_rows d""")


def _outcome(conn: duckdb.DuckDBPyConnection) -> RecordOutcome:
    ((files, rows),) = conn.execute("SELECT count(*), coalesce(sum(raw_rows), 0) FROM _rl_files").fetchall()
    ((counted,),) = conn.execute("SELECT coalesce(sum(rows), 0) FROM _rl_counts").fetchall()
    ((quarantined,),) = conn.execute(
        "SELECT count(*) FROM _rl_dispositions WHERE disposition = 'quarantined'").fetchall()
    return RecordOutcome(int(files), int(rows), int(counted), int(quarantined))


def ensure_targets(conn: duckdb.DuckDBPyConnection) -> None:
    for schema in ("staging", "quarantine", "meta"):
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    for name, table in TARGETS.items():
        conn.execute(f"CREATE TABLE IF NOT EXISTS {table} ({DDL[name]})")


def store_records(conn: duckdb.DuckDBPyConnection, source: Source, file_paths: list[str] | None = None) -> None:
    """Replace the source's rows in the shared tables by the ``_rl_*`` tables, in one transaction.

    With ``file_paths`` only those files' rows (and rows of files that left ``raw.<source_id>``) are replaced;
    otherwise every row of the source.
    """
    ensure_targets(conn)
    conn.execute("BEGIN TRANSACTION")
    try:
        for name, table in TARGETS.items():
            if file_paths is None:
                conn.execute(f"DELETE FROM {table} WHERE source_id = ?", [source.source_id])
            else:
                conn.execute(f"""DELETE FROM {table} WHERE source_id = ?
                    AND (file_path IN (SELECT file_path FROM _rl_files)
                         OR file_path NOT IN (SELECT DISTINCT file_path FROM {raw_table(source.source_id)}))""",
                             [source.source_id])
            conn.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {name} ORDER BY {ORDER[name]}")
        # A small table nobody else rewrites: kept in a fixed order whatever order files were conformed in.
        conn.execute("CREATE OR REPLACE TABLE meta.disposition_counts AS SELECT * FROM meta.disposition_counts "
                     "ORDER BY source_id, file_path, disposition")
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
