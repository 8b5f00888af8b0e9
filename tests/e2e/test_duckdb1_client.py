"""The published warehouse opens in a plain DuckDB connection, 2.x and 1.x, with two-part names.

The 1.x client runs in its own virtual environment with duckdb==1.5.6 (the last 1.x) from PyPI, made once and
kept under ~/.cache/pii-duckdb1/ (PII_DUCKDB1_CACHE overrides). Without PyPI the 1.x test is skipped with the
reason, except under CI=true where it fails.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from assets.publish.warehouse import publish_file
from pipelines.resources import STORAGE_VERSION, is_v1_readable, migrate_build_file, storage_version

from .conftest import Materialized

pytestmark = pytest.mark.e2e
DUCKDB1 = "1.5.6"

# The README's documented queries ("Query the warehouse", "Compute the index", data officer section).
QUERIES = {
    "top_pii_input": """SELECT province_name, ind_2_2_1, ind_6_3_1 FROM core.pii_input
                        WHERE framework_year = 2025 ORDER BY ind_2_2_1 DESC, province_name LIMIT 5""",
    "top_scores": """SELECT province_code, score, rank FROM pii.scores
                     WHERE framework_year = 2025 AND level = 'index' ORDER BY rank, province_code LIMIT 5""",
    "strengths_weaknesses": """
        SELECT sw.kind, sw.position, sw.indicator_code, i.name_en AS indicator, sw.rank, round(sw.score, 1) AS score
        FROM pii.strengths_weaknesses sw
        JOIN meta.framework_indicators i USING (framework_year, indicator_code)
        JOIN meta.provinces p ON p.boundary = i.boundary AND p.province_code = sw.province_code
        WHERE sw.framework_year = 2025 AND p.name_vi = 'Hà Nội'
        ORDER BY sw.kind, sw.position""",
    "whatif": """
        SELECT w.indicator_code, i.name_en AS indicator, w.current_value, w.points_per_unit,
               w.gain_1_rank, w.gain_3_ranks, w.gain_5_ranks, w.current_rank
        FROM pii.whatif w
        JOIN meta.framework_indicators i USING (framework_year, indicator_code)
        WHERE w.framework_year = 2025 AND w.province_code = '31'
        ORDER BY w.points_per_unit DESC NULLS LAST, w.indicator_code""",
    "landing_files": """SELECT file_path, status, suggestion, reason FROM meta.landing_files
                        WHERE status <> 'conformed' ORDER BY 1""",
    "quarantine": """SELECT file_path, sheet, row_number, column_ref, raw_value, reason FROM quarantine.rows
                     ORDER BY ALL""",
    "provinces": "SELECT boundary, province_code, name_vi FROM meta.provinces ORDER BY ALL",
    "counts": """SELECT (SELECT count(*) FROM staging.measure_values), (SELECT count(*) FROM core.indicator_values),
                        (SELECT count(*) FROM pii.rank_uncertainty), (SELECT count(*) FROM raw.gso_yearbook)""",
}

# Run by both clients: a plain read-only connection, every query, rows as JSON (values as text where JSON has none).
CLIENT = """
import json, sys
import duckdb
path, queries = sys.argv[1], json.loads(sys.stdin.read())
con = duckdb.connect(path, read_only=True)
rows = {name: [list(r) for r in con.execute(sql).fetchall()] for name, sql in queries.items()}
print(json.dumps({"version": duckdb.__version__, "rows": rows}, default=str, ensure_ascii=False))
"""


def _cache() -> Path:
    return Path(os.environ.get("PII_DUCKDB1_CACHE", Path.home() / ".cache" / "pii-duckdb1"))


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"DuckDB {DUCKDB1} client unavailable under CI: {reason}")
    pytest.skip(f"DuckDB {DUCKDB1} client unavailable (PyPI unreachable?): {reason}")


@pytest.fixture(scope="session")
def duckdb1_python() -> Path:
    """The python of a venv holding duckdb==1.5.6, reused when it is already in the cache."""
    venv = _cache() / f"venv-duckdb-{DUCKDB1}"
    python = venv / "bin" / "python"
    check = [str(python), "-c", "import duckdb; print(duckdb.__version__)"]
    if python.exists() and subprocess.run(check, capture_output=True, text=True).stdout.strip() == DUCKDB1:
        return python
    staging = venv.with_name(f"{venv.name}.tmp{os.getpid()}")  # built aside, renamed when complete
    shutil.rmtree(staging, ignore_errors=True)
    made = subprocess.run([sys.executable, "-m", "venv", str(staging)], capture_output=True, text=True)
    if made.returncode != 0:
        _unavailable(f"python -m venv failed: {made.stderr.strip()[-300:]}")
    pip = subprocess.run([str(staging / "bin" / "python"), "-m", "pip", "install", "--quiet",
                          "--disable-pip-version-check", f"duckdb=={DUCKDB1}"],
                         capture_output=True, text=True, timeout=600)
    if pip.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        _unavailable(f"pip install duckdb=={DUCKDB1} failed: {pip.stderr.strip()[-300:]}")
    shutil.rmtree(venv, ignore_errors=True)
    os.replace(staging, venv)
    return python


def _read(python: Path | str, path: Path) -> dict[str, object]:
    run = subprocess.run([str(python), "-c", CLIENT, str(path)], input=json.dumps(QUERIES), capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout)


def test_a_plain_duckdb2_connection_reads_two_part_names(warehouse: Materialized) -> None:
    assert warehouse.published.name == "pii_warehouse.duckdb"
    with duckdb.connect(str(warehouse.published), read_only=True) as con:
        scores = con.execute("SELECT count(*) FROM pii.scores WHERE level = 'index'").fetchall()[0][0]
        provinces = con.execute("SELECT count(*) FROM meta.provinces").fetchall()[0][0]
        inputs = con.execute("SELECT count(DISTINCT framework_year) FROM core.pii_input").fetchall()[0][0]
        storage = con.execute("SELECT tags['storage_version'] FROM duckdb_databases() "
                              "WHERE database_name = 'pii_warehouse'").fetchall()
    assert scores == 63 + 63 + 34 and provinces == 97 and inputs == 3
    assert storage == [(f"{STORAGE_VERSION}+",)]
    result = _read(sys.executable, warehouse.published)
    assert all(result["rows"][name] for name in ("top_pii_input", "top_scores", "strengths_weaknesses", "whatif"))


def test_duckdb1_client_reads_what_duckdb2_reads(warehouse: Materialized, duckdb1_python: Path) -> None:
    old, new = _read(duckdb1_python, warehouse.published), _read(sys.executable, warehouse.published)
    assert old["version"] == DUCKDB1 and str(new["version"]).startswith("2.")
    assert old["rows"] == new["rows"]
    assert len(old["rows"]["top_scores"]) == 5 and len(old["rows"]["provinces"]) == 97


def test_a_build_file_in_the_newer_format_is_rebuilt(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    build = tmp_path / "pii_warehouse_build.duckdb"
    with duckdb.connect(str(build)) as con:  # what the code before this change created: storage v2
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
    assert storage_version(build).startswith("v2")
    with caplog.at_level(logging.WARNING, logger="pii.resources"):
        assert migrate_build_file(build)
    assert not build.exists()
    assert "rebuilds it from scratch in storage v1.0.0" in caplog.text
    assert not migrate_build_file(build)  # nothing there: nothing to do


def test_publishing_a_newer_format_build_converts_it(tmp_path: Path) -> None:
    build, published = tmp_path / "b.duckdb", tmp_path / "wh" / "pii_warehouse.duckdb"
    with duckdb.connect(str(build)) as con:
        con.execute("CREATE SCHEMA pii; CREATE TABLE pii.scores AS SELECT 42 AS score")
    said: list[str] = []
    publish_file(build, published, "abcdef0123", said.append)
    assert is_v1_readable(published) and "not in storage v1.0.0" in said[0]
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("SELECT score FROM pii.scores").fetchall() == [(42,)]
    assert build.exists() and not build.with_name("b_v1.duckdb").exists()
