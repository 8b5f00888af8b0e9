"""Same seed, same bytes; different seed, different data; streams independent of the years asked for."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import polars as pl
import pytest

from pii.sample import SampleSummary, expected_values, generate_sample

from .conftest import SEED, YEARS


def _hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_byte_identical_files(sample: SampleSummary, tmp_path: Path) -> None:
    again = generate_sample(tmp_path / "again", years=YEARS, seed=SEED)
    first, second = _hashes(sample.landing_dir), _hashes(again.landing_dir)
    assert first.keys() == second.keys()
    assert [path for path in first if first[path] != second[path]] == []
    assert again.files == sample.files


def test_generation_is_fast(sample_run: tuple[SampleSummary, float]) -> None:
    assert sample_run[1] < 30


def test_manifest_lists_every_file_with_hash_and_rows(sample: SampleSummary) -> None:
    text = (sample.landing_dir / "manifest.json").read_text(encoding="utf-8")
    manifest = json.loads(text)
    assert text == json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert manifest["seed"] == SEED and manifest["years"] == YEARS
    actual = _hashes(sample.landing_dir)
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(listed) == set(actual) - {"manifest.json", "README.txt"}
    for path, entry in listed.items():
        assert entry["sha256"] == actual[path], path
    assert {f.path: f.rows for f in sample.files} == {p: e["rows"] for p, e in listed.items()}


def test_other_seed_gives_other_values() -> None:
    a = expected_values(SEED, [2025])
    b = expected_values(SEED + 1, [2025])
    assert a.select("province_code", "measure_code").equals(b.select("province_code", "measure_code"))
    assert (a["value"] != b["value"]).mean() > 0.5


@pytest.mark.parametrize("years", [[2023], [2022, 2025]])
def test_values_do_not_depend_on_the_years_requested(expected: pl.DataFrame, years: list[int]) -> None:
    subset = expected_values(SEED, years)
    joined = subset.join(expected, on=["province_code", "boundary", "year", "measure_code"], how="left")
    assert joined["value_right"].null_count() == 0
    assert (joined["value"] == joined["value_right"]).all()
