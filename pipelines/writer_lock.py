"""One writer at a time on the build file: an OS lock every writing run holds from its start to its end.

DuckDB lets one process write a file. Dagster's ``duckdb_writer`` tag limit (dagster.yaml) serialises the runs
the daemon launches (scheduled, sensor, UI), but ``pii materialize`` executes in its own process and never
passes through that queue. So every run that writes takes an exclusive ``flock`` on
``<build dir>/<build stem>.writer.lock`` for the whole run: ``pii materialize`` before it plans (pipelines/
run.py), and any run through the ``duckdb`` resource's setup (pipelines/resources.py), which is initialised
once per run by the in-process executor. A run that finds the lock taken logs who holds it (pid, host, run
id, since when: written into the lock file), waits up to a timeout, then fails with that message; the holder
is never touched. The kernel drops a ``flock`` when its process ends, however it ends (SIGKILL included), so a
dead run never keeps the lock. Each acquisition and release is appended to ``<stem>.writer.log`` beside it
(trimmed to its last 1,000 lines when it passes 256 KiB).

Re-entrant within a process (``pii materialize`` holds it and the run it executes in-process takes it again).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import duckdb

DEFAULT_TIMEOUT_SECONDS = 1800.0
POLL_SECONDS = 0.2
REPORT_EVERY_SECONDS = 60.0
T = TypeVar("T")
Log = Callable[[str], None]

_held: dict[Path, tuple[int, int]] = {}  # lock path -> (fd, depth) held by this process
_guard = threading.Lock()


class WriterLockTimeout(RuntimeError):
    """Another run kept the writer lock longer than this run was willing to wait."""


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def holder(path: Path) -> dict[str, Any]:
    """Who holds (or last held) the lock at ``path``, as written into it: pid, host, run_id, since."""
    try:
        return json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}


def describe(info: dict[str, Any]) -> str:
    if not info:
        return "a process that has not written its name yet"
    return (f"pid {info.get('pid')} on {info.get('host')} (run {info.get('run_id') or 'not known yet'}, "
            f"{info.get('command') or 'run'}, since {info.get('since')})")


JOURNAL_MAX_BYTES = 256 * 1024  # a nightly run, a sensor run an hour: about a year of events before a trim
JOURNAL_KEEP_LINES = 1000


def _journal(path: Path, event: str, run_id: str, **extra: object) -> None:
    line = {"event": event, "time": time.time(), "at": _now(), "pid": os.getpid(), "run_id": run_id, **extra}
    journal = path.with_suffix(".log")
    with journal.open("a", encoding="utf-8") as log:
        log.write(json.dumps(line) + "\n")
    if event == "acquired" and journal.stat().st_size > JOURNAL_MAX_BYTES:
        trim_journal(journal)


def trim_journal(journal: Path, keep: int = JOURNAL_KEEP_LINES) -> None:
    """Keep the last ``keep`` lines of the journal (replaced atomically; called by the lock's holder)."""
    lines = journal.read_text(encoding="utf-8").splitlines(keepends=True)[-keep:]
    tmp = journal.with_name(journal.name + ".trim")
    tmp.write_text("".join(lines), encoding="utf-8")
    os.replace(tmp, journal)


def held_here(path: Path) -> bool:
    """True when this process holds the lock at ``path``."""
    return path.resolve() in _held


def acquire(path: Path, run_id: str = "", timeout: float = DEFAULT_TIMEOUT_SECONDS, log: Log = print,
            command: str = "") -> None:
    """Take the writer lock at ``path`` (waiting up to ``timeout`` seconds) or raise WriterLockTimeout."""
    path = path.resolve()
    with _guard:
        if path in _held:  # this process holds it already: the run pii materialize executes in-process
            fd, depth = _held[path]
            _held[path] = (fd, depth + 1)
            return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    start = time.monotonic()
    reported = None
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = time.monotonic() - start
                who = describe(holder(path))
                if waited >= timeout:
                    _journal(path, "timeout", run_id, waited=round(waited, 1))
                    raise WriterLockTimeout(
                        f"another run is writing the build file: {path} is held by {who}; gave up after "
                        f"{waited:.0f} s (PII_WRITER_LOCK_TIMEOUT_SECONDS={timeout:g}). Nothing was written; "
                        f"run again when it has finished") from None
                if reported is None or waited - reported >= REPORT_EVERY_SECONDS:
                    log(f"waiting for the writer lock {path}: held by {who}; waited {waited:.0f} s of "
                        f"{timeout:g} s")
                    if reported is None:
                        _journal(path, "waiting", run_id, holder=holder(path))
                    reported = waited
                time.sleep(POLL_SECONDS)
    except BaseException:
        os.close(fd)
        raise
    info = {"pid": os.getpid(), "host": socket.gethostname(), "run_id": run_id, "command": command,
            "since": _now()}
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(info).encode(), 0)
    with _guard:
        _held[path] = (fd, 1)
    _journal(path, "acquired", run_id, waited=round(time.monotonic() - start, 3))
    if reported is not None:
        log(f"writer lock {path} acquired after {time.monotonic() - start:.0f} s")


def release(path: Path, run_id: str = "") -> None:
    """Give the lock back (the outermost release of this process unlocks it)."""
    path = path.resolve()
    with _guard:
        if path not in _held:
            return
        fd, depth = _held[path]
        if depth > 1:
            _held[path] = (fd, depth - 1)
            return
        del _held[path]
    _journal(path, "released", run_id)
    try:
        os.ftruncate(fd, 0)  # the file no longer names a holder
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


@contextmanager
def writer_lock(path: Path, run_id: str = "", timeout: float = DEFAULT_TIMEOUT_SECONDS, log: Log = print,
                command: str = "") -> Iterator[None]:
    acquire(path, run_id, timeout, log, command)
    try:
        yield
    finally:
        release(path, run_id)


# -- transient DuckDB errors on connect ------------------------------------------------------------------------
TRANSIENT = ("could not set lock", "conflicting lock", "io error", "resource temporarily unavailable")


def is_transient(exc: BaseException) -> bool:
    """An error worth retrying: DuckDB's IO errors (a reader's brief lock on the file, a slow disk)."""
    return isinstance(exc, duckdb.IOException) or any(t in str(exc).lower() for t in TRANSIENT)


def retry_transient(fn: Callable[[], T], attempts: int = 5, base_delay: float = 0.5, max_delay: float = 8.0,
                    log: Log | None = None, what: str = "connect") -> T:
    """``fn()``, retried on transient DuckDB errors with exponential backoff (0.5, 1, 2, 4 s …)."""
    delay = base_delay
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except (duckdb.Error, OSError) as exc:
            if attempt == attempts or not is_transient(exc):
                raise
            if log is not None:
                log(f"{what} failed ({str(exc).splitlines()[0]}); attempt {attempt + 1} of {attempts} "
                    f"in {delay:g} s")
            time.sleep(delay)
            delay = min(delay * 2, max_delay)
    raise AssertionError("unreachable")
