"""CSV and Parquet exports: stable names, BOM, round trip, formula-like text, README and manifest."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
from polars.testing import assert_frame_equal

from pii.exports.files import write_readme, write_tables
from pii.exports.tables import SYNTHETIC_NOTICE, ExportData

from .conftest import PROVINCES, small_export


def test_csv_files_have_stable_names_a_bom_and_defused_formulas(data: ExportData, tmp_path: Path) -> None:
    files = write_tables(data, "csv", tmp_path)
    assert [f.name for f in files] == ["pii_2025_input.csv", "pii_2025_scores.csv",
                                       "pii_2025_strengths_weaknesses.csv", "pii_2025_indicators.csv",
                                       "pii_2025_framework.csv"]
    assert all(f.read_bytes().startswith(b"\xef\xbb\xbf") for f in files)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f.name for f in files)  # no temporary file left
    back = pl.read_csv(files[0], schema=data.input.schema)
    assert back["province_name"].to_list() == ["Hà Nội", "'" + PROVINCES["02"], "Cao Bằng"]
    assert_frame_equal(back.drop("province_name"), data.input.drop("province_name"))
    scores = pl.read_csv(files[1], schema=data.scores.schema)
    assert_frame_equal(scores.drop("province_name"), data.scores.drop("province_name"))
    indicators = pl.read_csv(files[3], schema=data.indicators.schema)
    assert indicators["name_vi"].to_list() == ["Tỷ lệ chi cho KH&CN", "'+Số đơn đăng ký sáng chế"]
    assert indicators["source"].to_list() == ["Niên giám thống kê", "'@IPVN records"]


def test_parquet_keeps_values_exact_and_carries_the_notice(data: ExportData, tmp_path: Path) -> None:
    files = write_tables(data, "parquet", tmp_path)
    assert_frame_equal(pl.read_parquet(files[0]), data.input)  # typed data: nothing is prefixed
    assert_frame_equal(pl.read_parquet(files[1]), data.scores)
    assert_frame_equal(pl.read_parquet(files[2]), data.strengths_weaknesses)
    metadata = pq.read_metadata(files[0]).metadata
    assert metadata[b"notice"].decode() == SYNTHETIC_NOTICE
    assert b"notice" not in pq.read_metadata(write_tables(small_export(synthetic=False), "parquet",
                                                          tmp_path / "real")[0]).metadata


def test_readme_and_manifest_label_synthetic_data_and_hash_every_file(data: ExportData, tmp_path: Path) -> None:
    files = write_tables(data, "csv", tmp_path)
    readme, manifest = write_readme(data, "csv", files)
    assert SYNTHETIC_NOTICE in readme.read_text(encoding="utf-8")
    content = json.loads(manifest.read_text(encoding="utf-8"))
    assert content["synthetic"] is True and content["framework_year"] == 2025 and content["provinces"] == 3
    assert {r["file"]: r["sha256"] for r in content["files"]} == {
        f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    assert {r["file"]: r["rows"] for r in content["files"]}["pii_2025_scores.csv"] == data.scores.height

    real = small_export(synthetic=False)
    readme, manifest = write_readme(real, "csv", write_tables(real, "csv", tmp_path / "real"))
    assert "SYNTHETIC" not in readme.read_text(encoding="utf-8")
    assert json.loads(manifest.read_text(encoding="utf-8"))["synthetic"] is False


def test_same_data_gives_byte_identical_files(data: ExportData, tmp_path: Path) -> None:
    for fmt in ("csv", "parquet"):
        first = write_tables(data, fmt, tmp_path / "a")
        first += write_readme(data, fmt, first)
        second = write_tables(data, fmt, tmp_path / "b")
        second += write_readme(data, fmt, second)
        assert [f.read_bytes() for f in first] == [f.read_bytes() for f in second], fmt
