"""`pii materialize` shows a status line on a terminal and prints nothing extra without one."""

from __future__ import annotations

import io
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.progress import choose_mode

ROOT = Path(__file__).resolve().parents[2]
PII = Path(sys.executable).with_name("pii")
SELECT = "meta/provinces,meta/measures"  # two small steps, no landing files needed


def _env(tmp: Path) -> dict[str, str]:
    home = tmp / "dagster_home"
    home.mkdir(exist_ok=True)
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    return {**os.environ, "DAGSTER_HOME": str(home), "PII_STATE_DIR": str(tmp / "state"),
            "PII_LANDING_DIR": str(tmp / "landing"), "PII_DUCKDB_PATH": str(tmp / "wh" / "pii_warehouse.duckdb"),
            "PII_BUILD_DUCKDB_PATH": str(tmp / "wh" / "build" / "pii_warehouse_build.duckdb"), "TERM": "xterm"}


def _on_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Run the CLI with stderr on a pseudo-terminal (stdout piped); returns rc, stdout, terminal output."""
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen([str(PII), *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=follower, stdin=subprocess.DEVNULL)
        os.close(follower)
        seen = bytearray()
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the follower side closed: the process is done writing
                break
            if not chunk:
                break
            seen += chunk
        out = proc.stdout.read().decode() if proc.stdout else ""
        return proc.wait(timeout=120), out, seen.decode(errors="replace")
    finally:
        os.close(leader)


@pytest.fixture(scope="module")
def tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("progress")
    (path / "landing").mkdir()
    return path


def test_terminal_gets_an_updating_status_line(tmp: Path) -> None:
    rc, out, terminal = _on_terminal(["materialize", "--select", SELECT], _env(tmp))
    assert rc == 0, terminal
    assert "\r\033[K" in terminal  # rewritten in place
    assert "steps" in terminal and "meta__provinces" in terminal
    assert terminal.rstrip(" \r\n").endswith("\033[K")  # erased before the summary
    assert out.startswith("run succeeded")  # the summary is unchanged, on stdout


def test_no_terminal_no_progress(tmp: Path) -> None:
    done = subprocess.run([str(PII), "materialize", "--select", SELECT], cwd=ROOT, env=_env(tmp),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "steps" not in done.stderr and "\r" not in done.stderr
    assert done.stdout.startswith("run succeeded")


def test_quiet_on_a_terminal_prints_nothing_extra(tmp: Path) -> None:
    rc, _, terminal = _on_terminal(["materialize", "--select", SELECT, "--quiet"], _env(tmp))
    assert rc == 0, terminal
    assert "steps" not in terminal and "\033[K" not in terminal


def test_modes() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert choose_mode(stream=io.StringIO()) == "off"
    assert choose_mode(stream=Tty()) in ("tty", "off")  # off only when TERM=dumb
    assert choose_mode(quiet=True, stream=Tty()) == "off"
    assert choose_mode(forced=True, stream=io.StringIO()) == "lines"
