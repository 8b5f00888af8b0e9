"""The command line a data engineer uses, run as separate processes: sample, materialize, summary."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _run(args: list[str], env: dict[str, str], timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pii.cli", *args], cwd=REPO, env=env, text=True,
                          capture_output=True, timeout=timeout, check=False)


@pytest.mark.e2e
def test_sample_materialize_summary_from_the_command_line(tmp_path: Path) -> None:
    env = {**os.environ, "PII_LANDING_DIR": str(tmp_path / "landing"),
           "PII_DUCKDB_PATH": str(tmp_path / "warehouse" / "pii_warehouse.duckdb"),
           "DAGSTER_HOME": str(REPO), "PII_STATE_DIR": str(tmp_path / "state")}
    sample = _run(["sample", "--years", "2022-2025"], env)
    assert sample.returncode == 0, sample.stderr
    assert (tmp_path / "landing" / "2025" / "vcci" / "pci_2025.xlsx").exists()
    assert "synthetic" in (tmp_path / "landing" / "README.txt").read_text(encoding="utf-8").lower()

    run = _run(["materialize"], env)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "run succeeded" in run.stdout
    assert "0 failed" in run.stdout
    assert "PII 2024: 63 provinces × 52 indicators, 3276/3276 values present" in run.stdout
    assert "PII 2025: 34 provinces × 52 indicators, 1768/1768 values present" in run.stdout
    assert (tmp_path / "warehouse" / "pii_warehouse.duckdb").exists()
    # the run was recorded on the instance in PII_STATE_DIR (what `dagster dev` shows)
    assert any((tmp_path / "state").iterdir())

    summary = _run(["summary"], env)
    assert summary.returncode == 0
    assert "core.pii_input" in summary.stdout and "160 rows" in summary.stdout


@pytest.mark.e2e
def test_materialize_without_landing_files_fails_loudly(tmp_path: Path) -> None:
    env = {**os.environ, "PII_LANDING_DIR": str(tmp_path / "empty"),
           "PII_DUCKDB_PATH": str(tmp_path / "warehouse" / "pii_warehouse.duckdb")}
    env.pop("DAGSTER_HOME", None)
    (tmp_path / "empty").mkdir()
    run = _run(["materialize"], env)
    assert run.returncode == 1
    assert "FAILED" in run.stdout
