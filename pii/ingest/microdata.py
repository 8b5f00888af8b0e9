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

from dataclasses import dataclass

import duckdb

from pii.catalog import Measure, Source, load_measures
from pii.ingest.landing import LandingFile
from pii.ingest.microdata_aggregate import aggregate, describe_rule
from pii.ingest.microdata_checks import problems, province_mapping
from pii.ingest.microdata_filter import quote_text as qt
from pii.ingest.microdata_spec import parse_spec
from pii.ingest.set_based import raw_columns_for
from pii.ingest.tabular import TabularLoad, file_table_ddl, load_tabular
from pii.provinces import ProvinceRegistry

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
RAW_TEMP = "_md_raw"  # one landing file's records, read by conform_landing_file; never stored
__all__ = ["MicrodataOutcome", "conform_landing_file", "conform_microdata", "describe_rule", "ensure_targets",
           "remove_files", "store_microdata"]


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
    province_mapping(conn, spec, registry)
    problems(conn, spec, raw_table)  # _md_bad, _md_structural (title, header, blank lines), _md_excluded
    conn.execute(f"""INSERT INTO _md_dispositions
        SELECT {sid}, s.file_path, f.file_sha256, '', s.row_number, 'structural', 'title, header or blank line'
        FROM _md_structural s JOIN _md_files f USING (file_path)""")
    conn.execute(f"""INSERT INTO _md_quarantine
        SELECT {sid}, b.file_path, f.file_sha256, '', b.* EXCLUDE (file_path)
        FROM _md_bad b JOIN _md_files f USING (file_path)""")
    conn.execute(f"""INSERT INTO _md_dispositions
        SELECT {sid}, b.file_path, any_value(f.file_sha256), '', b.row_number, 'quarantined',
               string_agg(DISTINCT b.reason_code, ', ' ORDER BY b.reason_code)
        FROM _md_bad b JOIN _md_files f USING (file_path) GROUP BY b.file_path, b.row_number""")
    aggregate(conn, spec, sid, catalog)
    conn.execute(f"""INSERT INTO _md_disposition_counts
        SELECT {sid}, f.file_path, f.file_sha256, 'counted', coalesce(sum(a._counted), 0)
        FROM _md_files f LEFT JOIN _md_agg a USING (file_path)
        WHERE f.read_error IS NULL GROUP BY ALL""")
    return _outcome(conn)


def conform_landing_file(conn: duckdb.DuckDBPyConnection, source: Source, landing_file: LandingFile,
                         registry: ProvinceRegistry) -> tuple[MicrodataOutcome, TabularLoad]:
    """Read one landing file into the temporary table :data:`RAW_TEMP` (replacing what it held) and conform it
    into the ``_md_*`` tables; the caller stores them (:func:`store_microdata`). An unreadable file is one error
    row there, quarantined at file level; this never raises for a bad file."""
    columns = raw_columns_for(source)
    conn.execute(f"CREATE OR REPLACE TEMP TABLE {RAW_TEMP} ({file_table_ddl(source, landing_file, columns)})")
    load = load_tabular(conn, source, landing_file, columns, table=RAW_TEMP)
    return conform_microdata(conn, source, registry, raw_table=RAW_TEMP), load


def remove_files(conn: duckdb.DuckDBPyConnection, source: Source, file_paths: list[str],
                 targets: dict[str, str] | None = None) -> None:
    """Delete the rows of ``file_paths`` (files that left the landing folder) from the target tables."""
    targets = targets or TARGETS
    ensure_targets(conn, targets)
    conn.execute("BEGIN TRANSACTION")
    for table in targets.values():
        conn.execute(f"DELETE FROM {table} WHERE source_id = ? AND file_path IN (SELECT unnest(?::VARCHAR[]))",
                     [source.source_id, file_paths])
    conn.execute("COMMIT")


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

    With ``file_paths`` only the rows of the files just conformed (``_md_files``) are replaced (files that left
    the landing folder: :func:`remove_files`); otherwise every row of the source. Rows are inserted in a fixed
    order (deterministic tables).
    """
    targets = targets or TARGETS
    ensure_targets(conn, targets)
    conn.execute("BEGIN TRANSACTION")
    try:
        for name, table in targets.items():
            if file_paths is None:
                conn.execute(f"DELETE FROM {table} WHERE source_id = ?", [source.source_id])
            else:
                conn.execute(f"DELETE FROM {table} WHERE source_id = ? "
                             "AND file_path IN (SELECT file_path FROM _md_files)", [source.source_id])
            conn.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {name} ORDER BY {ORDER[name]}")
        for name in ("_md_observations", "_md_disposition_counts"):  # small: kept in one order, whatever ran first
            table = targets[name]
            conn.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM {table} "
                         f"ORDER BY source_id, {ORDER[name]}")
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
