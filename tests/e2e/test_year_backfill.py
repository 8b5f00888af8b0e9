"""`pii materialize --years 2025` reads and conforms again the files of data year 2025 only, and leaves the same
warehouse as a full build of the same landing files; bad `--years` arguments exit 2 on one line."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pii.catalog import load_sources
from pii.ingest.inventory import take_inventory
from pii.ingest.set_based import is_set_based

from .conftest import published_tables

REPO = Path(__file__).resolve().parents[2]


def _env(root: Path, landing: Path) -> dict[str, str]:
    return {**os.environ, "PII_LANDING_DIR": str(landing), "PII_DUCKDB_PATH": str(root / "pii_warehouse.duckdb"),
            "PII_BUILD_DUCKDB_PATH": str(root / "build" / "pii_build.duckdb"), "PII_STATE_DIR": str(root / "state"),
            "DAGSTER_HOME": str(REPO)}  # the repository's dagster.yaml, storage in PII_STATE_DIR


def _materialize(env: dict[str, str], *args: str) -> tuple[int, list[str], str]:
    run = subprocess.run([sys.executable, "-m", "pii.cli", "materialize", "--quiet", *args], cwd=REPO, env=env,
                         text=True, capture_output=True, timeout=900, check=False)
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    return run.returncode, run.stdout.splitlines(), run.stderr


def _run_id(lines: list[str]) -> str:
    found = [m[1] for line in lines if (m := re.fullmatch(r"run (?:succeeded|FAILED) \(run id (\S+)\)", line))]
    assert len(found) == 1, lines
    return found[0]


@pytest.mark.e2e
def test_years_backfill_rereads_only_those_files_and_equals_a_full_build(landing: Path, tmp_path: Path) -> None:
    work = Path(shutil.copytree(landing, tmp_path / "landing"))
    root = tmp_path / "run"
    env = _env(root, work)
    sources = load_sources()
    matched = take_inventory(work, sources.values()).matched
    of_2025 = sorted((f.source_id, f.rel_path) for f in matched if f.data_year == 2025)
    assert of_2025 and len(of_2025) < len(matched)

    # Bad arguments: one line on stderr, exit 2, nothing run.
    for args, says in ((["--years", "20x4"], "years must look like 2022-2025 or 2022,2024, not '20x4'"),
                       (["--years", "2025", "--full"], "--years cannot be combined with --full"),
                       (["--years", "2025", "--select", "core/pii_input"], "--years cannot be combined with --select"),
                       (["--years", "2030"], "--years 2030: no landing file of data year 2030 (the landing folder "
                                             "has files of 2022-2025)")):
        code, lines, err = _materialize(env, *args)
        assert code == 2 and not lines and err.count("\n") == 1 and says in err, (args, err)
    assert not (root / "build" / "pii_build.duckdb").exists()

    code, lines, _ = _materialize(env)
    assert code == 0, lines[-40:]
    full = published_tables(root / "pii_warehouse.duckdb")

    code, lines, _ = _materialize(env, "--years", "2025")
    assert code == 0, lines[-40:]
    n_sources = len({s for s, _ in of_2025})
    assert lines[0] == f"rebuilding data years 2025: {len(of_2025)} files of {n_sources} sources"
    assert lines[1:1 + len(of_2025)] == [f"  {p} ({s}): read again" for s, p in sorted(of_2025, key=lambda k: k[::-1])]
    ran, total = map(int, re.fullmatch(r"running (\d+) of (\d+) steps", lines[1 + len(of_2025)]).groups())
    assert ran <= total
    backfill = _run_id(lines)

    # Read again: exactly the 2025 files (the raw steps log each file they read in meta.file_versions).
    with duckdb.connect(str(root / "build" / "pii_build.duckdb"), read_only=True) as conn:
        read = conn.execute("SELECT source_id, file_path, event FROM meta.file_versions WHERE run_id = ? "
                            "ORDER BY 1, 2", [backfill]).fetchall()
    assert read == [(s, p, "added") for s, p in of_2025]
    # Conformed again: exactly the 2025 files of the cell-level sources (the others have their own staging steps).
    cell_level = [k for k in of_2025 if not is_set_based(sources[k[0]])]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PII_STATE_DIR", env["PII_STATE_DIR"])
        with dg.DagsterInstance.from_config(str(REPO)) as instance:
            event = instance.get_latest_materialization_event(dg.AssetKey(["staging", "cell_observations"]))
    assert event is not None and event.run_id == backfill
    assert event.asset_materialization.metadata["files_reconformed"].value == len(cell_level) > 0

    # The same warehouse as the full build, table for table, rows in stored order.
    after = published_tables(root / "pii_warehouse.duckdb")
    assert after.keys() == full.keys()
    assert [t for t in full if after[t] != full[t]] == []

    # The backfill recorded its state: a plain run afterwards has nothing to do.
    code, lines, _ = _materialize(env)
    assert code == 0 and len(lines) == 1 and lines[0].startswith(f"nothing changed since run {backfill} ("), lines
