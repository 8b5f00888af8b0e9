"""`dagster dev -w workspace.yaml` serves the code location: asset graph in groups, with checks."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
QUERY = """{ assetNodes { assetKey { path } groupName assetChecksOrError {
  ... on AssetChecks { checks { name blocking } } } } }"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


@pytest.mark.e2e
def test_dagster_dev_serves_grouped_assets_with_checks(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(REPO), "PII_STATE_DIR": str(tmp_path / "state"),
           "PII_LANDING_DIR": str(tmp_path / "landing"),
           "PII_DUCKDB_PATH": str(tmp_path / "wh" / "pii_warehouse.duckdb")}
    dagster = str(Path(sys.executable).parent / "dagster")
    proc = subprocess.Popen([dagster, "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
                            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        nodes = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                data = _graphql(port, QUERY)
                nodes = data.get("data", {}).get("assetNodes")
                if nodes:
                    break
            except OSError:
                pass
            time.sleep(2)
        assert nodes, "dagster dev did not serve the asset graph within 120 s"
        groups = {n["groupName"] for n in nodes}
        assert {"reference", "raw", "staging", "quarantine", "meta", "core", "publish"} <= groups
        by_key = {"/".join(n["assetKey"]["path"]): n for n in nodes}
        checks = {c["name"]: c["blocking"] for c in by_key["staging/measure_values"]["assetChecksOrError"]["checks"]}
        assert checks["key_unique"] is True and checks["final_figures"] is False
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # dagster dev shuts down cleanly on SIGINT, not SIGTERM
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
