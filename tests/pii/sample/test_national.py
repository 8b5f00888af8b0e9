"""``pii sample --scale national`` at a small ``rows_factor``: deterministic, readable, scaled, defective, synthetic."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import duckdb
import numpy as np
import pytest

from pii.catalog import load_sources
from pii.sample.cli import main
from pii.sample.common import NOTICE
from pii.sample.national import (
    ENTERPRISE_SURVEY,
    IP_APPLICATIONS,
    IP_SCALE,
    LABOUR_FORCE_SURVEY,
    NationalSummary,
    generate_national,
    ip_frame,
    national_rows,
)
from pii.sample.profiles import provinces
from pii.sample.values import DEFAULT_SEED, DEFAULT_YEARS, model_for

YEARS = (2024, 2025)  # one year on each boundary
FACTOR = 0.01
SEED = 7


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> NationalSummary:
    return generate_national(tmp_path_factory.mktemp("national"), years=YEARS, seed=SEED, rows_factor=FACTOR)


def _file(summary: NationalSummary, source_id: str, year: int) -> Path:
    (f,) = [f for f in summary.files if f.source_id == source_id and f.year == year]
    return summary.landing_dir / f.path


def test_same_seed_gives_byte_identical_files(national: NationalSummary, tmp_path: Path) -> None:
    again = generate_national(tmp_path, years=YEARS, seed=SEED, rows_factor=FACTOR)
    assert [(f.path, f.sha256) for f in again.files] == [(f.path, f.sha256) for f in national.files]
    for name in ("manifest.json", "README.txt"):
        assert (tmp_path / name).read_bytes() == (national.landing_dir / name).read_bytes()
    parquet = _file(national, ENTERPRISE_SURVEY, 2025)
    assert (tmp_path / parquet.relative_to(national.landing_dir)).read_bytes() == parquet.read_bytes()


def test_every_source_written_each_year_and_manifest_matches(national: NationalSummary) -> None:
    enabled = {sid for sid, s in load_sources().items() if not s.spec_error}
    for year in YEARS:
        assert {f.source_id for f in national.files if f.year == year} == enabled
    manifest = json.loads((national.landing_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["synthetic"] is True and manifest["scale"] == "national" and manifest["notice"] == NOTICE
    assert manifest["total_rows"] == national.total_rows == sum(f["rows"] for f in manifest["files"])
    assert "--scale national" in manifest["command"] and "--rows-factor 0.01" in manifest["command"]


def test_formats_readable_by_duckdb_with_the_manifest_row_counts(national: NationalSummary) -> None:
    con = duckdb.connect()
    rows = {(f.source_id, f.year): f.rows for f in national.files}
    for year in YEARS:
        ent = str(_file(national, ENTERPRISE_SURVEY, year))
        types = {r[0]: r[1] for r in con.sql(f"DESCRIBE SELECT * FROM read_parquet('{ent}')").fetchall()}
        assert list(types) == ["ma_dn", "ma_tinh", "nganh_vsic", "tinh_trang", "so_lao_dong", "chi_dao_tao",
                               "tong_chi_phi"]
        assert types["ma_tinh"] == "VARCHAR" and types["tinh_trang"] == "BIGINT" and types["tong_chi_phi"] == "DOUBLE"
        assert con.sql(f"SELECT count(*) FROM read_parquet('{ent}')").fetchall()[0][0] == rows[ENTERPRISE_SURVEY, year]
        lfs = str(_file(national, LABOUR_FORCE_SURVEY, year))
        rel = con.sql(f"SELECT * FROM read_csv('{lfs}', header=true, delim=',', quote='\"', all_varchar=true)")
        assert rel.columns == ["ma_ho", "stt_nguoi", "ma_tinh", "tuoi", "co_viec_lam", "trinh_do_cmkt", "quyen_so"]
        assert len(rel) == rows[LABOUR_FORCE_SURVEY, year]
        ip = str(_file(national, IP_APPLICATIONS, year))
        rel = con.sql(f"SELECT * FROM read_csv('{ip}', skip=1, header=true, delim=',', all_varchar=true)")
        spec = load_sources()[IP_APPLICATIONS].spec
        assert rel.columns[0] == spec["record_id_column"] and rel.columns[-1] == spec["province_column"]
        assert len(rel) == rows[IP_APPLICATIONS, year]
        assert set(c for (c,) in rel.select(f'"{spec["category_column"]}"').distinct().fetchall()) <= set(
            spec["categories"])


def test_province_codes_follow_the_boundary_of_the_year(national: NationalSummary) -> None:
    con = duckdb.connect()
    for year, boundary in ((2024, "p63"), (2025, "p34")):
        codes = {p.code for p in provinces(boundary)}
        lfs = str(_file(national, LABOUR_FORCE_SURVEY, year))
        seen = {c for (c,) in con.sql(f"SELECT DISTINCT ma_tinh FROM read_csv('{lfs}', all_varchar=true)")
                .fetchall()}
        assert codes <= seen  # every province sampled
        assert seen - codes <= {"99"}  # plus the injected unknown code only
        ent = str(_file(national, ENTERPRISE_SURVEY, year))
        seen = {c for (c,) in con.sql(f"SELECT DISTINCT ma_tinh FROM read_parquet('{ent}')").fetchall()}
        assert codes <= seen and len(seen - codes) <= 2  # '99', and in 2025 a merged province's old code


def test_row_counts_scale_with_the_factor(national: NationalSummary, tmp_path: Path) -> None:
    bigger = generate_national(tmp_path, years=(2025,), seed=SEED, rows_factor=4 * FACTOR)
    small = {f.source_id: f.rows for f in national.files if f.year == 2025}
    large = {f.source_id: f.rows for f in bigger.files}
    for sid in (LABOUR_FORCE_SURVEY, IP_APPLICATIONS):
        assert 3.6 < large[sid] / small[sid] < 4.4, sid
    assert large[ENTERPRISE_SURVEY] >= small[ENTERPRISE_SURVEY]  # floored at the section-M census
    assert large["gso_yearbook"] == small["gso_yearbook"]  # the small sources do not scale


def test_full_scale_volumes_reach_nine_and_a_half_million_rows() -> None:
    """Without writing anything: the rows asked at factor 1 over 2022-2025 (the national target)."""
    model = model_for(DEFAULT_SEED)
    source = load_sources()[IP_APPLICATIONS]
    total = 0
    for year in DEFAULT_YEARS:
        total += national_rows(model, ENTERPRISE_SURVEY, year) + national_rows(model, LABOUR_FORCE_SURVEY, year)
        boundary = "p63" if year <= 2024 else "p34"
        total += sum(int(np.round(model.value(m, year, boundary) * IP_SCALE).sum())
                     for m in source.spec["categories"].values())
    assert total >= 9_500_000


def test_ip_defects_at_national_scale() -> None:
    model = model_for(SEED)
    source = load_sources()[IP_APPLICATIONS]
    df, defects = ip_frame(model, source, 2025, IP_SCALE)
    assert df.height > 100_000 and all(defects[k] > 0 for k in ("nfd_name", "blank_province", "exact_repeat"))
    spec = source.spec
    names = df[spec["province_column"]]
    assert (names == "").sum() == defects["blank_province"]
    assert sum(1 for x in names.unique() if x and unicodedata.normalize("NFC", x) != x) > 0
    assert "TP. Hồ Chí Minh" in set(names)  # publisher spelling, as the default sample
    ids = df[spec["record_id_column"]]
    assert df.height - ids.n_unique() == defects["exact_repeat"]
    assert df.height - df.unique().height == defects["exact_repeat"]  # repeats are exact


def test_microdata_defects_present(national: NationalSummary) -> None:
    con = duckdb.connect()
    lfs = str(_file(national, LABOUR_FORCE_SURVEY, 2025))
    assert con.sql(f"SELECT count(*) FROM read_csv('{lfs}', all_varchar=true) WHERE ma_tinh = '99'").fetchall()[0][0]
    assert con.sql(f"SELECT count(*) FROM read_csv('{lfs}', all_varchar=true) "
                       "WHERE try_cast(tuoi AS INTEGER) IS NULL").fetchall()[0][0]
    ent = str(_file(national, ENTERPRISE_SURVEY, 2025))
    assert con.sql(f"SELECT count(*) - count(DISTINCT ma_dn) FROM read_parquet('{ent}')").fetchall()[0][0] > 0


def test_labelled_synthetic(national: NationalSummary) -> None:
    readme = (national.landing_dir / "README.txt").read_text(encoding="utf-8")
    assert readme.startswith(NOTICE) and "SYNTHETIC" in readme and "--scale national" in readme
    con = duckdb.connect()
    ent = str(_file(national, ENTERPRISE_SURVEY, 2025))
    meta = {k.decode(): v.decode() for k, v in con.sql(
        f"SELECT key, value FROM parquet_kv_metadata('{ent}')").fetchall()}
    assert meta["notice"] == NOTICE
    first = _file(national, IP_APPLICATIONS, 2025).read_text(encoding="utf-8-sig").splitlines()[0]
    assert "SYNTHETIC" in first


def test_cli_scale_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sample", "--out", str(tmp_path / "x"), "--scale", "regional"]) == 2
    err = capsys.readouterr().err
    assert "--scale 'regional'" in err and "default, national" in err and len(err.strip().splitlines()) == 1
    assert main(["sample", "--out", str(tmp_path / "y"), "--scale", "national", "--rows-factor", "0"]) == 2
    assert main(["sample", "--out", str(tmp_path / "z"), "--scale", "national", "--years", "2025",
                 "--rows-factor", "0.005", "--seed", "3"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and " rows in " in out[0]
    assert out[0].startswith("national synthetic sample (seed 3, years 2025)")
    assert (tmp_path / "z/2025/gso/lfs_2025.csv").is_file() and (tmp_path / "z/manifest.json").is_file()
