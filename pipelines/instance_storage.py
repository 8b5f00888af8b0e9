"""The SQLite storage of the local Dagster instance (dagster.yaml), with the event log's connections kept open.

Dagster's SQLite event log opens a new engine and connection for every event and closes it after the commit;
closing the last connection of a WAL database checkpoints it. A full run writes about 440 events (step
starts, outputs, materializations, check results), and that open-commit-checkpoint-close cycle cost 5–7 ms
each: a seventh of a default run's wall time. This storage is Dagster's own (same files, schema, migrations
and watchers, readable by any Dagster process) except that the event log keeps one connection per database
file open, for the last few files used, as the PostgreSQL storage of production keeps its pool
(deploy/dagster.production.yaml). SQLite still serialises writers across processes (the busy timeout is
Dagster's); a forked child opens its own connections; ``dispose`` (the instance's end) closes them, which
checkpoints each file once.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from dagster._core.event_api import EventHandlerFn
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
    SqliteEventLogStorageWatchdog,
)
from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage
from dagster._core.storage.schedules.sqlite.sqlite_schedule_storage import SqliteScheduleStorage
from dagster._core.storage.sqlite_storage import (
    DagsterSqliteStorage,
    _event_logs_directory,
    _runs_directory,
    _schedule_directory,
)
from dagster._serdes import ConfigurableClassData
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool
from watchdog.events import FileSystemEvent
from watchdog.observers import Observer

# Files whose connection stays open: a run writes its own file and the index; a webserver or daemon reading
# many runs' files keeps no more than this many open at once (the least recently used one is closed).
OPEN_FILES = 4


class KeptOpenSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log; one connection per database file stays open for the next event."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()  # set first: a new index is built in __init__
        self._pid = os.getpid()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None,
                          config_value: Mapping[str, Any]) -> KeptOpenSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        if self._pid != os.getpid():  # a forked child: its parent's connections are not its to use or close
            self._engines, self._pid = OrderedDict(), os.getpid()
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        # One connection per file, used under the storage's lock by one thread at a time (StaticPool).
        engine = create_engine(self.conn_string_for_shard(shard), poolclass=StaticPool,
                               connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False})
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        while len(self._engines) > OPEN_FILES:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:  # type: ignore[override]
        with self._db_lock, self._engine(shard).connect() as conn, conn.begin():
            yield conn

    def close_files(self) -> None:
        """Close every kept connection (each file is checkpointed as its last connection closes)."""
        with self._db_lock:
            if self._pid == os.getpid():
                for engine in self._engines.values():
                    engine.dispose()
            self._engines = OrderedDict()

    def watch(self, run_id: str, cursor: str | None, callback: EventHandlerFn) -> None:
        """Follow a run's events as they are written (the UI's live run log): Dagster's watcher reacts to changes
        of the run's file, but a connection kept open appends to the file's write-ahead log (``-wal``) and the
        file itself changes only at a checkpoint; this watcher follows both."""
        if not self._obs:
            self._obs = Observer()
            self._obs.start()
        handler = _WalAwareWatchdog(self, run_id, callback, cursor)
        self._watchers[run_id][callback] = (handler, self._obs.schedule(handler, self._base_dir, recursive=True))

    def wipe(self) -> None:
        self.close_files()  # wipe deletes the run files: no connection may hold them
        super().wipe()

    def dispose(self) -> None:
        self.close_files()
        super().dispose()


class PiiSqliteStorage(DagsterSqliteStorage):
    """``storage: sqlite`` of dagster.yaml, with :class:`KeptOpenSqliteEventLogStorage` as its event log."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        # DagsterSqliteStorage.__init__, with this module's event log (the files and folders are the same)
        self.base_dir = base_dir
        self._run_storage = SqliteRunStorage.from_local(_runs_directory(base_dir))
        self._event_log_storage = KeptOpenSqliteEventLogStorage(_event_logs_directory(base_dir))
        self._schedule_storage = SqliteScheduleStorage.from_local(_schedule_directory(base_dir))
        self._inst_data = inst_data
        super(DagsterSqliteStorage, self).__init__()

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None,  # type: ignore[override]
                          config_value: Mapping[str, Any]) -> PiiSqliteStorage:
        return cls.from_local(inst_data=inst_data, **config_value)


class _WalAwareWatchdog(SqliteEventLogStorageWatchdog):
    """Dagster's run-file watcher, also woken by the run file's write-ahead log.

    A change of the log can be seen before the writer's commit is (SQLite writes the log, then marks the commit):
    each change is read at once and once more when the log has been quiet for ``SETTLE_SECONDS``, so the last
    event of a burst is never left unread until the next one."""

    SETTLE_SECONDS = 0.2

    def __init__(self, storage: SqliteEventLogStorage, run_id: str, callback: EventHandlerFn,
                 cursor: str | None) -> None:
        super().__init__(storage, run_id, callback, cursor)
        self._paths = (self._log_path, f"{self._log_path}-wal")
        self._patterns = list(self._paths)
        self._reading = threading.Lock()  # the observer's thread and the settle timer read in turn
        self._timer: threading.Timer | None = None

    def _read(self) -> None:
        with self._reading:
            self._process_log()

    def on_modified(self, event: FileSystemEvent) -> None:
        if event.src_path not in self._paths:
            return
        self._read()
        if self._timer is not None:
            self._timer.cancel()
        self._timer = threading.Timer(self.SETTLE_SECONDS, self._read)
        self._timer.daemon = True
        self._timer.start()
