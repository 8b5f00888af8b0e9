"""A reader holding the published warehouse open keeps querying, without an error, through a full `pii materialize`.

Both run as separate processes through the real command line, on a landing folder made by `pii sample --out`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pii.snapshots import is_published, list_snapshots

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e

# Holds one read-only connection for its whole life and queries it in a loop; each round also attaches the file
# afresh (a new duckdb.connect on the same path would reuse the instance this process holds). After the stop
# file appears it does one last round, so it sees the publication of the run that just ended.
READER = """
import json, sys, time
from pathlib import Path
import duckdb
path, stop = sys.argv[1], Path(sys.argv[2])
held = duckdb.connect(path, read_only=True)
literal = path.replace("'", "''")
rounds, errors, held_seen, fresh_seen = 0, [], set(), []
while True:
    last = stop.exists()
    try:
        held_seen.add(held.execute("SELECT count(*) FROM pii.scores").fetchall()[0][0])
        with duckdb.connect() as fresh:
            fresh.execute(f"ATTACH '{literal}' AS w (READ_ONLY)")
            n = fresh.execute("SELECT count(*) FROM w.pii.scores JOIN w.core.pii_input USING (province_code, "
                              "framework_year) WHERE level = 'index'").fetchall()[0][0]
        if not fresh_seen or fresh_seen[-1] != n:
            fresh_seen.append(n)
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    rounds += 1
    if last:
        break
    time.sleep(0.05)
print(json.dumps({"rounds": rounds, "errors": errors, "held": sorted(held_seen), "fresh": fresh_seen}))
"""


def _seed(published: Path) -> None:
    """An earlier publication: a small synthetic warehouse with the tables the reader queries."""
    published.parent.mkdir(parents=True)
    with duckdb.connect(str(published)) as con:
        con.execute("CREATE SCHEMA pii; CREATE SCHEMA core")
        con.execute("CREATE TABLE pii.scores AS SELECT 2025 AS framework_year, '01' AS province_code, "
                    "'index' AS level, 50.0 AS score UNION ALL SELECT 2025, '79', 'index', 40.0")
        con.execute("CREATE TABLE core.pii_input AS SELECT 2025 AS framework_year, '01' AS province_code "
                    "UNION ALL SELECT 2025, '79'")


def test_a_reader_keeps_querying_through_a_full_materialize(tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    shutil.copy(REPO / "dagster.yaml", tmp_path / "home" / "dagster.yaml")
    published = tmp_path / "warehouse" / "pii_warehouse.duckdb"
    env = {**os.environ, "PII_LANDING_DIR": str(tmp_path / "landing"), "PII_DUCKDB_PATH": str(published),
           "PII_BUILD_DUCKDB_PATH": str(tmp_path / "warehouse" / "build" / "pii_warehouse_build.duckdb"),
           "PII_STATE_DIR": str(tmp_path / "state"), "DAGSTER_HOME": str(tmp_path / "home")}
    cli = [sys.executable, "-m", "pii.cli"]
    sample = subprocess.run([*cli, "sample", "--out", str(tmp_path / "landing")], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=600)
    assert sample.returncode == 0, sample.stderr[-2000:]
    _seed(published)
    seeded = published.stat().st_ino
    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(published), str(stop)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1)
        assert reader.poll() is None, reader.communicate()
        run = subprocess.run([*cli, "materialize"], cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
        stop.touch()
        out, err = reader.communicate(timeout=120)
    finally:
        reader.kill()
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert reader.returncode == 0, err[-3000:]
    seen = json.loads(out)
    assert seen["errors"] == []
    assert seen["rounds"] > 20
    assert seen["held"] == [2]  # the held connection kept its publication to the end
    assert seen["fresh"][0] == 2 and seen["fresh"][-1] == 63 + 63 + 34  # new connections saw the new one
    assert published.stat().st_ino != seeded
    snapshots = list_snapshots(published)
    assert len(snapshots) == 1 and is_published(snapshots[0], published)
