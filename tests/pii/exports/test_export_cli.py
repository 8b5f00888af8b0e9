"""``pii export`` arguments: formats with suggestions, output folders, a missing warehouse; the synthetic probe."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pii.cli import main
from pii.errors import UsageError
from pii.exports.cli import export_format
from pii.exports.tables import is_synthetic


def test_format_names_are_matched_with_a_suggestion() -> None:
    assert export_format(" XLSX ") == "xlsx"
    with pytest.raises(UsageError, match=r"--format 'xslx' is not an export format: did you mean 'xlsx'\?"):
        export_format("xslx")
    with pytest.raises(UsageError, match=r"accepted: csv, parquet, xlsx"):
        export_format("pdf")


@pytest.mark.parametrize(("argv", "message"), [
    (["--format", "xlsx", "--out", "{file}"], "--out {file}: {file} is a file, not a folder"),
    (["--format", "xlsx", "--out", "{dir}"], "no warehouse at {missing}: run `pii materialize` first"),
    (["--format", "csvv", "--out", "{dir}"], "did you mean 'csv'?"),
    (["--format", "csv", "--year", "20x5", "--out", "{dir}"], "argument --year: invalid int value: '20x5'"),
    (["--out", "{dir}"], "the following arguments are required: --format"),
])
def test_bad_arguments_are_one_line_and_exit_2(argv: list[str], message: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    file, missing = tmp_path / "taken.txt", tmp_path / "none" / "pii_warehouse.duckdb"
    file.write_text("x")
    monkeypatch.setenv("PII_DUCKDB_PATH", str(missing))
    names = {"file": file, "dir": tmp_path / "out", "missing": missing}
    assert main(["export", *(a.format(**names) for a in argv)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("pii export: error: ")
    assert message.format(**names) in err
    assert not (tmp_path / "out").exists()  # nothing written on a bad argument


def test_help_names_formats_and_files(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "{csv,parquet,xlsx}" in out and "pii_<year>_README.txt" in out and "byte-order mark" in out


def test_synthetic_probe_reads_the_notice_rows_of_raw_tables() -> None:
    conn = duckdb.connect()
    conn.execute("CREATE SCHEMA raw")
    conn.execute("CREATE TABLE raw.dti (file_path VARCHAR, row_number INTEGER, cells VARCHAR[])")
    conn.execute("INSERT INTO raw.dti VALUES ('a.csv', 1, ['Chỉ số DTI 2024']), ('a.csv', 2, ['01', '5.1'])")
    assert not is_synthetic(conn)
    conn.execute("INSERT INTO raw.dti VALUES ('b.csv', 2, ['DỮ LIỆU MÔ PHỎNG – SYNTHETIC DATA', NULL])")
    assert is_synthetic(conn)
    conn.execute("DELETE FROM raw.dti WHERE file_path = 'b.csv'")
    conn.execute("INSERT INTO raw.dti VALUES ('c.csv', 40, ['a note on synthetic data'])")  # not a file's head
    assert not is_synthetic(conn)
