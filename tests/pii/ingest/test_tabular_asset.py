"""The Dagster wiring of a set-based record list: raw/ipvn_applications (DuckDB reader), staging/ipvn_applications
(conform in SQL, incremental per file), then the cell-level ``conformed`` step, whose row_conservation check
reconciles the set-based files with their counts; a replaced file's earlier quarantine entries disappear."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from assets.raw.sources import raw_assets
from assets.staging.conformed import conformed
from assets.staging.tabular import tabular_assets
from pipelines.resources import PiiPaths

HEAD = "Danh sách đơn – kiểm thử\nSố đơn,Loại đơn,Ngày nộp đơn,Người nộp đơn,Tỉnh/Thành phố\n"


def _write(landing: Path, year: int, body: str) -> None:
    path = landing / str(year) / "ipvn" / f"don_dang_ky_shcn_{year}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEAD + body, encoding="utf-8")


def _run(db: Path) -> dg.ExecuteInProcessResult:
    raw = next(a for a in raw_assets if a.key == dg.AssetKey(["raw", "ipvn_applications"]))
    staging = next(a for a in tabular_assets if a.key == dg.AssetKey(["staging", "ipvn_applications"]))
    paths = PiiPaths(landing_dir=str(db.parent / "landing"), warehouse_path=str(db.parent / "w.duckdb"))
    return dg.materialize([raw, staging, conformed], resources={"duckdb": DuckDBResource(database=str(db)),
                                                                "paths": paths})


def test_set_based_record_list_through_dagster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    landing = tmp_path / "landing"
    monkeypatch.setenv("PII_LANDING_DIR", str(landing))
    _write(landing, 2023, "1-2023-1,Sáng chế,05/01/2023,A,Hà Nội\n1-2023-2,Nhãn hiệu,05/01/2023,B,Hà Nộii\n")
    _write(landing, 2024, "1-2024-1,Sáng chế,05/01/2024,A,Hà Nội\n1-2024-2,Nhãn hiệu,31/02/2024,B,Huế\n")
    db = tmp_path / "build.duckdb"

    first = _run(db)
    assert first.success
    checks = {c.check_name: c.passed for c in first.get_asset_check_evaluations()}
    assert checks == {"row_conservation": True}
    with duckdb.connect(str(db), read_only=True) as conn:
        assert conn.execute("SELECT file_path, reason_code FROM quarantine.rows WHERE source_id = 'ipvn_applications' "
                            "ORDER BY 1").fetchall() == [
            ("2023/ipvn/don_dang_ky_shcn_2023.csv", "unknown_province"),
            ("2024/ipvn/don_dang_ky_shcn_2024.csv", "bad_date")]
        assert conn.execute("SELECT count(*) FROM staging.record_rows").fetchall() == [(2,)]

    _write(landing, 2024, "1-2024-1,Sáng chế,05/01/2024,A,Hà Nội\n1-2024-2,Nhãn hiệu,28/02/2024,B,Huế\n")
    second = _run(db)
    assert second.success and all(c.passed for c in second.get_asset_check_evaluations())
    meta = next(e.materialization.metadata for e in second.get_asset_materialization_events()
                if e.asset_key == dg.AssetKey(["staging", "ipvn_applications"]))
    assert meta["files_conformed"].value == 1  # only the replaced file
    with duckdb.connect(str(db), read_only=True) as conn:
        assert conn.execute("SELECT file_path, reason_code FROM quarantine.rows "
                            "WHERE source_id = 'ipvn_applications'").fetchall() == [
            ("2023/ipvn/don_dang_ky_shcn_2023.csv", "unknown_province")]
        assert conn.execute("SELECT count(*) FROM staging.record_rows").fetchall() == [(3,)]
        assert conn.execute("SELECT file_path, status FROM meta.landing_files ORDER BY 1").fetchall()[0][0] == (
            "2023/ipvn/don_dang_ky_shcn_2023.csv")
