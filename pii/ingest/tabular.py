"""Set-based reading of large tabular landing files (record lists as CSV, microdata as CSV or Parquet) by DuckDB.

No row passes through Python: one landing file is read by ``read_csv`` (all columns as text, the delimiter,
quote and encoding decided from the file's first bytes) or ``read_parquet`` into ``raw.<source_id>``:

    source_id, data_year, file_path, file_sha256, row_number BIGINT, <one VARCHAR per logical column>,
    read_error, read_error_code

``row_number`` is the record index in the file, the first line being row 1 (the numbering of the cell-level
adapters: with one title line the header is row 2 and the first record row 3; a Parquet file has no stored
header row and its first record is row 2). Raw keeps only the
columns the spec reads (logical name -> header label); the other columns of a 50-column microdata file stay
in the landing file, found again by file_path + file_sha256 + row_number.

Rows above and at the header of a CSV (title lines, the header) are kept as raw rows with empty columns so
each can be disposed; blank lines are not records (DuckDB skips them). Where each logical column was found
(column letter for CSV, column name for Parquet) is kept per file in ``meta.tabular_columns``: quarantine
messages name the column a person opens. A source whose spec is invalid is loaded with no columns (one raw
row per line / record), to be quarantined whole.

A file that cannot be read (broken quote, wrong delimiter, wrong encoding, truncated last line, a header label
the spec reads missing or repeated, a reading limit) becomes ONE raw row with ``row_number`` 0, NULL columns
and ``read_error`` naming the file and the first bad line; ``read_error_code`` is a results.REASON_CODES code
(``unreadable_file``, ``missing_column``, ``duplicate_header``, ``limit_exceeded``). The conform step
quarantines it at file level, exactly like the cell-level raw tables' error rows. Nothing here raises for a bad
file.

Encodings: DuckDB reads UTF-8 (a BOM is skipped); a file in any other encoding (pii/parsing/encodings.py decides
on the first bytes: UTF-16, cp1258, cp1252) is transcoded streaming to a temporary NFC UTF-8 file first. A byte
the detected encoding cannot decode later in the file is an error naming its line.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pii.catalog import Source
from pii.db_layout import drop_if_layout_differs
from pii.ingest import read_limits
from pii.ingest.cells import column_letter
from pii.ingest.landing import LandingFile
from pii.ingest.tabular_files import Dialect, TabularReadError, parquet_dialect, readable_file, sql_ident, sql_lit

FIXED_COLUMNS = ("source_id", "data_year", "file_path", "file_sha256", "row_number")
TAIL_COLUMNS = ("read_error", "read_error_code")
# Where each logical column was found in each file (column letter for CSV, column name for Parquet): quarantine
# entries name the column a person opens, and the raw table keeps only logical names.
COLUMNS_DDL = """CREATE TABLE IF NOT EXISTS meta.tabular_columns (
    source_id VARCHAR, file_path VARCHAR, file_sha256 VARCHAR, name VARCHAR, column_ref VARCHAR)"""
@dataclass(frozen=True)
class TabularLoad:
    """What :func:`load_tabular` stored for one file."""

    source_id: str
    file_path: str
    file_sha256: str | None
    rows: int  # raw rows written for the file (1 for an unreadable file: its error row)
    read_error: str | None = None  # the message of the error row (starts with the file path), None when read
    read_error_code: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.read_error is None


def raw_table(source_id: str) -> str:
    return f"raw.{source_id}"


def raw_columns(columns: dict[str, str]) -> list[str]:
    """The column names of ``raw.<source_id>`` for the logical ``columns``, in table order."""
    return [*FIXED_COLUMNS, *columns, *TAIL_COLUMNS]


def ensure_raw_table(conn: duckdb.DuckDBPyConnection, source_id: str, columns: dict[str, str]) -> None:
    """Create ``raw.<source_id>`` for ``columns``; a table of another layout (older build, cell-level raw) is
    dropped so every file is loaded again rather than failing on insert."""
    conn.execute("CREATE SCHEMA IF NOT EXISTS raw")
    table = raw_table(source_id)
    drop_if_layout_differs(conn, table, raw_columns(columns))
    conn.execute("CREATE SCHEMA IF NOT EXISTS meta")
    conn.execute(COLUMNS_DDL)
    conn.execute(f"CREATE TABLE IF NOT EXISTS {table} ({raw_columns_ddl(columns)})")


def raw_columns_ddl(columns: dict[str, str]) -> str:
    """The column list of a raw table of ``columns`` (for ``CREATE [TEMP] TABLE name (...)``)."""
    logical = "".join(f", {sql_ident(c)} VARCHAR" for c in columns)
    return (f"source_id VARCHAR, data_year INTEGER, file_path VARCHAR, file_sha256 VARCHAR, row_number BIGINT"
            f"{logical}, read_error VARCHAR, read_error_code VARCHAR")


def file_table_ddl(source: Source, f: LandingFile, columns: dict[str, str]) -> str:
    """The column list of a table that holds the rows of ``f`` alone (a staging step's temporary table): the raw
    layout, but the file's provenance columns are generated constants, computed when read and never stored
    (storing four constant text columns was a quarter of loading a million-row file; scans read less too)."""
    logical = "".join(f", {sql_ident(c)} VARCHAR" for c in columns)
    return (f"source_id VARCHAR AS ({sql_lit(source.source_id)}), data_year INTEGER AS ({int(f.data_year)}), "
            f"file_path VARCHAR AS ({sql_lit(f.rel_path)}), file_sha256 VARCHAR AS ({sql_lit(f.sha256 or '')}), "
            f"row_number BIGINT{logical}, read_error VARCHAR, read_error_code VARCHAR")


def load_tabular(
    conn: duckdb.DuckDBPyConnection, source: Source, landing_file: LandingFile, columns: dict[str, str],
    table: str | None = None,
) -> TabularLoad:
    """Replace ``landing_file``'s rows in ``raw.<source_id>`` (or in ``table``, a table for this file alone that
    the caller created with :func:`file_table_ddl`, e.g. a temporary table) with the file read by DuckDB (one
    transaction).

    ``columns`` maps logical column names (the raw table's column names, e.g. ``province``) to header labels
    as the spec writes them (matched ignoring case, diacritics and spacing, cells.fold). The file's previous
    rows are deleted first. A file that cannot be read is stored as one error row (see the module docstring)
    and reported in the returned :class:`TabularLoad`; this never raises for a bad file. The caller logs
    ``meta.file_versions``.
    """
    started = time.perf_counter()
    one_file = table is not None
    if table is None:
        ensure_raw_table(conn, source.source_id, columns)
        table = raw_table(source.source_id)
    else:
        conn.execute("CREATE SCHEMA IF NOT EXISTS meta")
        conn.execute(COLUMNS_DDL)
    stored = f"{table} (row_number{''.join(f', {sql_ident(c)}' for c in columns)}, read_error, read_error_code)"
    error: TabularReadError | None = None
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.execute(f"DELETE FROM {table} WHERE file_path = ?", [landing_file.rel_path])
        if landing_file.error:
            raise TabularReadError(_named(landing_file, landing_file.error), landing_file.error_code)
        conn.execute("DELETE FROM meta.tabular_columns WHERE source_id = ? AND file_path = ?",
                     [source.source_id, landing_file.rel_path])
        with readable_file(landing_file, columns) as (path, dialect):
            selects, refs, first = _select_sql(conn, source, landing_file, path, dialect, columns, one_file)
            for select in selects:
                conn.execute(f"INSERT INTO {stored if one_file else table} {select}")
        if first is not None:  # records inserted unnumbered, in file order: numbered from their row ids
            conn.execute(f"UPDATE {table} SET row_number = rowid - (SELECT min(rowid) FROM {table} WHERE "
                         f"file_path = $path AND row_number IS NULL) + {first} "
                         "WHERE file_path = $path AND row_number IS NULL", {"path": landing_file.rel_path})
        if refs:
            conn.executemany("INSERT INTO meta.tabular_columns VALUES (?, ?, ?, ?, ?)",
                             [[source.source_id, landing_file.rel_path, landing_file.sha256, name, ref]
                              for name, ref in refs.items()])
        # A few rows per file, kept in a fixed order whatever order files were loaded in (deterministic tables).
        conn.execute("CREATE OR REPLACE TABLE meta.tabular_columns AS SELECT * FROM meta.tabular_columns "
                     "ORDER BY source_id, file_path, name")
        conn.execute("COMMIT")
    except TabularReadError as exc:
        conn.execute("ROLLBACK")
        error = exc
    except (duckdb.Error, OSError, UnicodeError, ValueError) as exc:
        conn.execute("ROLLBACK")
        code = "limit_exceeded" if "Maximum line size" in str(exc) else "unreadable_file"
        error = TabularReadError(_named(landing_file, _duckdb_message(exc)), code)
    if error is not None:
        _store_error(conn, table, source, landing_file, columns, str(error), error.code, one_file)
        return TabularLoad(source.source_id, landing_file.rel_path, landing_file.sha256, 1, str(error), error.code,
                           time.perf_counter() - started)
    ((rows,),) = conn.execute(f"SELECT count(*) FROM {table} WHERE file_path = ?", [landing_file.rel_path]).fetchall()
    return TabularLoad(source.source_id, landing_file.rel_path, landing_file.sha256, int(rows),
                       seconds=time.perf_counter() - started)


# ---------------------------------------------------------------------------------------------- internals

CSV_ERROR_LINE = re.compile(r"CSV Error on Line: (\d+)")


def _named(f: LandingFile, message: str) -> str:
    if message.startswith(f.rel_path):
        return message
    return f"{f.rel_path}, {message}" if message.startswith("line ") else f"{f.rel_path}: {message}"


def _duckdb_message(exc: BaseException) -> str:
    """DuckDB's error without its option dump; a CSV error becomes 'line N: ...' (the first bad line)."""
    text = str(exc).strip()
    lines = text.splitlines()
    cut = next((i for i, ln in enumerate(lines) if ln.startswith(("Possible fixes", "Possible Solution"))), len(lines))
    body = [ln.strip() for ln in lines[:cut] if ln.strip()]
    match = CSV_ERROR_LINE.search(text)
    if not match:
        return " ".join(body)[:600] or type(exc).__name__
    reason = body[-1] if len(body) > 1 else "malformed record"
    line = int(match.group(1))
    out = f"line {line}: cannot read the CSV record starting on this line ({reason})"
    if "unterminated quote" in reason:
        out += ("; a quoted field on this line is never closed, or holds a quote that is not doubled (\"\"). "
                "Is a closing quote (\") missing?")
    elif "Expected Number of Columns" in reason:
        out += "; is the line cut short (a truncated file?) or split on another delimiter than the header?"
    elif "Maximum line size" in reason:
        out += (f"; the reading limit is {read_limits.MAX_ROW_CHARS:,} characters per line "
                f"({read_limits.MAX_ROW_CHARS * 4:,} bytes); nothing of the file is read")
    elif "unicode" in reason.lower():
        out += "; the file mixes encodings: save it again as UTF-8"
    return out


def _store_error(conn: duckdb.DuckDBPyConnection, table: str, source: Source, f: LandingFile,
                 columns: dict[str, str], message: str, code: str, one_file: bool = False) -> None:
    nulls = "".join(", NULL" for _ in columns)
    conn.execute("BEGIN TRANSACTION")
    conn.execute(f"DELETE FROM {table} WHERE file_path = ?", [f.rel_path])
    if one_file:  # the provenance columns are the table's generated constants
        conn.execute(f"INSERT INTO {table} (row_number, read_error, read_error_code) VALUES (0, ?, ?)", [message, code])
    else:
        conn.execute(f"INSERT INTO {table} VALUES (?, ?, ?, ?, 0{nulls}, ?, ?)",
                     [source.source_id, f.data_year, f.rel_path, f.sha256, message, code])
    conn.execute("COMMIT")


def _select_sql(conn: duckdb.DuckDBPyConnection, source: Source, f: LandingFile, path: Path, dialect: Dialect,
                columns: dict[str, str], one_file: bool = False) -> tuple[list[str], dict[str, str], int | None]:
    """INSERT bodies (SELECT ...) producing the raw rows of one file in file order (``one_file``: for a table of
    :func:`file_table_ddl`, without the provenance columns), each column's reference, and the row number of the
    first record when the records of a text file are selected unnumbered, to be numbered from the row ids they
    get in the loading transaction (appended in file order, as ``row_number() OVER ()`` would number them, but
    that runs in one thread: a third of reading a million-row CSV)."""
    fixed = "" if one_file else \
        f"{sql_lit(source.source_id)}, {int(f.data_year)}, {sql_lit(f.rel_path)}, {sql_lit(f.sha256 or '')}, "
    if dialect.fmt == "parquet_rows":  # invalid spec: one raw row per record, nothing read
        nulls = "".join(", NULL" for _ in columns)
        return [f"SELECT {fixed}file_row_number + 2{nulls}, NULL, NULL "
                f"FROM read_parquet({sql_lit(str(path))}, file_row_number = true)"], {}, None
    if dialect.fmt == "parquet":
        dialect = parquet_dialect(conn, path, f, columns)
        picked = ", ".join(f"CAST({sql_ident(col)} AS VARCHAR) AS {sql_ident(name)}" for name, col in dialect.names)
        # No ORDER BY: with preserve_insertion_order (DuckDB's default) the rows arrive in file order anyway, and
        # sorting a million-row file cost a third of its read.
        select = (f"SELECT {fixed}file_row_number + 2, {picked}, NULL, NULL "
                  f"FROM read_parquet({sql_lit(str(path))}, file_row_number = true)")
        return [select], dict(dialect.names), None
    if dialect.fmt == "lines":
        reader = (f"read_csv({sql_lit(str(path))}, header = false, delim = '\x1f', quote = '', escape = '', "
                  "auto_detect = false, strict_mode = false, null_padding = true, encoding = 'utf-8', "
                  f"columns = {{'c0': 'VARCHAR'}}, max_line_size = {read_limits.MAX_ROW_CHARS * 4})")
        return [f"SELECT {fixed}NULL, NULL, NULL FROM {reader}"], {}, 1
    by_name = dict(dialect.indexes)
    names = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(dialect.width))
    # NFC like every text the cell-level readers decode (a name typed in decomposed Unicode compares equal).
    picked = ", ".join(f"nfc_normalize(c{by_name[name]}) AS {sql_ident(name)}" for name in columns)
    nulls = ", ".join("NULL" for _ in columns)
    reader = (f"read_csv({sql_lit(str(path))}, header = false, skip = {dialect.header_row}, "
              f"delim = {sql_lit(dialect.delimiter)}, quote = '\"', escape = '\"', auto_detect = false, "
              f"strict_mode = true, null_padding = false, encoding = 'utf-8', columns = {{{names}}}, "
              f"max_line_size = {read_limits.MAX_ROW_CHARS * 4})")
    titles = (f"SELECT {fixed}n, {nulls}, NULL, NULL FROM range(1, {dialect.header_row + 1}) t(n)")
    body = (f"SELECT {fixed}NULL, {picked}, NULL, NULL FROM {reader}")
    return [titles, body], {name: column_letter(index) for name, index in dialect.indexes}, dialect.header_row + 1
