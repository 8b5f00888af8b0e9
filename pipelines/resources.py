"""Resources, built once: where this deployment's files are (``paths``) and the DuckDB working file every asset
writes to (``duckdb``), both visible with their values and environment variables in the Dagster UI.

``PII_ENV`` (local, ci or production) picks a settings dict below (:data:`ENVIRONMENTS`); each setting is the
``PII_*`` variable named next to it when that is set (a ``dg.EnvVar``, read again when a run starts) and the
deployment's default otherwise (default locations: pii/paths.py). ``production`` has no default location:
loading the definitions without ``PII_LANDING_DIR``, ``PII_DUCKDB_PATH`` or ``PII_STATE_DIR`` fails naming it.

The ``duckdb`` resource holds the writer lock (pipelines/writer_lock.py) from the start of a run to its end,
retries DuckDB's transient IO errors on connect, and at the end of a run with a failed step writes its
data-quality report (pipelines/blocked_report.py) where ``paths`` says. A run tagged ``pii/years`` (a year
backfill launched from the UI) has those years' landing files forgotten by it once the lock is held
(pipelines/selection.py).

The working file is created in DuckDB's v1.0.0 storage format (``storage_compatibility_version``), so the
file published from it by a plain copy opens in DuckDB 1.x clients as well as 2.x (docs/decisions.md).
DuckDB keeps a file's format when it reopens it, so a working file an older version of this code created
in the newer format is detected and rebuilt from scratch once.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from dagster_shared.check import CheckError
from pydantic import Field, PrivateAttr

from pii.errors import UsageError
from pii.paths import check_database_name, deployment
from pii.snapshots import DEFAULT_KEEP, KEEP_VARIABLE
from pipelines import writer_lock
from pipelines.environment import build_path, landing_dir, state_dir, warehouse_path, writer_lock_path

STORAGE_VERSION = "v1.0.0"
BUILD_CONNECTION_CONFIG = {"storage_compatibility_version": STORAGE_VERSION}
log = logging.getLogger("pii.resources")


def storage_version(path: Path) -> str:
    """The storage format DuckDB reports for the file at ``path`` (e.g. ``v1.0.0+``), read-only."""
    conn = duckdb.connect()
    try:
        literal = str(path).replace("'", "''")
        conn.execute(f"ATTACH '{literal}' AS probed (READ_ONLY)")
        tags = conn.execute("SELECT tags FROM duckdb_databases() WHERE database_name = 'probed'").fetchall()[0][0]
        return str(tags.get("storage_version", ""))
    finally:
        conn.close()


def is_v1_readable(path: Path) -> bool:
    return storage_version(path).startswith(STORAGE_VERSION)


def migrate_build_file(path: Path) -> bool:
    """Remove a working file in a format DuckDB 1.x cannot read, so the run rebuilds it; True if removed."""
    if not path.exists():
        return False
    try:
        found = storage_version(path)
    except duckdb.Error:  # held by a running writer (it created the file, so in this format) or not DuckDB's
        return False
    if found.startswith(STORAGE_VERSION):
        return False
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    log.warning("removed the working file %s (storage %s, unreadable by DuckDB 1.x clients): this run rebuilds "
                "it from scratch in storage %s", path, found, STORAGE_VERSION)
    return True


LOCK_TIMEOUT_VARIABLE = "PII_WRITER_LOCK_TIMEOUT_SECONDS"

# Per deployment: settings that are not locations (those default in pii/paths.py). ``required`` variables must
# be set there: production never falls back to a folder inside the repository or /tmp.
ENVIRONMENTS: dict[str, dict[str, Any]] = {
    # a developer's machine: everything inside the repository, a long wait for a run already writing
    "local": {"required": (), "snapshots_keep": DEFAULT_KEEP, "writer_lock_timeout_seconds": 1800.0,
              "connect_attempts": 5},
    # CI: under $RUNNER_TEMP or /tmp (pii-ci/), one snapshot, fail fast instead of hanging a job on a lock
    "ci": {"required": (), "snapshots_keep": 1, "writer_lock_timeout_seconds": 300.0, "connect_attempts": 3},
    # a server: every location explicit; the nightly run may hold the lock for a while
    "production": {"required": ("PII_LANDING_DIR", "PII_DUCKDB_PATH", "PII_STATE_DIR"), "snapshots_keep": 14,
                   "writer_lock_timeout_seconds": 7200.0, "connect_attempts": 5},
}


class PiiPaths(dg.ConfigurableResource):
    """Where this deployment's files are; the assets read locations only from here."""

    env: str = Field(default="local", description="PII_ENV: local, ci or production (picks the defaults)")
    landing_dir: str = Field(description="PII_LANDING_DIR: the folder of source files")
    warehouse_path: str = Field(description="PII_DUCKDB_PATH: the published warehouse analysts open")
    build_path: str = Field(default="", description="PII_BUILD_DUCKDB_PATH: the working file runs write "
                            "(empty: build/<warehouse stem>_build.duckdb beside the warehouse)")
    state_dir: str = Field(default="", description="PII_STATE_DIR: the Dagster instance's storage (dagster.yaml)")
    snapshots_keep: int = Field(default=DEFAULT_KEEP, ge=0, description=f"{KEEP_VARIABLE}: publications kept")

    def landing(self) -> Path:
        return Path(self.landing_dir).resolve()

    def published(self) -> Path:
        return check_database_name(Path(self.warehouse_path).resolve(), "PII_DUCKDB_PATH")

    def build(self) -> Path:
        if self.build_path:
            return check_database_name(Path(self.build_path).resolve(), "PII_BUILD_DUCKDB_PATH")
        published = self.published()
        return published.parent / "build" / f"{published.stem}_build.duckdb"

    def reports_dir(self) -> Path:
        return self.published().parent / "reports"


class BuildDuckDBResource(DuckDBResource):
    """The working file, locked for the whole run: setup takes the writer lock, teardown gives it back.

    With the in-process executor the resources of a run are set up once, before its first step, and torn down
    after its last step, so the lock covers every write of the run.
    """

    lock_timeout_seconds: float = Field(default=writer_lock.DEFAULT_TIMEOUT_SECONDS, gt=0, description=(
        f"{LOCK_TIMEOUT_VARIABLE}: how long a run waits for another run writing the build file, then fails"))
    connect_attempts: int = Field(default=5, ge=1, description="connects tried on transient DuckDB IO errors")
    paths: PiiPaths | None = Field(default=None, description="the deployment's locations: where the report of a "
                                   "run that cannot publish goes (none: no report)")
    _lock: Path | None = PrivateAttr(default=None)
    _run_id: str = PrivateAttr(default="")
    _log: Any = PrivateAttr(default=None)
    _shared: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)
    _start: Any = PrivateAttr(default=None)  # pipelines/run_state.py StartSnapshot of a run not started by the CLI

    @classmethod
    def _is_dagster_maintained(cls) -> bool:
        return False

    def lock_path(self) -> Path:
        return writer_lock_path(Path(self.database).resolve())

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        log = context.log.info if context.log is not None else log_line
        self._run_id, self._log = context.run_id or "", log
        writer_lock.acquire(self.lock_path(), self._run_id, self.lock_timeout_seconds,
                            context.log.warning if context.log is not None else log_line,
                            command=f"dagster run (pid {os.getpid()})")
        self._lock = self.lock_path()
        try:
            path = Path(self.database)
            path.parent.mkdir(parents=True, exist_ok=True)
            migrate_build_file(path)  # under the lock: no other run has the file open
            # Every run drops the build state the last `pii materialize` recorded (pipelines/selection.py), runs
            # the daemon launches too: it stops describing the file, and analyst/comments would find its tables.
            from pii.quality import gx_worker
            from pipelines import run_state
            from pipelines.build_state import forget_build_state

            gx_worker.prestart()  # GX loads in its worker process while the first steps run (idempotent)

            self._start = run_state.snapshot_at_start(context.run, path, landing_dir())
            forget_build_state(path)
            self._forget_tagged_years(context, path)
        except BaseException:  # Dagster does not tear down a resource whose setup failed: give the lock back
            self.teardown_after_execution(context)
            raise

    def _forget_tagged_years(self, context: dg.InitResourceContext, path: Path) -> None:
        """A year backfill from the Dagster UI: a run tagged ``pii/years=2023-2024`` (the syntax of ``pii
        materialize --years``) reads and conforms again the landing files of those data years. Their rows are
        forgotten here, under the lock and before any step, as ``pii materialize --years`` does; a bad value, a
        year with no landing file, or a run not materializing those files' raw assets fails the run here."""
        from pipelines import selection
        from pipelines.build_state import forget_files

        run = context.run
        value = run.tags.get(selection.YEARS_TAG) if run is not None else None
        if run is None or value is None:
            return
        try:
            years, files = selection.tagged_years(value, landing_dir())
            plan = (context.instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id)
                    if context.instance is not None and run.execution_plan_snapshot_id else None)
            steps = set(plan.step_keys_to_execute or [s.key for s in plan.steps]) if plan is not None else None
            skipped = sorted(f"raw/{owner}" for owner in {o for o, _ in files}  # raw step keys: raw__<source_id>
                             if steps is not None and f"raw__{owner}" not in steps)
            if skipped:
                raise UsageError(f"run tag {selection.YEARS_TAG}={value}: the run does not materialize "
                                 f"{', '.join(skipped)}, which read those files again; launch Materialize all "
                                 "(or the pii_refresh job) with the tag")
        except UsageError as exc:
            (context.log.error if context.log is not None else log_line)(str(exc))
            raise
        deleted = forget_files(path, files)
        lines = [f"  {p} ({owner})" for owner, p in sorted(files, key=lambda k: (k[1], k[0]))]
        (self._log or log_line)("\n".join([
            f"run tag {selection.YEARS_TAG}={value}: rebuilding data years {selection.years_text(years)}: forgot "
            f"{len(files)} landing file{'s' * (len(files) != 1)} ({deleted} raw rows), read and conformed again "
            "by this run:", *lines]))

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        try:
            self._report_if_blocked(context)
        finally:
            try:
                self.close_shared()
            finally:
                if self._lock is not None:
                    writer_lock.release(self._lock, self._run_id)
                    self._lock = None

    def _report_if_blocked(self, context: dg.InitResourceContext) -> None:
        """After the run's last step, still under the lock: the report of a run with a failed step."""
        if self.paths is None or self._lock is None or context.instance is None or not context.run_id:
            return
        from pipelines.blocked_report import write_if_blocked

        warn = context.log.warning if context.log is not None else log_line
        try:
            write_if_blocked(context.instance, context.run_id, self.paths, self.get_connection,
                             context.log.info if context.log is not None else log_line)
        except Exception as exc:  # never hide the run's own failure behind the report's
            warn(f"data-quality report of the failed run not written: {type(exc).__name__}: {exc}")

    def record_state_after_publish(self, context: dg.AssetExecutionContext, published: Path) -> None:
        """At the end of the publish step of a run the daemon or the UI started: record the build state, as
        ``pii materialize`` does after its runs (pipelines/run_state.py)."""
        from pipelines import run_state

        if self._start is None:
            return
        if context.job_name != run_state.JOB:  # an ad-hoc job (dg.materialize in tests): not a refresh
            context.log.info(f"build state not recorded: job {context.job_name} is not {run_state.JOB}")
            return
        try:
            graph = context.repository_def.asset_graph
        except CheckError:  # executed in process from the Definitions object, not through a code location
            from pipelines.definitions import defs

            graph = defs.resolve_asset_graph()
        self.close_shared()  # the state is written by a connection of its own
        executed = self._start.selection
        if executed is None:  # the run executed its job whole: the job's assets
            executed = frozenset(context.job_def.asset_layer.asset_graph.materializable_asset_keys)
        run_state.record_after_publish(dataclasses.replace(self._start, selection=executed), Path(self.database),
                                       published, context.run_id, graph, context.log.info)

    def close_shared(self) -> None:
        """Close the run's connection (DuckDB checkpoints the file); the next step opens it again."""
        shared, self._shared = self._shared, None
        if shared is not None:
            shared.close()

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection of its own for the step (its temporary tables die with it) on the database the run
        opened once: opening and closing the file per step costs a catalog load and a checkpoint each time.
        Outside a run (no setup, no lock) every call opens and closes the file as DuckDBResource does."""
        if self._lock is None:
            conn = self._connect()
            try:
                yield conn
            finally:
                conn.close()
            return
        if self._shared is None:
            self._shared = self._connect()
        cursor = self._shared.cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    def _connect(self) -> duckdb.DuckDBPyConnection:
        config = {"custom_user_agent": "dagster", **self.connection_config}
        return writer_lock.retry_transient(
            lambda: duckdb.connect(database=self.database, read_only=False, config=config),
            attempts=self.connect_attempts, log=self._log or log_line, what=f"connecting to {self.database}")


def log_line(message: str) -> None:
    log.warning(message)


def build_resource(path: Path, lock_timeout_seconds: float = writer_lock.DEFAULT_TIMEOUT_SECONDS,
                   connect_attempts: int = 5, paths: PiiPaths | None = None) -> BuildDuckDBResource:
    """The DuckDB resource on the working file ``path``, creating it in the 1.x-readable storage format;
    ``paths``: where the report of a run that cannot publish goes (pipelines/blocked_report.py)."""
    return BuildDuckDBResource(database=str(path), connection_config=BUILD_CONNECTION_CONFIG,
                               lock_timeout_seconds=lock_timeout_seconds, connect_attempts=connect_attempts,
                               paths=paths)


def _setting(variable: str, default: object, kind: type = str) -> Any:
    """``dg.EnvVar(variable)`` when the variable is set (the UI names it), else ``default``."""
    if os.environ.get(variable, "").strip():
        return dg.EnvVar.int(variable) if kind is int else dg.EnvVar(variable)
    return default


def environment_settings() -> dict[str, Any]:
    """The settings of the deployment PII_ENV names, with the environment's PII_* variables applied.

    A bad PII_ENV, or a production deployment missing a location variable, is a one-line UsageError.
    """
    env = deployment()
    settings = ENVIRONMENTS[env]
    missing = [v for v in settings["required"] if not os.environ.get(v, "").strip()]
    if missing:
        raise UsageError(f"PII_ENV={env} needs {', '.join(missing)} set: production has no default location "
                         f"(see .env.example)")
    timeout = os.environ.get(LOCK_TIMEOUT_VARIABLE, "").strip()
    try:
        lock_timeout = float(timeout) if timeout else settings["writer_lock_timeout_seconds"]
    except ValueError:
        lock_timeout = -1.0
    if not lock_timeout > 0:
        raise UsageError(f"{LOCK_TIMEOUT_VARIABLE}={timeout!r}: expected a number of seconds above 0")
    return {**settings, "env": env, "writer_lock_timeout_seconds": lock_timeout}


def paths_resource(settings: dict[str, Any] | None = None) -> PiiPaths:
    """The ``paths`` resource of the deployment PII_ENV names (``settings``: its :func:`environment_settings`)."""
    settings = settings if settings is not None else environment_settings()
    return PiiPaths(
        env=settings["env"],
        landing_dir=_setting("PII_LANDING_DIR", str(landing_dir())),
        warehouse_path=_setting("PII_DUCKDB_PATH", str(warehouse_path())),
        build_path=_setting("PII_BUILD_DUCKDB_PATH", str(build_path())),
        state_dir=_setting("PII_STATE_DIR", str(state_dir())),
        snapshots_keep=_setting(KEEP_VARIABLE, settings["snapshots_keep"], int),
    )


def resources() -> dict[str, object]:
    """The resources of the code location, for the deployment PII_ENV names."""
    settings = environment_settings()
    path = build_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    paths = paths_resource(settings)
    return {"duckdb": build_resource(path, settings["writer_lock_timeout_seconds"], settings["connect_attempts"],
                                     paths),
            "paths": paths}
