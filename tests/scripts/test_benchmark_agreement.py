"""The benchmark's three paths agree at small scale: `pii materialize`, the DuckDB floor and the pandas script.

scripts/benchmark.py measures (a) the pipeline against (b) scripts/floor_duckdb.py and (c) scripts/floor_pandas.py
and is only meaningful while the three compute the same staging.measure_values. This runs them on a small
synthetic sample (data years 2024-2025: both province boundaries) and compares every value (1e-9 relative).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "scripts"
pytestmark = pytest.mark.e2e


def _run(args: list[str], env: dict[str, str] | None = None) -> None:
    out = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True)
    assert out.returncode == 0, f"{' '.join(args)} exited {out.returncode}:\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small landing folder and the staging.measure_values `pii materialize` builds from it (parquet)."""
    root = tmp_path_factory.mktemp("bench")
    landing = root / "landing"
    env = {**os.environ, "PII_LANDING_DIR": str(landing), "PII_DUCKDB_PATH": str(root / "wh" / "pii_warehouse.duckdb"),
           "PII_BUILD_DUCKDB_PATH": str(root / "build" / "pii_warehouse_build.duckdb"),
           "PII_STATE_DIR": str(root / "state"),
           "DAGSTER_HOME": str(root / "home")}
    (root / "home").mkdir()
    shutil.copy(REPO / "dagster.yaml", root / "home" / "dagster.yaml")
    _run([sys.executable, "-m", "pii.cli", "sample", "--out", str(landing), "--years", "2024-2025"], env)
    run = subprocess.run([sys.executable, "-m", "pii.cli", "materialize"], cwd=REPO, env=env, capture_output=True,
                         text=True)
    # A run that fails downstream (an index check) publishes nothing but leaves staging in its build file: the
    # agreement of staging.measure_values is still what this test is about (other tests own the run's success).
    database = (root / "wh" / "pii_warehouse.duckdb" if run.returncode == 0
                else root / "build" / "pii_warehouse_build.duckdb")
    assert database.exists(), f"pii materialize exited {run.returncode} and left no warehouse:\n{run.stdout[-3000:]}"
    out = root / "pipeline.parquet"
    with duckdb.connect(str(database), read_only=True) as con:
        con.execute("COPY (SELECT province_code, boundary, year, measure_code, value FROM staging.measure_values) "
                    f"TO '{out}' (FORMAT parquet)")
    return landing, out


def _differences(a: Path, b: Path) -> list[tuple]:
    return duckdb.connect().execute(f"""
        SELECT measure_code, boundary, year, province_code, x.value AS pipeline, y.value AS floor
        FROM read_parquet('{a}') x FULL JOIN read_parquet('{b}') y
            USING (province_code, boundary, year, measure_code)
        WHERE x.value IS NULL OR y.value IS NULL
           OR abs(x.value - y.value) > 1e-9 * greatest(abs(x.value), abs(y.value))
        ORDER BY ALL""").fetchall()


@pytest.mark.parametrize("script", ["floor_duckdb.py", "floor_pandas.py"])
def test_floor_agrees_with_the_pipeline(built: tuple[Path, Path], script: str, tmp_path: Path) -> None:
    landing, pipeline = built
    out = tmp_path / "floor.parquet"
    _run([sys.executable, str(SCRIPTS / script), "--landing", str(landing), "--out", str(out)])
    n = duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{pipeline}')").fetchone()[0]
    assert n > 1000, "the pipeline staged almost nothing: the comparison would be empty"
    diff = _differences(pipeline, out)
    assert not diff, f"{len(diff)} value(s) differ between pii materialize and {script}, first: {diff[:10]}"


def test_benchmark_comparison_reports_a_changed_value(built: tuple[Path, Path], tmp_path: Path) -> None:
    """The harness's comparison names the key that differs (a floor that drifted is not silently accepted)."""
    sys.path.insert(0, str(SCRIPTS))
    from benchmark import compare

    _, pipeline = built
    changed = tmp_path / "changed.parquet"
    duckdb.connect().execute(f"""COPY (SELECT * REPLACE (CASE WHEN row_number() OVER () = 1 THEN value + 1
        ELSE value END AS value), 'x' AS source_id FROM read_parquet('{pipeline}')) TO '{changed}' (FORMAT parquet)""")
    with_source = tmp_path / "pipeline.parquet"
    duckdb.connect().execute(f"COPY (SELECT *, 'x' AS source_id FROM read_parquet('{pipeline}')) TO '{with_source}' "
                             "(FORMAT parquet)")
    lines = compare(with_source, changed, "changed", None)
    assert lines and lines[0].startswith("1 key(s) differ"), lines
    assert "values differ" in lines[1]
