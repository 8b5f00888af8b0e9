"""`pii report` arguments: one of --province / --national, file names, one-line errors before any work."""

from __future__ import annotations

from pathlib import Path

import pytest

from pii.cli import main
from pii.reports.cli import report_file_name


def test_file_names_are_stable_and_readable() -> None:
    assert report_file_name(2024, "vi", "80", "Long An") == "pii_2024_80_long-an.vi.html"
    assert report_file_name(2025, "en", "79", "Thanh pho Ho Chi Minh") == "pii_2025_79_thanh-pho-ho-chi-minh.en.html"
    assert report_file_name(2025, "en") == "pii_2025_national.en.html"


@pytest.mark.parametrize(("args", "expected"), [
    (["--national", "--province", "Long An"], "not allowed with argument"),
    (["--year", "2024"], "one of the arguments --province --national is required"),
    (["--national", "--lang", "fr"], "invalid choice: 'fr'"),
])
def test_bad_arguments_are_one_line_exit_2(args: list[str], expected: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", *args, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pii report: error:") and expected in err and err.count("\n") == 1, err


def test_a_missing_warehouse_or_output_file_is_one_line_exit_2(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PII_DUCKDB_PATH", str(tmp_path / "none" / "pii_warehouse.duckdb"))
    assert main(["report", "--province", "Long An", "--year", "2024", "--out", str(tmp_path / "out")]) == 2
    assert "no warehouse at" in capsys.readouterr().err
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert main(["report", "--national", "--year", "2025", "--out", str(tmp_path / "file")]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
