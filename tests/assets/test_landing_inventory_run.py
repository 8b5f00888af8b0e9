"""A real Dagster run over a landing folder holding a good file, a copy, files for 2005 and 2031 and the
sample's notes: every file is in meta.landing_files with its status, and the good file still stages."""

from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from assets.raw.sources import raw_assets
from assets.reference.tables import reference_assets
from assets.staging.conformed import conformed
from assets.staging.measures import measure_observations, measure_values
from pipelines.resources import PiiPaths

PAPI = "Chỉ số PAPI năm {year}\nSTT,Tỉnh/Thành phố,Quản trị môi trường\n1,Hà Nội,6.12\n2,Hải Phòng,5.20\n"
FILES = {
    "2024/papi/papi_2024.csv": PAPI.format(year=2024),
    "2024/papi/papi_2024 (1).csv": PAPI.format(year=2024).replace("6.12", "6.50"),
    "2005/papi/papi_2005.csv": PAPI.format(year=2005),
    "2031/dti/dti_2031.csv": "DTI 2031\nSTT,Tỉnh/Thành phố,Hạ tầng số,Chính quyền số\n1,Hà Nội,0.61,0.58\n",
    "2024/bnv/par_index_2023.csv": "PAR 2023\nSTT,Tỉnh/Thành phố,Chỉ số CCHC (%)\n1,Hà Nội,88.1\n",
    "README.txt": "synthetic sample",
}


def test_every_landing_file_is_registered_and_the_run_succeeds(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    landing = tmp_path / "landing"
    for rel, text in FILES.items():
        (landing / rel).parent.mkdir(parents=True, exist_ok=True)
        (landing / rel).write_text(text, encoding="utf-8")
    monkeypatch.setenv("PII_LANDING_DIR", str(landing))
    db = tmp_path / "build.duckdb"
    paths = PiiPaths(landing_dir=str(landing), warehouse_path=str(tmp_path / "w.duckdb"))
    result = dg.materialize([*reference_assets, *raw_assets, conformed, measure_observations, measure_values],
                            resources={"duckdb": DuckDBResource(database=str(db)), "paths": paths},
                            raise_on_error=False)
    assert result.success
    failed = [e.check_name for e in result.get_asset_check_evaluations() if not e.passed]
    assert "year_plausible" not in failed and "row_conservation" not in failed
    with duckdb.connect(str(db), read_only=True) as con:
        register = {r[0]: r[1:] for r in con.execute("""
            SELECT file_path, source_id, data_year, boundary, status, suggestion, conformed_ok, reason
            FROM meta.landing_files ORDER BY file_path""").fetchall()}
        held = con.execute("""SELECT file_path, reason_code, suggestions FROM quarantine.rows
                              ORDER BY file_path""").fetchall()
        staged = con.execute("""SELECT province_code, year, value FROM staging.measure_values
                                WHERE measure_code = 'papi_environment' ORDER BY 1""").fetchall()
    assert {path: row[:6] for path, row in register.items()} == {
        "2005/papi/papi_2005.csv": ("papi", 2005, None, "unsupported_year", None, False),
        "2024/bnv/par_index_2023.csv": ("par_index", 2024, "p63", "path_year_mismatch", None, False),
        "2024/papi/papi_2024 (1).csv": (None, None, None, "unrecognised_file", "2024/papi/papi_2024.csv", False),
        "2024/papi/papi_2024.csv": ("papi", 2024, "p63", "conformed", None, True),
        "2031/dti/dti_2031.csv": ("dti", 2031, None, "unsupported_year", None, False),
        "README.txt": (None, None, None, "notes", None, False),
    }
    assert register["2031/dti/dti_2031.csv"][6].startswith("2031/dti/dti_2031.csv: data year 2031 is outside")
    assert held == [
        ("2005/papi/papi_2005.csv", "unsupported_year", ""),
        ("2024/bnv/par_index_2023.csv", "path_year_mismatch", ""),
        ("2024/papi/papi_2024 (1).csv", "unrecognised_file", "2024/papi/papi_2024.csv"),
        ("2031/dti/dti_2031.csv", "unsupported_year", ""),
    ]
    assert staged == [("01", 2024, 6.12), ("31", 2024, 5.2)]  # the good file is read, not its copy
