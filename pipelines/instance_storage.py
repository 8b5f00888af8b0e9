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
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from dagster._core.storage.event_log.sqlite.sqlite_event_log import SQLITE_BUSY_TIMEOUT_SECONDS, SqliteEventLogStorage
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
