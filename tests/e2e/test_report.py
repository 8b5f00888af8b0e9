"""`pii report` on the end-to-end warehouse: the pages hold the numbers the warehouse holds, offline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pii.cli import main
from pii.reports.i18n import Catalogue

from .conftest import Materialized

pytestmark = pytest.mark.e2e
URL = re.compile(r"(?:https?|ftp)://|//[a-z0-9.-]+\.[a-z]{2,}/|@import|<script|<link|<iframe|src=\"(?!data:)",
                 re.IGNORECASE)


def _report(monkeypatch: pytest.MonkeyPatch, warehouse: Materialized, out: Path, *args: str) -> str:
    monkeypatch.setenv("PII_DUCKDB_PATH", str(warehouse.published))
    assert main(["report", *args, "--out", str(out)]) == 0
    [page] = list(out.glob("*.html"))
    return page.read_text(encoding="utf-8")


def _index(warehouse: Materialized, year: int, code: str) -> tuple[float, int, int]:
    with warehouse.connect() as conn:
        score, rank = conn.execute("SELECT score, rank FROM pii.scores WHERE framework_year = ? AND "
                                   "province_code = ? AND level = 'index'", [year, code]).fetchone()
        n = conn.execute("SELECT count(rank) FROM pii.scores WHERE framework_year = ? AND level = 'index'",
                         [year]).fetchone()[0]
    return score, rank, n


def test_province_profile_in_vietnamese_holds_the_warehouse_numbers(
        monkeypatch: pytest.MonkeyPatch, warehouse: Materialized, tmp_path: Path) -> None:
    html = _report(monkeypatch, warehouse, tmp_path, "--province", "long an", "--year", "2024")
    score, rank, n = _index(warehouse, 2024, "80")
    vi = Catalogue("vi")
    assert f"Long An đạt {vi.number(score)} điểm PII, xếp thứ {rank}/{n} tỉnh, thành phố" in html
    with warehouse.connect() as conn:
        name, s_rank = conn.execute("""
            SELECT i.name_vi, w.rank FROM pii.strengths_weaknesses w
            JOIN meta.framework_indicators i USING (framework_year, indicator_code)
            WHERE w.framework_year = 2024 AND w.province_code = '80' AND w.kind = 'strength' AND w.position = 1
        """).fetchone()
        file_path, row_number = conn.execute("""
            SELECT file_path, row_number FROM staging.measure_values
            WHERE boundary = 'p63' AND province_code = '80' AND year = 2024 AND measure_code = 'policy_score'
        """).fetchone()
        p05, p95 = conn.execute("SELECT p05_rank, p95_rank FROM pii.rank_uncertainty WHERE framework_year = 2024 "
                                "AND province_code = '80'").fetchone()
    assert f"{name}, xếp thứ {s_rank}/{n} tỉnh thành" in html
    assert file_path in html and f"dòng {row_number}" in html
    assert f"xếp thứ {vi.rank(p05)} đến {vi.rank(p95)}" in html
    assert "Tây Ninh (80)" in html  # the trend follows Long An into the province it merged into in 2025
    assert "DỮ LIỆU MÔ PHỎNG" in html  # the sample is synthetic and the page says so
    assert html.count("<svg") == 2 and "@font-face" in html
    assert not URL.search(html), URL.search(html)


def test_province_profile_in_english(monkeypatch: pytest.MonkeyPatch, warehouse: Materialized,
                                     tmp_path: Path) -> None:
    html = _report(monkeypatch, warehouse, tmp_path, "--province", "Hải Phòng", "--year", "2025", "--lang", "en")
    score, rank, n = _index(warehouse, 2025, "31")
    assert f"In 2025, Hải Phòng scores {Catalogue('en').number(score)} on the PII and ranks {rank} of {n}" in html
    assert '<html lang="en">' in html and "SYNTHETIC DATA" in html and "Where the numbers come from" in html
    assert not URL.search(html)


def test_national_ranking_lists_every_province(monkeypatch: pytest.MonkeyPatch, warehouse: Materialized,
                                               tmp_path: Path) -> None:
    html = _report(monkeypatch, warehouse, tmp_path, "--national", "--year", "2025")
    with warehouse.connect() as conn:
        ranked = conn.execute("""
            SELECT p.name_vi, s.score, s.rank FROM pii.scores s
            JOIN meta.provinces p ON p.boundary = 'p34' AND p.province_code = s.province_code
            WHERE s.framework_year = 2025 AND s.level = 'index' ORDER BY s.rank, s.province_code
        """).fetchall()
    assert len(ranked) == 34
    table = html[html.index('id="ranking"'):]
    positions = [table.index(f"<td>{name}</td>") for name, _, _ in ranked]
    assert positions == sorted(positions)  # best first
    for _, score, rank in ranked:
        assert f"{Catalogue('vi').number(score)}<br><span class=\"r\">{rank}/34</span>" in table
    assert "<svg" in html and not URL.search(html)


def test_same_warehouse_same_bytes(monkeypatch: pytest.MonkeyPatch, warehouse: Materialized,
                                   tmp_path: Path) -> None:
    first = _report(monkeypatch, warehouse, tmp_path / "a", "--province", "80", "--year", "2024")
    second = _report(monkeypatch, warehouse, tmp_path / "b", "--province", "Long An", "--year", "2024")
    assert first == second


def test_bad_names_and_years_are_one_line_exit_2(monkeypatch: pytest.MonkeyPatch, warehouse: Materialized,
                                                 tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PII_DUCKDB_PATH", str(warehouse.published))
    cases = [(["--province", "Long Ann", "--year", "2024"], "closest: Long An"),
             (["--province", "Long An", "--year", "2025"], "Tây Ninh"),
             (["--national", "--year", "2019"], "--year 2019: no PII framework"),
             (["--national", "--year", "2025", "--lang", "fr"], "invalid choice: 'fr'")]
    for args, expected in cases:
        assert main(["report", *args, "--out", str(tmp_path)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("pii report: error:") and expected in err and err.count("\n") == 1, err
    # a folder that permissions allow but the kernel refuses: the mkdir's error on one line, not a traceback
    assert main(["report", "--national", "--year", "2025", "--out", "/proc/pii_nope/x"]) == 2
    assert "--out /proc/pii_nope/x: cannot create the folder" in capsys.readouterr().err
    monkeypatch.setenv("PII_DUCKDB_PATH", str(tmp_path / "none" / "pii_warehouse.duckdb"))
    assert main(["report", "--national", "--year", "2025", "--out", str(tmp_path)]) == 2
    assert "run `pii materialize` first" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.html"))
