"""`pii report` pages opened in headless Chromium: they render, show their charts and log nothing.

Console errors are read from Chromium's own log (``--enable-logging=stderr --v=0`` prints every console
message of the page as a ``CONSOLE`` line); the pages have no script, so any such line is a failure. A
control page that does log an error checks that the detection works. Without Chromium the tests are skipped
with the reason, unless ``CI`` is set: then they fail (CI installs it with scripts/install_chromium.sh).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from pii.cli import main

from .conftest import Materialized

pytestmark = pytest.mark.e2e
BLUE = (0x1F, 0x5F, 0x8B)  # the bars' colour (pii/reports/charts.py COLOURS[0])
DEBIAN_CHROMIUM = Path("/usr/bin/chromium")


def _chromium() -> str:
    found = shutil.which("chromium") or (str(DEBIAN_CHROMIUM) if DEBIAN_CHROMIUM.exists() else None)
    if found is None:
        reason = "chromium is not installed (bash scripts/install_chromium.sh installs it)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def _open(page: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"  # a fresh profile: no lock sharing
    command = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
               f"--user-data-dir={profile}", "--window-size=1280,2000", *args, page.as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)


def _console(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if ":CONSOLE" in line]


def _check_page(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / f"{page.stem}.png"
    taken = _open(page, tmp_path, f"--screenshot={shot}")
    assert taken.returncode == 0 and shot.exists(), taken.stderr[-2000:]
    assert not _console(taken), _console(taken)
    image = Image.open(shot).convert("RGB")
    assert image.size == (1280, 2000)
    assert ImageStat.Stat(image.convert("L")).stddev[0] > 15  # not a blank page
    blue = sum(n for n, rgb in image.getcolors(1 << 20) or [] if all(abs(a - b) <= 6 for a, b in zip(rgb, BLUE,
                                                                                                   strict=True)))
    assert blue > 2000, f"only {blue} pixels of bar colour: the chart did not render"
    dom = _open(page, tmp_path, "--dump-dom")
    assert dom.returncode == 0 and "<svg" in dom.stdout and "</table>" in dom.stdout
    assert not _console(dom), _console(dom)


def _write(monkeypatch: pytest.MonkeyPatch, warehouse: Materialized, out: Path, *args: str) -> Path:
    monkeypatch.setenv("PII_DUCKDB_PATH", str(warehouse.published))
    assert main(["report", *args, "--out", str(out)]) == 0
    [page] = list(out.glob("*.html"))
    return page


def test_profile_renders_in_chromium(monkeypatch: pytest.MonkeyPatch, warehouse: Materialized,
                                     tmp_path: Path) -> None:
    _chromium()
    _check_page(_write(monkeypatch, warehouse, tmp_path / "out", "--province", "Long An", "--year", "2024"), tmp_path)


def test_national_ranking_renders_in_chromium(monkeypatch: pytest.MonkeyPatch, warehouse: Materialized,
                                              tmp_path: Path) -> None:
    _chromium()
    page = _write(monkeypatch, warehouse, tmp_path / "out", "--national", "--year", "2025", "--lang", "en")
    _check_page(page, tmp_path)


def test_console_errors_are_detected(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text('<!DOCTYPE html><p>x</p><script>console.error("broken page"); missing();</script>',
                    encoding="utf-8")
    logged = _console(_open(page, tmp_path, "--dump-dom"))
    assert any("broken page" in line for line in logged) and any("missing is not defined" in line for line in logged)


def test_missing_chromium_skips_or_fails_under_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(sys.modules[__name__], "DEBIAN_CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"install_chromium\.sh"):
        _chromium()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="chromium is not installed"):
        _chromium()
