"""``pii export`` on the full sample materialization: every format read back equals the warehouse."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from pii.cli import main
from pii.exports.tables import SYNTHETIC_NOTICE
from pii.warehouse import connect_readonly

from .conftest import Materialized

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def published(warehouse: Materialized, tmp_path_factory: pytest.TempPathFactory) -> Path:
    # a file named pii.duckdb is refused (its catalog would clash with schema pii): export a copy then
    if warehouse.published.stem != "pii":
        return warehouse.published
    copy = tmp_path_factory.mktemp("export") / "pii_warehouse.duckdb"
    shutil.copyfile(warehouse.published, copy)
    return copy


@pytest.fixture(scope="module")
def conn(published: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = connect_readonly(published)
    yield c
    c.close()


@pytest.fixture
def export(published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PII_DUCKDB_PATH", str(published))

    def run(fmt: str, *extra: str) -> Path:
        out = tmp_path / fmt
        assert main(["export", "--format", fmt, "--out", str(out), *extra]) == 0
        return out
    return run


def test_an_output_folder_that_cannot_be_made_is_one_line_exit_2(
        published: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PII_DUCKDB_PATH", str(published))
    assert main(["export", "--year", "2025", "--format", "xlsx", "--out", "/proc/pii_nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pii export: error: --out /proc/pii_nope: cannot create the folder") and err.count("\n") == 1


def frame(conn: duckdb.DuckDBPyConnection, sql: str) -> pl.DataFrame:
    return conn.sql(sql).pl()


def test_csv_and_parquet_equal_the_warehouse(export, conn: duckdb.DuckDBPyConnection) -> None:
    pii_input = frame(conn, "SELECT * FROM core.pii_input WHERE framework_year = 2025 ORDER BY province_code")
    scores = frame(conn, "SELECT framework_year, province_code, level, code, raw_value, treated_value, score, rank "
                         "FROM pii.scores WHERE framework_year = 2025")
    keys = ["level", "code", "province_code"]
    csv, parquet = export("csv", "--year", "2025"), export("parquet", "--year", "2025")
    assert_frame_equal(pl.read_csv(csv / "pii_2025_input.csv", schema=pii_input.schema), pii_input)
    assert_frame_equal(pl.read_parquet(parquet / "pii_2025_input.parquet"), pii_input)
    typed = pl.read_parquet(parquet / "pii_2025_scores.parquet")
    for got in (typed, pl.read_csv(csv / "pii_2025_scores.csv", schema=typed.schema)):
        assert got.height == scores.height == 34 * 80
        assert_frame_equal(got.select(scores.columns).sort(keys), scores.sort(keys), check_dtypes=False)
        assert got.filter(pl.col("name_vi").is_null()).is_empty()
    sw = pl.read_parquet(parquet / "pii_2025_strengths_weaknesses.parquet")
    expected = frame(conn, "SELECT * FROM pii.strengths_weaknesses WHERE framework_year = 2025")
    assert_frame_equal(sw.select(expected.columns).sort(expected.columns), expected.sort(expected.columns))
    manifest = json.loads((csv / "pii_2025_manifest.json").read_text(encoding="utf-8"))
    assert manifest["synthetic"] is True and manifest["boundary"] == "p34" and manifest["provinces"] == 34
    assert SYNTHETIC_NOTICE in (csv / "pii_2025_README.txt").read_text(encoding="utf-8")


def _headers(ws, row: int) -> list[str | None]:
    """A header row with each merged text carried over the columns it spans."""
    texts, last = [], None
    for cell in ws[row]:
        last = cell.value if cell.value is not None else last
        texts.append(last)
    return texts


def test_workbook_cells_equal_the_warehouse(export, conn: duckdb.DuckDBPyConnection) -> None:
    out = export("xlsx")  # default year: the latest scored
    book = openpyxl.load_workbook(out / "pii_2025.xlsx", read_only=True)
    assert book.sheetnames == ["Tổng quan", *(f"Trụ cột {p}" for p in range(1, 8)), "Điểm mạnh – điểm yếu",
                               "Nguồn và ghi chú"]
    scores = {(r[0], r[1], r[2]): (r[3], r[4]) for r in conn.execute(
        "SELECT province_code, level, code, score, rank FROM pii.scores WHERE framework_year = 2025").fetchall()}
    values = frame(conn, "UNPIVOT (SELECT * EXCLUDE (framework_year, province_name) FROM core.pii_input "
                         "WHERE framework_year = 2025) ON COLUMNS('ind_.*') INTO NAME col VALUE v")
    value = {(p, c.removeprefix("ind_").replace("_", ".")): v for p, c, v in values.iter_rows()}
    checked = 0
    for pillar in range(1, 8):
        ws = book[f"Trụ cột {pillar}"]
        assert ws["A2"].value == SYNTHETIC_NOTICE
        groups, items, measures = _headers(ws, 3), _headers(ws, 4), [c.value for c in ws[5]]
        data = [r for r in ws.iter_rows(min_row=6, values_only=True) if r[0] is not None]
        assert len(data) == 34
        assert [r[3] for r in data] == sorted(r[3] for r in data)  # best pillar rank first
        for col in range(2, len(measures)):
            found = re.match(r"(\d+\.\d+\.\d+) ", items[col] or "")
            if found:
                level, code = "indicator", found.group(1)
            elif items[col] == "Nhóm chỉ số":
                level, code = "sub_pillar", groups[col].split()[0]
            else:
                level, code = "pillar", str(pillar)
            for row in data:
                if measures[col] == "Giá trị":
                    expected = value[(row[0], code)]
                else:
                    expected = scores[(row[0], level, code)][0 if measures[col] == "Điểm" else 1]
                assert row[col] == pytest.approx(expected, rel=1e-14), (pillar, items[col], measures[col], row[0])
                checked += 1
    assert checked == 34 * (52 * 3 + 18 * 2 + 7 * 2)
    overview = [r for r in book["Tổng quan"].iter_rows(min_row=5, values_only=True) if r[0] is not None]
    assert [(r[0], r[3]) for r in overview] == sorted(
        ((p, rank) for (p, level, _), (_, rank) in scores.items() if level == "index"), key=lambda x: x[1])
    assert all(r[2] == pytest.approx(scores[(r[0], "index", "PII")][0], rel=1e-14) for r in overview)
    # Strengths and weaknesses: every row of pii.strengths_weaknesses, its rank out of the year's 34 provinces.
    kept = {(p, {"strength": "Điểm mạnh", "weakness": "Điểm yếu"}[k], n, i, f"{r}/34") for p, k, n, i, r in
            conn.execute("SELECT province_code, kind, position, indicator_code, rank FROM pii.strengths_weaknesses "
                         "WHERE framework_year = 2025").fetchall()}
    shown = [r for r in book["Điểm mạnh – điểm yếu"].iter_rows(min_row=4, values_only=True) if r[0] is not None]
    assert kept and {(r[0], r[2], r[3], r[4], r[6]) for r in shown} == kept and len(shown) == len(kept)


def test_exports_are_byte_identical_and_bad_years_are_refused(export, published: Path, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    first, second = export("xlsx"), tmp_path / "again"
    env = {"PII_DUCKDB_PATH": str(published), "PATH": "/usr/bin:/bin", "TZ": "Asia/Ho_Chi_Minh"}
    done = subprocess.run([sys.executable, "-m", "pii.cli", "export", "--format", "XLSX", "--out", str(second)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == str(second / "pii_2025.xlsx")
    assert sorted(p.name for p in second.iterdir()) == sorted(p.name for p in first.iterdir())
    for path in first.iterdir():
        assert path.read_bytes() == (second / path.name).read_bytes(), path.name

    assert main(["export", "--year", "1999", "--format", "csv", "--out", str(tmp_path / "old")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--year 1999: the warehouse has no PII 1999 (it has 2023, 2024, 2025)" in err
    assert not (tmp_path / "old").exists()
