"""What ``pii materialize`` is doing while it runs: step, rows written, elapsed time.

Fed by Dagster's own event stream (``DagsterInstance.add_event_listener`` on the run's id): STEP_START,
ASSET_MATERIALIZATION (its ``dagster/row_count``), STEP_SUCCESS and STEP_FAILURE. Three modes:

- ``tty``: one status line on stderr, rewritten in place (``\\r`` + erase line) and erased at the end, so the
  run's summary on stdout is what stays on the screen;
- ``lines``: one plain line per finished step (``--progress``: logs, tests, a terminal that cannot rewrite);
- ``off``: nothing (``--quiet``, and by default whenever stderr is not a terminal: cron, CI, pipes).
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable
from typing import TextIO

MODES = ("tty", "lines", "off")


def choose_mode(quiet: bool = False, forced: bool = False, stream: TextIO | None = None) -> str:
    """``off`` when quiet, ``lines`` when forced, else ``tty`` only when ``stream`` (stderr) is a terminal."""
    if quiet:
        return "off"
    if forced:
        return "lines"
    stream = stream if stream is not None else sys.stderr
    try:
        return "tty" if stream.isatty() and os.environ.get("TERM") != "dumb" else "off"
    except (AttributeError, ValueError):  # a closed or unusual stream: stay quiet
        return "off"


def _seconds(value: float) -> str:
    return f"{value:.1f}s" if value < 60 else f"{int(value // 60)}m{value % 60:04.1f}s"


class Progress:
    """An event listener: call it with each ``EventLogEntry`` of the run."""

    def __init__(self, mode: str, total_steps: int | None = None, stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        assert mode in MODES, mode
        self.mode, self.total, self.stream, self.clock = mode, total_steps, stream or sys.stderr, clock
        self.started = clock()
        self.running: dict[str, float] = {}  # step key -> start time
        self.rows: dict[str, int] = {}  # step key -> rows written (sum of its materializations' row counts)
        self.done = 0
        self.failed = 0
        self._shown = False

    def __call__(self, entry: object) -> None:
        if self.mode == "off":
            return
        event = getattr(entry, "dagster_event", None)
        step = getattr(event, "step_key", None)
        if event is None or step is None:
            return
        kind = event.event_type_value
        now = self.clock()
        if kind == "STEP_START":
            self.running[step] = now
        elif kind == "ASSET_MATERIALIZATION":
            count = _row_count(event)
            if count is not None:
                self.rows[step] = self.rows.get(step, 0) + count
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            began = self.running.pop(step, now)
            self.done += 1
            self.failed += kind == "STEP_FAILURE"
            if self.mode == "lines":
                self._write(f"{self._prefix(now)} {step} {'FAILED' if kind == 'STEP_FAILURE' else 'done'} "
                            f"in {_seconds(now - began)}{self._rows(step)}\n")
        else:
            return
        if self.mode == "tty":
            self._status(now)

    def _prefix(self, now: float) -> str:
        total = f"/{self.total}" if self.total else ""
        return f"[{_seconds(now - self.started):>7}] {self.done}{total} steps"

    def _rows(self, step: str) -> str:
        return f", {self.rows[step]:,} rows" if step in self.rows else ""

    def _status(self, now: float) -> None:
        if self.running:
            step, began = min(self.running.items(), key=lambda kv: kv[1])
            doing = f"running {step} ({_seconds(now - began)}{self._rows(step)})"
            if len(self.running) > 1:
                doing += f" +{len(self.running) - 1} more"
        else:
            doing = "waiting for the next step"
        failed = f", {self.failed} failed" if self.failed else ""
        line = f"{self._prefix(now)}{failed} · {doing}"
        width = max(20, shutil.get_terminal_size((100, 24)).columns - 1)
        self._write("\r\033[K" + (line if len(line) <= width else line[:width - 1] + "…"))
        self._shown = True

    def close(self) -> None:
        """Erase the status line (tty) or print the total (lines), before the run's summary is printed."""
        if self.mode == "tty" and self._shown:
            self._write("\r\033[K")
        elif self.mode == "lines":
            self._write(f"{self._prefix(self.clock())} finished\n")

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed terminal must never fail the run
            self.mode = "off"


def _row_count(event: object) -> int | None:
    data = getattr(event, "event_specific_data", None)
    materialization = getattr(data, "materialization", None)
    value = (getattr(materialization, "metadata", None) or {}).get("dagster/row_count")
    value = getattr(value, "value", value)
    return int(value) if isinstance(value, int) else None
