"""A real Dagster run of one microdata source (labour force survey): raw read set-based, records conformed and
aggregated, bad rows quarantined, row conservation checked; a rerun after the file changed redoes that file
only and its earlier rows disappear."""

from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from assets.raw.sources import raw_assets
from assets.staging.microdata import microdata_assets
from pipelines.resources import PiiPaths

HEADER = "ma_ho,stt_nguoi,ma_tinh,tuoi,co_viec_lam,trinh_do_cmkt,quyen_so\n"
GOOD = "h1,1,01,30,1,2,100\nh1,2,01,40,1,0,300\nh2,1,31,25,1,4,200.5\n"
BAD = "h3,1,99,30,1,0,100\nh3,2,01,KXĐ,1,0,100\n"


def _run(db: Path) -> dg.ExecuteInProcessResult:
    selected = [a for a in [*raw_assets, *microdata_assets] if a.key.path[-1] == "labour_force_survey"]
    assert len(selected) == 2
    paths = PiiPaths(landing_dir=str(db.parent / "landing"), warehouse_path=str(db.parent / "w.duckdb"))
    return dg.materialize(selected, resources={"duckdb": DuckDBResource(database=str(db)), "paths": paths},
                          raise_on_error=False)


def test_materialize_conform_and_refresh_one_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    landing = tmp_path / "landing"
    for year in (2023, 2024):
        (landing / f"{year}/gso").mkdir(parents=True)
        (landing / f"{year}/gso/lfs_{year}.csv").write_text(HEADER + GOOD + BAD, encoding="utf-8")
    monkeypatch.setenv("PII_LANDING_DIR", str(landing))
    db = tmp_path / "build.duckdb"
    result = _run(db)
    assert result.success
    checks = {(e.asset_key.to_user_string(), e.check_name): e.passed for e in result.get_asset_check_evaluations()}
    assert checks == {("staging/labour_force_survey", "row_conservation"): True}
    with duckdb.connect(str(db), read_only=True) as con:
        shares = con.execute("""SELECT year, province_code, value FROM staging.microdata_observations
                                ORDER BY year, province_code""").fetchall()
        held = con.execute("SELECT file_path, row_number, reason_code FROM quarantine.rows ORDER BY 1, 2").fetchall()
    assert shares == [(2023, "01", 25.0), (2023, "31", 100.0), (2024, "01", 25.0), (2024, "31", 100.0)]
    assert [h[1:] for h in held] == [(5, "unknown_province_code"), (6, "not_a_number")] * 2

    (landing / "2024/gso/lfs_2024.csv").write_text(HEADER + GOOD.replace("h1,2,01,40,1,0,300", "h1,2,01,40,1,1,300"),
                                                   encoding="utf-8")
    (landing / "2023/gso/lfs_2023.csv").unlink()
    result = _run(db)
    assert result.success
    [meta] = [m.metadata for m in result.asset_materializations_for_node("staging__labour_force_survey")]
    assert (meta["files_conformed"].value, meta["files_removed"].value) == (1, 1)  # only the changed file
    with duckdb.connect(str(db), read_only=True) as con:
        shares = con.execute("SELECT year, province_code, value FROM staging.microdata_observations "
                             "ORDER BY 1, 2").fetchall()
        held = con.execute("SELECT count(*) FROM quarantine.rows").fetchall()[0][0]
        counts = con.execute("SELECT file_path, disposition, rows FROM meta.disposition_counts").fetchall()
    assert shares == [(2024, "01", 100.0), (2024, "31", 100.0)]
    assert held == 0
    assert counts == [("2024/gso/lfs_2024.csv", "counted", 3)]
    with duckdb.connect(str(db), read_only=True) as con:  # unit records are not stored: one row per file
        register = con.execute("SELECT file_path, file_sha256 IS NOT NULL, read_error FROM raw.labour_force_survey"
                               ).fetchall()
        ledger = con.execute("SELECT file_path, raw_rows FROM meta.microdata_files").fetchall()
    assert register == [("2024/gso/lfs_2024.csv", True, None)]
    assert ledger == [("2024/gso/lfs_2024.csv", 4)]  # header + 3 records read


def test_a_build_of_the_layout_that_landed_unit_records_is_rebuilt(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A build file from before microdata stopped being landed: raw held one row per record and the ledger had
    no raw_rows. Both are dropped and rebuilt, every file read again; nothing fails on insert."""
    landing = tmp_path / "landing"
    (landing / "2024/gso").mkdir(parents=True)
    (landing / "2024/gso/lfs_2024.csv").write_text(HEADER + GOOD, encoding="utf-8")
    monkeypatch.setenv("PII_LANDING_DIR", str(landing))
    db = tmp_path / "build.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE SCHEMA raw; CREATE SCHEMA meta")
        con.execute("CREATE TABLE raw.labour_force_survey (source_id VARCHAR, data_year INTEGER, file_path VARCHAR, "
                    "file_sha256 VARCHAR, row_number BIGINT, ma_ho VARCHAR, read_error VARCHAR, "
                    "read_error_code VARCHAR)")
        con.execute("INSERT INTO raw.labour_force_survey VALUES ('labour_force_survey', 2024, "
                    "'2024/gso/lfs_2024.csv', 'old', 2, 'h1', NULL, NULL)")
        con.execute("CREATE TABLE meta.microdata_files (source_id VARCHAR, file_path VARCHAR, file_sha256 VARCHAR, "
                    "observations BIGINT, quarantine_rows BIGINT, disposition_rows BIGINT, count_rows BIGINT)")
    result = _run(db)
    assert result.success
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.labour_force_survey").fetchall() == [(1,)]
        assert con.execute("SELECT raw_rows FROM meta.microdata_files").fetchall() == [(4,)]


def _run_one(db: Path, layer: str) -> dg.ExecuteInProcessResult:
    [asset] = [a for a in (raw_assets if layer == "raw" else microdata_assets)
               if a.key.path[-1] == "labour_force_survey"]
    paths = PiiPaths(landing_dir=str(db.parent / "landing"), warehouse_path=str(db.parent / "w.duckdb"))
    return dg.materialize([asset], resources={"duckdb": DuckDBResource(database=str(db)), "paths": paths},
                          raise_on_error=False)


def test_a_file_that_changes_between_the_raw_and_staging_steps(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """An agency replaces or removes a file while a run is between its raw step (which listed it) and its staging
    step: the removed file fails the row-conservation check naming it (the run does not publish) and the
    replaced one is read as it now is; the next run lists the landing folder again and all is consistent."""
    landing = tmp_path / "landing"
    for year in (2023, 2024):
        (landing / f"{year}/gso").mkdir(parents=True)
        (landing / f"{year}/gso/lfs_{year}.csv").write_text(HEADER + GOOD, encoding="utf-8")
    monkeypatch.setenv("PII_LANDING_DIR", str(landing))
    db = tmp_path / "build.duckdb"
    assert _run_one(db, "raw").success
    (landing / "2023/gso/lfs_2023.csv").unlink()
    (landing / "2024/gso/lfs_2024.csv").write_text(HEADER + GOOD + BAD, encoding="utf-8")

    staged = _run_one(db, "staging")
    [check] = staged.get_asset_check_evaluations()
    assert (check.check_name, check.passed) == ("row_conservation", False)
    failing = check.metadata["examples"].value["examples"]
    assert [(f["file"], f["raw_rows"]) for f in failing] == [("2023/gso/lfs_2023.csv", None)]
    with duckdb.connect(str(db), read_only=True) as con:
        held = con.execute("SELECT file_path, row_number, reason_code FROM quarantine.rows ORDER BY 1, 2").fetchall()
    assert held == [("2024/gso/lfs_2024.csv", 5, "unknown_province_code"),
                    ("2024/gso/lfs_2024.csv", 6, "not_a_number")]  # the file as it is now

    result = _run(db)  # the next run: raw lists the folder again, staging agrees with it
    assert result.success
    with duckdb.connect(str(db), read_only=True) as con:
        register = con.execute("SELECT file_path FROM raw.labour_force_survey").fetchall()
        ledger = con.execute("SELECT file_path, raw_rows FROM meta.microdata_files").fetchall()
        years = con.execute("SELECT DISTINCT year FROM staging.microdata_observations").fetchall()
    assert register == [("2024/gso/lfs_2024.csv",)] and ledger == [("2024/gso/lfs_2024.csv", 6)]
    assert years == [(2024,)]
