"""The ``sample`` sub-command."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from pii.catalog import load_sources
from pii.sample.cli import add_sample_command, main, parse_years


def test_parse_years() -> None:
    assert parse_years("2022-2025") == (2022, 2023, 2024, 2025)
    assert parse_years("2024,2022") == (2022, 2024)
    assert parse_years("2023") == (2023,)
    with pytest.raises(argparse.ArgumentTypeError):
        parse_years("2025-2022")
    with pytest.raises(argparse.ArgumentTypeError):
        parse_years("twenty")


def test_registers_subcommand_with_defaults() -> None:
    parser = argparse.ArgumentParser(prog="pii")
    add_sample_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["sample"])
    assert args.out is None and args.seed == 20240724 and args.years == (2022, 2023, 2024, 2025)
    args = parser.parse_args(["sample", "--out", "x", "--seed", "7", "--years", "2025"])
    assert args.out == Path("x") and args.seed == 7 and args.years == (2025,)
    assert callable(args.func)


def test_main_writes_one_year(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sample", "--out", str(tmp_path), "--years", "2025", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    files = sum(1 for s in load_sources().values() if not s.spec_error)  # one file per source and year
    assert f"2025: {files} files" in out and "seed 3" in out
    assert (tmp_path / "2025/gso/nien_giam_thong_ke_2025.xlsx").is_file()
    assert "--seed 3 --years 2025" in (tmp_path / "README.txt").read_text(encoding="utf-8")
    assert main(["--out", str(tmp_path), "--years", "1999"]) == 2  # years outside the model
