"""Read landing files in a worker process, so that a reader crash costs one file, not the run.

python-calamine is Rust: when an allocation fails it aborts the whole process (SIGABRT), which no
``except`` can catch, and a damaged file can make any native reader crash. Files are therefore read by one
worker process, started on first use and reused for every file (``spawn``: a fresh interpreter that
shares no threads or locks with the Dagster run). Its address space is capped (``RLIMIT_AS`` at
read_limits.MAX_READER_MEMORY_MIB), so a runaway allocation fails inside the worker instead of exhausting
the machine. Whatever goes wrong becomes a :class:`ReadFailure` for that file alone, naming the file and
what happened: a limit found by the pre-check (``limit_exceeded``), a reader error, MemoryError, the
worker's death by a signal, or a read running past read_limits.READ_TIMEOUT_S (``unreadable_file``). After
a death, a timeout or a MemoryError the next file gets a new worker.

Rows come back as one Arrow IPC buffer per file, not as pickled Python objects.

Tests only: :func:`reader_replaced` makes the worker call another reader (a module-level function, so the
worker can import it) in place of grid.read_grid, e.g. one that calls ``os.abort()``.
"""

from __future__ import annotations

import multiprocessing
import resource
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path

import pyarrow as pa

from pii.ingest import read_limits
from pii.ingest.grid import DelimitedRows, GridError, GridRow, read_grid
from pii.ingest.read_limits import LimitExceeded
from pii.parsing.encodings import EncodingError
from pii.worker_guard import exit_with_parent

Reader = Callable[[Path, str, str, list[str] | None], list[GridRow]]
GRID_SCHEMA = pa.schema([("sheet", pa.string()), ("row_number", pa.int64()), ("cells", pa.list_(pa.string())),
                         ("cell_types", pa.list_(pa.string()))])
# What the worker sends back: (Arrow IPC bytes or None, message, reason code, start a new worker after this)
WorkerResult = tuple[bytes | None, str, str, bool]


@dataclass(frozen=True)
class ReadFailure:
    """Why a file could not be read: a message naming the file, and the quarantine reason code."""

    message: str
    code: str


# ---- in the worker process ------------------------------------------------------------------------------
_reader: Reader = read_grid
_memory_mib = read_limits.MAX_READER_MEMORY_MIB


def _start_worker(memory_mib: int, reader: Reader | None) -> None:
    """Pool initializer: cap the address space, no core dumps on abort, choose the reader, and end with the run."""
    global _reader, _memory_mib
    exit_with_parent()
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = memory_mib << 20 if hard == resource.RLIM_INFINITY else min(memory_mib << 20, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    _reader, _memory_mib = reader or read_grid, memory_mib


def _to_ipc(rows: list[GridRow]) -> bytes:
    """Rows as Arrow IPC; a CSV's delimiter travels in the schema metadata (``delimiter``)."""
    strings = pa.list_(pa.string())
    schema = GRID_SCHEMA.with_metadata({"delimiter": rows.delimiter} if isinstance(rows, DelimitedRows) else {})
    table = pa.table([
        pa.array([r.sheet for r in rows], pa.string()),
        pa.array([r.row_number for r in rows], pa.int64()),
        pa.array([r.cells for r in rows], strings),
        pa.array([r.types for r in rows], strings),
    ], schema=schema)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _read_in_worker(path: str, fmt: str, label: str, sheets: list[str] | None) -> WorkerResult:
    try:
        return _to_ipc(_reader(Path(path), fmt, label, sheets)), "", "", False
    except LimitExceeded as exc:
        return None, str(exc), "limit_exceeded", False
    except MemoryError:
        return None, f"{label}: exceeded the reader memory limit of {_memory_mib} MiB", "unreadable_file", True
    except (GridError, EncodingError) as exc:
        return None, str(exc), "unreadable_file", False
    except Exception as exc:  # any other reader failure (OSError, zlib.error, a library's own error): this file's
        cls = type(exc)
        kind = cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
        return None, f"{label}: the reader failed: {kind}: {exc}", "unreadable_file", False


# ---- in the calling process -----------------------------------------------------------------------------
_lock = threading.Lock()  # one file at a time through the one worker
_pool: ProcessPoolExecutor | None = None
_override: Reader | None = None


def _worker_pool() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker,
            initargs=(read_limits.MAX_READER_MEMORY_MIB, _override))
    return _pool


def stop_reader() -> None:
    """Stop the reader process at once (it keeps no state): at the end of a run, not at the interpreter's exit."""
    with _lock:
        _stop_worker(kill=True)


def _stop_worker(kill: bool = False) -> None:
    global _pool
    if _pool is None:
        return
    if kill:  # a read past the timeout: the worker will not finish by itself
        for process in list(_pool._processes.values()):  # the pool has no public handle on it
            process.kill()
    _pool.shutdown(wait=True, cancel_futures=True)
    _pool = None


def _death(process: BaseProcess | None) -> str:
    """What ended the worker, in words ('reader process died (signal 6 SIGABRT) ...')."""
    if process is None:
        return "the reader process could not be started"
    process.join(5)
    code = process.exitcode
    if code is None or code >= 0:
        return f"reader process exited with code {code} while reading the file"
    try:
        sig = signal.Signals(-code)
    except ValueError:
        return f"reader process died (signal {-code}) while reading the file"
    why = {
        signal.SIGABRT: "a native reader aborts like this when it cannot allocate memory (reader memory limit "
                        f"{read_limits.MAX_READER_MEMORY_MIB} MiB)",
        signal.SIGKILL: "it was killed from outside the run (the system's out-of-memory killer, or an operator)",
        signal.SIGSEGV: "a native reader crashed on the file",
    }.get(sig)
    return f"reader process died (signal {-code} {sig.name}) while reading the file" + (f"; {why}" if why else "")


def read_isolated(path: Path, fmt: str, label: str, sheets: list[str] | None = None) -> pa.Table | ReadFailure:
    """The grid of one file (columns sheet, row_number, cells, cell_types), read in the worker process."""
    with _lock:
        pool = _worker_pool()
        process: BaseProcess | None = None
        try:
            future = pool.submit(_read_in_worker, str(path), fmt, label, sheets)
            process = next(iter(pool._processes.values()), None)  # to report its exit code
            ipc, message, code, restart = future.result(timeout=read_limits.READ_TIMEOUT_S)
        except BrokenProcessPool:
            _stop_worker()
            return ReadFailure(f"{label}: {_death(process)}", "unreadable_file")
        except TimeoutError:
            _stop_worker(kill=True)
            return ReadFailure(f"{label}: reading took longer than {read_limits.READ_TIMEOUT_S} s; the reader "
                               "process was stopped", "unreadable_file")
        if restart:
            _stop_worker()
    if ipc is None:
        return ReadFailure(message, code)
    return pa.ipc.open_stream(ipc).read_all()


@contextmanager
def reader_replaced(reader: Reader) -> Iterator[None]:
    """Tests only: while inside, the worker reads with ``reader`` (module-level, importable) instead of read_grid."""
    global _override
    with _lock:
        _stop_worker()
        _override = reader
    try:
        yield
    finally:
        with _lock:
            _stop_worker()
            _override = None
