"""`pii materialize` runs only what changed: nothing, one source and what is downstream, or everything after a
failed run; the incremental warehouse equals a full rebuild on the same landing files."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from .test_quality_gates import _inflate_national_population

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
from benchmark import change_files  # noqa: E402  (the change benchmark (d) times)
from table_digests import table_digests  # noqa: E402

COMPARED = ("staging.measure_values", "quarantine.rows", "core.pii_input", "pii.scores", "meta.row_dispositions",
            "meta.landing_files")
REMOVED = "2022/bnv/par_index_2022.csv"


def _env(root: Path, landing: Path) -> dict[str, str]:
    env = {**os.environ, "PII_LANDING_DIR": str(landing), "PII_DUCKDB_PATH": str(root / "pii_warehouse.duckdb"),
           "PII_BUILD_DUCKDB_PATH": str(root / "build" / "pii_build.duckdb")}
    env.pop("DAGSTER_HOME", None)  # an ephemeral instance per run
    return env


def _materialize(env: dict[str, str], *args: str) -> tuple[int, list[str]]:
    run = subprocess.run([sys.executable, "-m", "pii.cli", "materialize", "--quiet", *args], cwd=REPO, env=env,
                         text=True, capture_output=True, timeout=900, check=False)
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    return run.returncode, run.stdout.splitlines()


def _run_id(lines: list[str]) -> str:
    found = [m[1] for line in lines if (m := re.fullmatch(r"run (?:succeeded|FAILED) \(run id (\S+)\)", line))]
    assert len(found) == 1, lines
    return found[0]


def _differences(a: Path, b: Path, table: str) -> int:
    """Rows of ``table`` in one file and not the other (as a multiset), both ways."""
    conn = duckdb.connect()
    try:
        conn.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
        conn.execute(f"ATTACH '{b}' AS b (READ_ONLY)")
        return conn.execute(f"SELECT (SELECT count(*) FROM (FROM a.{table} EXCEPT ALL FROM b.{table})) + "
                            f"(SELECT count(*) FROM (FROM b.{table} EXCEPT ALL FROM a.{table}))").fetchall()[0][0]
    finally:
        conn.close()


@pytest.mark.e2e
def test_refresh_runs_what_changed_and_equals_a_full_rebuild(landing: Path, tmp_path: Path) -> None:
    work = Path(shutil.copytree(landing, tmp_path / "landing"))
    env = _env(tmp_path / "incremental", work)
    published = tmp_path / "incremental" / "pii_warehouse.duckdb"

    code, lines = _materialize(env)
    assert code == 0, lines[-40:]
    assert lines[0].startswith("full run: no build file at ")
    first = _run_id(lines)

    stamp = published.stat().st_mtime_ns
    code, lines = _materialize(env)
    assert code == 0
    nothing = re.fullmatch(rf"nothing changed since run {first} \((\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d UTC)\): "
                           r"the published warehouse is current", lines[0])
    assert nothing and len(lines) == 1, lines  # and no run
    assert published.stat().st_mtime_ns == stamp  # not even republished

    changed = change_files(work, 1)  # one `Giá trị` cell of an agency workbook, one record's category
    assert changed == ["2025/agencies/SKHCN_2025.xlsx", "2025/ipvn/don_dang_ky_shcn_2025.csv"]
    (work / REMOVED).unlink()
    code, lines = _materialize(env)
    assert code == 0, lines[-40:]
    assert lines[:4] == [
        f"changed since run {first} ({nothing[1]}): ipvn_applications, par_index, "
        "skhcn_submission",
        "  2025/ipvn/don_dang_ky_shcn_2025.csv (ipvn_applications): changed",
        f"  {REMOVED} (par_index): removed",
        "  2025/agencies/SKHCN_2025.xlsx (skhcn_submission): changed",
    ]
    ran, total = map(int, re.fullmatch(r"running (\d+) of (\d+) steps", lines[4]).groups())
    assert ran < total / 2
    incremental = _run_id(lines)

    # A full rebuild on the same files, in a fresh build file, is the reference.
    code, lines = _materialize(_env(tmp_path / "full", work), "--full")
    assert code == 0 and lines[:2] == ["full run (--full)", f"running {total} of {total} steps"], lines[-40:]
    rebuilt = tmp_path / "full" / "pii_warehouse.duckdb"
    for table in COMPARED:
        assert _differences(published, rebuilt, table) == 0, table
    assert table_digests(published) == table_digests(rebuilt)  # every table but the run logs
    with duckdb.connect(str(published), read_only=True) as conn:
        for table in ("quarantine.rows", "meta.row_dispositions", "meta.landing_files", "staging.measure_values"):
            assert conn.execute(f"SELECT count(*) FROM {table} WHERE file_path = ?", [REMOVED]).fetchall() == [(0,)]
        assert conn.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'build_%'").fetchall() \
            == [(0,)]  # the recorded state stays in the build file

    # A failed run leaves no state: the next run is full, even though the only change was undone.
    yearbook = work / "2023" / "gso" / "nien_giam_thong_ke_2023.xlsx"
    original = yearbook.read_bytes()
    _inflate_national_population(work, 2023, 1.10)
    code, lines = _materialize(env)
    assert code == 1 and _run_id(lines) != incremental
    assert lines[0].startswith(f"changed since run {incremental} (") and lines[0].endswith("): gso_yearbook")
    yearbook.write_bytes(original)
    code, lines = _materialize(env)
    assert code == 0, lines[-40:]
    assert lines[:2] == ["full run: the last run of this build file failed or did not finish",
                         f"running {total} of {total} steps"]
