"""One failing file or source never stops the others, and nothing of it is dropped silently.

An adapter that raises on one file: that file is quarantined ``adapter_error`` (naming the file and the
exception; traceback to the log) with every raw row disposed, and the other files are staged. In the
``conformed`` step, a source whose raw table cannot be read is reported and the other sources conform.
A raw asset keeps going past a file it cannot read or store.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest
from dagster_duckdb import DuckDBResource

from assets.raw.sources import sync_raw_table
from assets.staging.conformed import conformed
from pii.catalog import Source, load_sources
from pii.ingest import conform
from pii.ingest.conform import RAW_SCHEMA, conform_raw, read_raw
from pii.ingest.grid import GridRow
from pii.ingest.landing import LandingFile, find_files
from pii.ingest.results import ConformResult, FileContext
from pii.ingest.set_based import is_set_based
from pii.provinces import ProvinceRegistry, default_registry
from pipelines.resources import PiiPaths

PAPI = load_sources()["papi"]
BROKEN = "2023/papi/papi_2023.csv"


def _papi_landing(root: Path) -> Path:
    landing = root / "landing"
    for year, value in ((2023, "6.12"), (2024, "6.30")):
        (landing / f"{year}" / "papi").mkdir(parents=True)
        (landing / f"{year}" / "papi" / f"papi_{year}.csv").write_text(
            f"Chỉ số PAPI {year}\nSTT,Tỉnh/Thành phố,Quản trị môi trường\n1,Hà Nội,{value}\n2,Đà Nẵng,5.5\n",
            encoding="utf-8")
    return landing


def _raw(landing: Path) -> pl.DataFrame:
    return pl.concat([read_raw(PAPI, f) for f in find_files(landing, PAPI)])


@pytest.fixture
def adapter_breaks_on_one_file(monkeypatch: pytest.MonkeyPatch) -> None:
    real = conform.ADAPTERS["survey_index"]

    def flaky(source: Source, ctx: FileContext, rows: list[GridRow], registry: ProvinceRegistry) -> ConformResult:
        if ctx.file_path == BROKEN:
            raise KeyError("Quản trị môi trường")
        return real(source, ctx, rows, registry)

    monkeypatch.setitem(conform.ADAPTERS, "survey_index", flaky)


@pytest.mark.usefixtures("adapter_breaks_on_one_file")
def test_adapter_error_quarantines_that_file_only(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    raw = _raw(_papi_landing(tmp_path))
    with caplog.at_level(logging.ERROR, logger="pii.ingest.conform"):
        result = conform_raw(PAPI, raw, default_registry())

    [entry] = result.quarantine
    assert (entry["file_path"], entry["reason_code"], entry["sheet"], entry["row_number"], entry["column_ref"]) == (
        BROKEN, "adapter_error", "", 0, "")
    assert entry["reason"].startswith(f"{BROKEN}: the survey_index adapter failed on this file (KeyError: ")
    assert "Quản trị môi trường" in entry["reason"]
    assert [(o["file_path"], o["province_code"], o["value"]) for o in result.observations] == [
        ("2024/papi/papi_2024.csv", "01", 6.3), ("2024/papi/papi_2024.csv", "48", 5.5)]
    # Row conservation: every raw row of both files has exactly one disposition.
    disposed = Counter((d["file_path"], d["row_number"]) for d in result.dispositions)
    assert disposed == Counter(raw.select("file_path", "row_number").rows())
    assert {d["disposition"] for d in result.dispositions if d["file_path"] == BROKEN} == {"quarantined"}
    # The traceback goes to the log, naming the file.
    [record] = [r for r in caplog.records if BROKEN in r.getMessage()]
    assert record.exc_info is not None and record.exc_info[0] is KeyError


def test_without_the_fault_both_files_are_staged(tmp_path: Path) -> None:
    """Control for the test above: the same files conform fully when the adapter does not raise."""
    result = conform_raw(PAPI, _raw(_papi_landing(tmp_path)), default_registry())
    assert result.quarantine == [] and len(result.observations) == 4


def test_unreadable_raw_table_does_not_stop_other_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only raw.papi exists: the 15 other sources are reported by name; papi is conformed; rows are conserved."""
    landing = _papi_landing(tmp_path)
    monkeypatch.setenv("PII_LANDING_DIR", str(landing))
    db = tmp_path / "build.duckdb"
    with duckdb.connect(str(db)) as conn:
        sync_raw_table(conn, PAPI, find_files(landing, PAPI), "setup")

    result = dg.materialize([conformed], resources={
        "duckdb": DuckDBResource(database=str(db)),
        "paths": PiiPaths(landing_dir=str(landing), warehouse_path=str(tmp_path / "w.duckdb"))})

    assert result.success
    [check] = result.get_asset_check_evaluations()
    assert check.check_name == "row_conservation" and check.passed
    with duckdb.connect(str(db), read_only=True) as conn:
        staged = conn.execute("SELECT file_path, province_code, value FROM staging.cell_observations "
                              "ORDER BY ALL").fetchall()
        reported = conn.execute("SELECT source_id, file_path, reason FROM quarantine.rows "
                                "WHERE reason_code = 'adapter_error' ORDER BY source_id").fetchall()
    assert staged == [("2023/papi/papi_2023.csv", "01", 6.12), ("2023/papi/papi_2023.csv", "48", 5.5),
                      ("2024/papi/papi_2024.csv", "01", 6.3), ("2024/papi/papi_2024.csv", "48", 5.5)]
    # Set-based sources (pii/ingest/set_based.py) are conformed by their own assets, which report a missing raw table.
    assert [s for s, _, _ in reported] == sorted(s for s, src in load_sources().items()
                                                 if s != "papi" and not is_set_based(src))
    source, path, reason = reported[0]
    assert path == f"raw.{source}"
    assert f"source '{source}': its raw table could not be read (CatalogException: " in reason


def test_raw_asset_keeps_going_past_a_file_it_cannot_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    landing = _papi_landing(tmp_path)
    real = read_raw

    def failing(source: Source, landing_file: LandingFile) -> pl.DataFrame:
        if landing_file.rel_path == BROKEN:
            raise MemoryError("reader ran out of memory")
        return real(source, landing_file)

    monkeypatch.setattr("assets.raw.sources.read_raw", failing)
    with duckdb.connect(str(tmp_path / "build.duckdb")) as conn:
        counts = sync_raw_table(conn, PAPI, find_files(landing, PAPI), "run-1")
        rows = conn.execute("SELECT file_path, row_number, read_error, read_error_code FROM raw.papi "
                            "ORDER BY file_path, row_number").fetchall()
    assert counts == {"added": 2, "replaced": 0, "removed": 0, "unchanged": 0}
    assert rows[0] == (BROKEN, 0, f"{BROKEN}: reading failed (MemoryError: reader ran out of memory)",
                       "unreadable_file")
    assert [(f, n) for f, n, _, _ in rows[1:]] == [("2024/papi/papi_2024.csv", n) for n in range(1, 5)]


def test_raw_table_of_an_older_layout_is_rebuilt(tmp_path: Path) -> None:
    """A raw table written before read_error_code existed is reloaded from the files, not a failed insert."""
    landing = _papi_landing(tmp_path)
    with duckdb.connect(str(tmp_path / "build.duckdb")) as conn:
        conn.execute("CREATE SCHEMA raw")
        conn.execute("CREATE TABLE raw.papi (source_id VARCHAR, data_year INTEGER, file_path VARCHAR, "
                     "file_sha256 VARCHAR, sheet VARCHAR, row_number BIGINT, cells VARCHAR[], cell_types VARCHAR[], "
                     "read_error VARCHAR)")
        conn.execute("INSERT INTO raw.papi VALUES ('papi', 2023, ?, 'old', '', 1, [], [], NULL)", [BROKEN])
        counts = sync_raw_table(conn, PAPI, find_files(landing, PAPI), "run-2")
        rows = conn.execute("SELECT count(*), count(DISTINCT file_path) FROM raw.papi").fetchone()
        columns = [c for (c,) in conn.execute("SELECT column_name FROM information_schema.columns "
                                               "WHERE table_name = 'papi' ORDER BY ordinal_position").fetchall()]
    assert counts["added"] == 2 and rows == (8, 2)
    assert columns == list(RAW_SCHEMA)
