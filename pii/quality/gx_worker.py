"""Great Expectations validation in a worker process that a run starts before its first step.

Importing GX costs 3–4 s of CPU and ≈ 150 MiB. In the run's own process that time added to every run, the
incremental ones included, since every run validates ``staging.measure_values``. The worker (``spawn``: a fresh
interpreter, no threads or locks shared with the run) imports GX and builds its context on the machine's other
core while the definitions load and the raw steps run; a validating step then sends the table as Arrow
(pickled; thousands of rows, not millions) and gets the outcomes back. The run's process never imports GX, nor
pandas (≈ 40 MiB and 0.4 s): the worker turns the Arrow table into the pandas frame GX validates with DuckDB's
own conversion, the one ``DuckDBPyRelation.df()`` makes, so the frame is the one the warehouse would give.

Definitions load the suites without GX (pii/quality/gx_suite.py); validating checks each expectation's type
and kwargs as it builds GX's objects, so a mistyped type still fails the validating step with the file and
expectation named. A worker that dies fails the validating step with that said, and the next
validation starts a new one.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from pii.quality import gx_suite
from pii.quality.gx_suite import ExpectationOutcome, Suite, SuiteError
from pii.worker_guard import exit_with_parent

if TYPE_CHECKING:
    import pyarrow as pa


# ---- in the worker process ------------------------------------------------------------------------------
# The worker imports GX (≈ 3 s of CPU) while the run's first steps execute; at national scale those are DuckDB
# queries on both cores, and an equal share for the import slowed them (a national run 20.3 → 19.4 s when the
# worker yields, measured interleaved). It yields only when both want the CPU: alone, it runs at full speed, and
# a validation is waited for by the run, which then leaves it the machine.
NICENESS = 10

def _warm() -> None:
    """Pool initializer: import GX and build the context once, for every validation that follows."""
    # When the pool stops this process, multiprocessing runs its finalizers (semaphores given back) and then the
    # exit handlers: this one, registered first, runs last and ends the process without tearing GX's modules
    # down (a second of CPU the run would wait for). Killing the process instead leaks a semaphore GX made.
    atexit.register(os._exit, 0)
    exit_with_parent()
    if hasattr(os, "nice"):  # importing GX must not take a core from the run's own DuckDB threads (see NICENESS)
        os.nice(NICENESS)
    gx_suite.gx_context()


def _ready() -> bool:
    return True


def _validate(suite: Suite, table: pa.Table) -> list[ExpectationOutcome]:
    try:  # a mistyped expectation is a SuiteError from validate itself (the suite was loaded without GX)
        return gx_suite.validate(suite, gx_suite.pandas_frame(table))
    except SuiteError:
        raise
    except Exception as exc:  # a GX error may not pickle: send its words back
        raise RuntimeError(f"{suite.path.name}: GX validation failed: {type(exc).__name__}: {exc}") from None


# ---- in the calling process -----------------------------------------------------------------------------
_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_started: Future | None = None


def prestart() -> None:
    """Start the worker now (it imports GX in the background); idempotent, returns at once."""
    global _pool, _started
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_warm)
            _started = _pool.submit(_ready)  # the pool starts its process on the first submit


def stop() -> None:
    """Stop the worker (the next validation starts another)."""
    global _pool, _started
    with _lock:
        pool, _pool, _started = _pool, None, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def validate(suite: Suite, table: pa.Table) -> list[ExpectationOutcome]:
    """:func:`pii.quality.gx_suite.validate` of ``table`` (e.g. ``relation.to_arrow_table()``) in the worker
    process (started here if no run started it)."""
    prestart()
    with _lock:
        pool = _pool
    assert pool is not None
    try:
        return pool.submit(_validate, suite, table).result()
    except BrokenProcessPool as exc:
        stop()
        raise RuntimeError(f"{suite.path.name}: the GX validation process died before answering ({exc}); "
                           "the next validation starts a new one") from None
