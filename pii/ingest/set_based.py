"""Which sources are read set-based (pii/ingest/tabular.py) and how each kind conforms them in DuckDB.

A source is set-based when it is ``microdata`` (CSV or Parquet), or a ``record_list`` shipped as CSV or
Parquet; the xlsx record list (a small registry) stays on the cell-level adapters. The raw asset of a
set-based source loads its files with :func:`tabular.load_tabular`; its staging asset
(assets/staging/tabular.py) conforms them with :func:`conform_and_store` into the shared tables, per file.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from pii.catalog import Source
from pii.provinces import ProvinceRegistry

SET_BASED_FORMATS = ("csv", "parquet")


@dataclass(frozen=True)
class SetBasedOutcome:
    files: int
    rows: int
    counted: int
    quarantined: int


def is_set_based(source: Source) -> bool:
    return source.kind == "microdata" or (source.kind == "record_list" and source.format in SET_BASED_FORMATS)


def raw_columns_for(source: Source) -> dict[str, str]:
    """Logical column -> header label that ``raw.<source_id>`` keeps; {} for a source whose spec is invalid
    (its files are then stored line by line, to be quarantined whole with every line disposed)."""
    if source.spec_error:
        return {}
    try:
        if source.kind == "microdata":
            from pii.ingest.microdata_spec import parse_spec

            return parse_spec(source.spec).labels()
        from pii.ingest.tabular_records import record_columns

        return record_columns(source)
    except (KeyError, ValueError, TypeError):  # an entry the validator let through but the kind cannot use
        return {}


def conform_and_store(
    conn: duckdb.DuckDBPyConnection, source: Source, registry: ProvinceRegistry, file_paths: list[str] | None = None,
) -> SetBasedOutcome:
    """Conform a record list's files (all, or ``file_paths`` plus files that left raw) and replace their rows in
    the shared tables (staging.record_rows, quarantine.rows, meta.row_dispositions, meta.disposition_counts) in
    one transaction. Microdata is read and conformed file by file from the landing folder instead
    (pii/ingest/microdata.py ``conform_landing_file``)."""
    if source.kind == "microdata":
        raise ValueError(f"{source.source_id}: microdata is conformed by conform_landing_file, not from raw")
    from pii.ingest.tabular_records import conform_record_files, store_records

    rl = conform_record_files(conn, source, registry, file_paths)
    store_records(conn, source, file_paths)
    return SetBasedOutcome(rl.files, rl.rows, rl.counted, rl.quarantined)
