"""Worker processes end with the process that started them.

A ``spawn`` worker of a ProcessPoolExecutor waits on its task queue, whose write end it holds itself: when the
run that started it is killed (SIGKILL, the out-of-memory killer), the worker would wait forever, an orphan
holding its memory. Each worker's initializer calls :func:`exit_with_parent`.
"""

from __future__ import annotations

import os
import threading
import time

CHECK_EVERY_S = 0.5


def exit_with_parent(check_every_s: float = CHECK_EVERY_S) -> None:
    """Start a daemon thread that ends this process as soon as its parent is gone (it is re-parented)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(check_every_s)
        os._exit(1)  # nothing to finish: the run this worker served no longer exists

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
