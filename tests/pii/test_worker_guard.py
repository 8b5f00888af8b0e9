"""A run killed from outside (SIGKILL, the out-of-memory killer) leaves no worker process behind: the GX worker
and the file reader end within a second or so, instead of waiting on their task queues forever."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = """
import sys, time
from pathlib import Path
from pii.ingest import isolated_read
from pii.quality import gx_worker

if __name__ == "__main__":
    gx_worker.prestart()
    gx_worker._started.result(timeout=120)  # GX imported: the worker is up
    table = isolated_read.read_isolated(Path(sys.argv[1]), "csv", "tiny.csv")
    pids = [*gx_worker._pool._processes, *isolated_read._pool._processes]
    print(table.num_rows, *pids, flush=True)
    time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"  # an exited orphan nobody reaped yet is gone too


def test_workers_end_when_the_run_is_killed(tmp_path: Path) -> None:
    (tmp_path / "tiny.csv").write_text("Tỉnh,Giá trị\nHà Nội,1\n", encoding="utf-8")
    (tmp_path / "run.py").write_text(SCRIPT, encoding="utf-8")
    run = subprocess.Popen([sys.executable, str(tmp_path / "run.py"), str(tmp_path / "tiny.csv")], cwd=REPO,
                           stdout=subprocess.PIPE, text=True)
    try:
        rows, *pids = run.stdout.readline().split()
        assert rows == "2" and len(pids) == 2 and all(_alive(int(p)) for p in pids)
    finally:
        os.kill(run.pid, signal.SIGKILL)
        run.wait()
    deadline = time.monotonic() + 15
    while any(_alive(int(p)) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [p for p in pids if _alive(int(p))]
    for pid in left:  # do not leave them to the next test either
        os.kill(int(pid), signal.SIGKILL)
    assert left == []
