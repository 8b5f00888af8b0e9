"""Which assets a refresh has to run: the sources whose landing files changed since the last good run, and
everything downstream of them.

The build file remembers its last successful run in ``meta.build_state`` (run id, time, pipeline fingerprint,
row counts of the run logs) and ``meta.build_files`` (every landing file that run saw: owner, path, sha256,
refusal). Both are dropped before a run starts and written again only when it succeeds, so a run that fails,
is killed or never finishes leaves no state and the next run is full. They are written after the publish step,
so the published warehouse never holds them.

:func:`plan_refresh` is pure: given the landing files now (:func:`landing_snapshot`), the recorded state and
the pipeline fingerprint, it returns a :class:`Plan` naming the asset keys to run (None: all of them). A
landing-folder sensor can call it with the same inputs. :func:`plan_for_build` reads those inputs from disk.
The asset graph is asked for only when something has to run: loading the definitions takes seconds.

Year backfills (``pii materialize --years 2024``): :func:`plan_years` names the landing files of those data
years, their sources and what is downstream of them; :func:`forget_files` deletes those files' rows from the raw
tables and the conform ledgers (:data:`FILE_LEDGERS`) of the build file before the run, so the raw and staging
steps read and conform them again although their sha256 did not change. Files of other years keep their rows.
A run launched from the Dagster UI with the run tag ``pii/years`` (:data:`YEARS_TAG`) does the same: the
``duckdb`` resource forgets the files :func:`tagged_years` names when the run starts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from pii.catalog import Source, load_sources
from pii.errors import UsageError
from pii.ingest.inventory import Inventory, take_inventory
from pii.paths import REPO_ROOT

if TYPE_CHECKING:
    import dagster as dg

PUBLISH = ("meta", "published_warehouse")
UNMATCHED = ""  # the owner of a landing file no source reads (the conformed step quarantines it)
# What the outputs depend on besides the landing files: a change to any of these makes the next run full.
FINGERPRINTED = ("reference", "sql", "expectations", "pii", "assets", "pipelines")
FINGERPRINTED_FILES = ("pyproject.toml", "requirements.lock")  # library versions change outputs too
RUN_LOGS = ("meta.dq_results", "meta.file_versions")  # every step that writes the build file appends to these
# Per-file bookkeeping of the staging steps, keyed (source_id, file_path): a file without its row is conformed
# again (assets/staging/conformed.py CURSOR, assets/staging/tabular.py LEDGER, assets/staging/microdata.py).
FILE_LEDGERS = ("meta.conform_cursor", "meta.set_based_files", "meta.microdata_files")
# A run tag asking for a year backfill (same syntax as --years): a run of the Dagster UI carrying it reads and
# conforms again the landing files of those data years (pipelines/resources.py, :func:`tagged_years`).
YEARS_TAG = "pii/years"

STATE_DDL = """CREATE TABLE meta.build_state (
    run_id VARCHAR, finished_at VARCHAR, fingerprint VARCHAR, published_path VARCHAR,
    dq_results_rows BIGINT, file_versions_rows BIGINT)"""
FILES_DDL = "CREATE TABLE meta.build_files (owner VARCHAR, file_path VARCHAR, sha256 VARCHAR, error VARCHAR)"

FileKey = tuple[str, str]  # (owner: a source_id or UNMATCHED, path relative to the landing folder)
FileSignature = tuple[str, str]  # (sha256, refusal reason or '')


@dataclass(frozen=True)
class BuildState:
    """The last successful run of a build file and the landing files it saw."""

    run_id: str
    finished_at: str  # UTC, 'YYYY-MM-DD HH:MM:SS UTC'
    fingerprint: str
    published_path: str
    log_rows: tuple[int, int]  # rows of RUN_LOGS when it finished: more means another run wrote since
    files: Mapping[FileKey, FileSignature]


@dataclass(frozen=True)
class Plan:
    """What a refresh runs: ``asset_keys`` None means every asset, [] nothing."""

    asset_keys: list[dg.AssetKey] | None
    reason: str  # why a full run, what changed, or why nothing runs
    changed_sources: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # one line per new, changed or removed file
    previous: BuildState | None = None
    reread: list[FileKey] = field(default_factory=list)  # files read and conformed again although unchanged

    @property
    def full(self) -> bool:
        return self.asset_keys is None

    @property
    def nothing_to_do(self) -> bool:
        return self.asset_keys == []


def landing_snapshot(inventory: Inventory) -> dict[FileKey, FileSignature]:
    """Every file of a fingerprinted inventory: (owner, path) -> (sha256, refusal reason)."""
    files = {(f.source_id, f.rel_path): (f.sha256, f.error or "") for f in inventory.matched}
    files.update({(UNMATCHED, u.rel_path): (u.sha256, u.status) for u in inventory.unmatched})
    return files


def landing_years(inventory: Inventory) -> dict[FileKey, int]:
    """The data year of every file a source reads (from its path, pii/ingest/landing.py), refused files too."""
    return {(f.source_id, f.rel_path): f.data_year for f in inventory.matched}


def years_text(years: Iterable[int]) -> str:
    """(2022, 2023, 2024, 2026) -> '2022-2024, 2026'."""
    runs: list[list[int]] = []
    for year in sorted(set(years)):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def pipeline_fingerprint(root: Path = REPO_ROOT) -> str:
    """sha256 over reference/, sql/, expectations/, the Python of pii/, assets/, pipelines/ and the pinned versions."""
    digest = hashlib.sha256()
    paths = [p for folder in FINGERPRINTED for p in (root / folder).rglob("*")
             if p.is_file() and "__pycache__" not in p.parts and (folder not in ("pii", "assets", "pipelines")
                                                                   or p.suffix == ".py")]
    paths += [root / name for name in FINGERPRINTED_FILES if (root / name).is_file()]
    for path in sorted(paths):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def file_changes(before: Mapping[FileKey, FileSignature], now: Mapping[FileKey, FileSignature]) -> list[tuple]:
    """(owner, path, 'new' | 'changed' | 'removed') for every file that differs, sorted."""
    out = [(o, p, "new" if (o, p) not in before else "changed") for (o, p), sig in now.items()
           if before.get((o, p)) != sig]
    out += [(o, p, "removed") for (o, p) in before if (o, p) not in now]
    return sorted(out)


def change_lines(changes: Iterable[tuple]) -> list[str]:
    """One line per changed file, as the CLI prints and the sensor logs them."""
    return [f"{path} ({owner or 'read by no source'}): {what}" for owner, path, what in changes]


def changed_sources(changes: Iterable[tuple]) -> tuple[list[str], bool]:
    """(the sources whose files changed, sorted; whether a file no source reads changed)."""
    owners = {owner for owner, _, _ in changes}
    return sorted(owners - {UNMATCHED}), UNMATCHED in owners


def assets_downstream_of(sources: Iterable[str], unmatched_changed: bool, graph: dg.AssetGraph) -> list[dg.AssetKey]:
    """The raw/staging assets of ``sources``, everything downstream of them (whole multi-assets), and publish.

    ``unmatched_changed``: a file no source reads came, changed or went; the conformed step lists and
    quarantines those, so it and what is downstream of it run.
    """
    import dagster as dg

    known = graph.get_all_asset_keys()
    seeds = {k for s in sources for k in (dg.AssetKey(["raw", s]), dg.AssetKey(["staging", s])) if k in known}
    if unmatched_changed:
        seeds.add(dg.AssetKey(["meta", "landing_files"]))
    selected: set[dg.AssetKey] = set()
    while seeds - selected:  # a multi-asset runs whole; its other outputs have their own downstream
        selected |= seeds
        downstream = dg.AssetSelection.assets(*selected).downstream().resolve(graph)
        seeds = {k for key in downstream for k in graph.get_execution_set_asset_and_check_keys(key)
                 if isinstance(k, dg.AssetKey)} | downstream
    if selected:
        selected.add(dg.AssetKey(list(PUBLISH)))
    return sorted(selected, key=lambda k: k.to_user_string())


def plan_refresh(files: Mapping[FileKey, FileSignature], state: BuildState | None, fingerprint: str,
                 graph: Callable[[], dg.AssetGraph], published: Path, *, full: bool = False,
                 log_rows: tuple[int, int] | None = None, no_state_reason: str = "") -> Plan:
    """What to run now, from the landing files, the build file's recorded state and the pipeline fingerprint.

    ``graph`` gives the asset graph (called only when some sources changed). ``log_rows``: the rows of RUN_LOGS
    in the build file now (None: not checked). ``no_state_reason`` says why ``state`` is None (build file
    missing, unreadable, last run failed).
    """
    if full:
        return Plan(None, "full run (--full)", previous=state)
    if state is None:
        return Plan(None, f"full run: {no_state_reason or 'no successful run recorded in the build file'}")
    since = f"run {state.run_id} ({state.finished_at})"
    if state.fingerprint != fingerprint:
        return Plan(None, f"full run: the pipeline (reference/, sql/, expectations/ or code) changed since {since}",
                    previous=state)
    if log_rows is not None and log_rows != state.log_rows:
        return Plan(None, f"full run: the build file was written by another run after {since}", previous=state)
    changes = file_changes(state.files, files)
    sources, unmatched = changed_sources(changes)
    lines = change_lines(changes)
    if changes:
        keys = assets_downstream_of(sources, unmatched, graph())
        return Plan(keys, f"changed since {since}: " + (", ".join(sources) or "files no source reads"),
                    sources, lines, state)
    if not published.exists() or str(published) != state.published_path:
        import dagster as dg

        return Plan([dg.AssetKey(list(PUBLISH))], f"no landing file changed since {since}; publishing to "
                    f"{published}", previous=state)
    return Plan([], f"nothing changed since {since}: the published warehouse is current", previous=state)


def plan_years(years: Iterable[int], years_of: Mapping[FileKey, int], graph: Callable[[], dg.AssetGraph],
               base: Plan | None = None) -> Plan:
    """What ``pii materialize --years`` runs: the landing files of those data years are read and conformed again,
    and the raw/staging assets of their sources and everything downstream run (:func:`assets_downstream_of`).

    ``years_of``: the data year of every landing file (:func:`landing_years`). ``base``: the plan of a plain
    refresh now (:func:`plan_refresh`); when it is full (no usable state, the pipeline changed), the backfill
    runs everything too. Changes of other sources' files are left to the next plain run. A year with no landing
    file is a UsageError.
    """
    wanted = sorted(set(years))
    reread = files_of_years(wanted, years_of, f"--years {years_text(wanted)}")
    sources = sorted({owner for owner, _ in reread})
    reason = (f"rebuilding data years {years_text(wanted)}: {len(reread)} file{'s' * (len(reread) != 1)} of "
              f"{len(sources)} source{'s' * (len(sources) != 1)}")
    lines = [f"{path} ({owner}): read again" for owner, path in sorted(reread, key=lambda k: (k[1], k[0]))]
    previous = base.previous if base is not None else None
    if base is not None and base.full:
        return Plan(None, f"{reason}; {base.reason}", sources, lines, previous, reread)
    return Plan(assets_downstream_of(sources, False, graph()), reason, sources, lines, previous, reread)


def files_of_years(years: Iterable[int], years_of: Mapping[FileKey, int], asked: str) -> list[FileKey]:
    """The landing files of data ``years`` (``years_of``: :func:`landing_years`), sorted. A year with no landing
    file is a UsageError starting with ``asked`` (how the years were given: ``--years 2024``, the run tag)."""
    wanted = set(years)
    present = set(years_of.values())
    missing = sorted(wanted - present)
    if missing:
        have = years_text(present) if present else "none"
        raise UsageError(f"{asked}: no landing file of data year {years_text(missing)} "
                         f"(the landing folder has files of {have})")
    return sorted(k for k, y in years_of.items() if y in wanted)


def tagged_years(value: str, landing: Path) -> tuple[tuple[int, ...], list[FileKey]]:
    """(years, their landing files) of a run tagged ``pii/years`` (:data:`YEARS_TAG`, a year backfill launched from
    the Dagster UI), parsed like ``--years``; a bad value or a year with no landing file is a one-line UsageError
    naming the tag. The ``duckdb`` resource forgets those files (:func:`forget_files`) before the run's first step."""
    import argparse

    from pii.sample.cli import parse_years

    asked = f"run tag {YEARS_TAG}={value}"
    try:
        years = parse_years(value)
    except argparse.ArgumentTypeError as exc:
        raise UsageError(f"{asked}: {exc}") from None
    return years, files_of_years(years, landing_years(take_inventory(landing, load_sources().values())), asked)


def files_after_years(before: Mapping[FileKey, FileSignature], now: Mapping[FileKey, FileSignature],
                      sources: Iterable[str]) -> dict[FileKey, FileSignature]:
    """The landing files a successful year backfill leaves the build file matching: ``now`` for the rebuilt
    sources (their raw step synced every file of theirs) and for files no source reads (the conformed step listed
    them), ``before`` for every other source (their changes, if any, are still to run)."""
    rebuilt = {*sources, UNMATCHED}
    return dict(sorted({**{k: v for k, v in before.items() if k[0] not in rebuilt},
                        **{k: v for k, v in now.items() if k[0] in rebuilt}}.items()))


# -- the state in the build file ------------------------------------------------------------------------------
def _log_rows(conn: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    tables = {f"{s}.{t}" for s, t in conn.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()}
    counts = [conn.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] if t in tables else 0 for t in RUN_LOGS]
    return counts[0], counts[1]


def read_build_state(build: Path) -> tuple[BuildState | None, tuple[int, int] | None, str]:
    """(state, rows of the run logs now, why there is no state) of the build file, opened read-only."""
    if not build.exists():
        return None, None, f"no build file at {build}"
    try:
        conn = duckdb.connect(str(build), read_only=True)
    except duckdb.Error as exc:
        return None, None, f"the build file {build} cannot be opened ({str(exc).splitlines()[0]})"
    try:
        tables = {t for (t,) in conn.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'meta'").fetchall()}
        rows = conn.execute("SELECT * FROM meta.build_state").fetchall() if "build_state" in tables else []
        if "build_files" not in tables or len(rows) != 1:
            return None, None, "the last run of this build file failed or did not finish"
        run_id, finished, fingerprint, published, dq_rows, fv_rows = rows[0]
        files = {(o, p): (sha, err) for o, p, sha, err in conn.execute("SELECT * FROM meta.build_files").fetchall()}
        return (BuildState(run_id, finished, fingerprint, published, (dq_rows, fv_rows), files),
                _log_rows(conn), "")
    except duckdb.Error as exc:
        return None, None, f"the build state in {build} cannot be read ({str(exc).splitlines()[0]})"
    finally:
        conn.close()


def forget_build_state(build: Path) -> None:
    """Drop the recorded state before a run: if it fails or is killed, the next run is full."""
    if not build.exists():
        return
    conn = duckdb.connect(str(build))
    try:
        conn.execute("DROP TABLE IF EXISTS meta.build_state")
        conn.execute("DROP TABLE IF EXISTS meta.build_files")
    finally:
        conn.close()


def forget_files(build: Path, files: Iterable[FileKey]) -> int:
    """Delete the rows of ``files`` from their raw tables and the conform ledgers (:data:`FILE_LEDGERS`) in one
    transaction, so the next run reads and conforms them again; returns the raw rows deleted. Call it under the
    writer lock, after :func:`forget_build_state` (a run that then fails leaves no state: the next one is full)."""
    files = sorted(set(files))
    if not build.exists() or not files:
        return 0
    conn = duckdb.connect(str(build))
    try:
        tables = {f"{s}.{t}" for s, t in conn.execute(
            "SELECT schema_name, table_name FROM duckdb_tables()").fetchall()}
        conn.execute("BEGIN TRANSACTION")
        deleted = 0
        for source in sorted({owner for owner, _ in files}):
            paths = [p for owner, p in files if owner == source]
            raw = f"raw.{source}"
            if raw in tables:
                deleted += conn.execute(f'DELETE FROM raw."{source}" WHERE file_path IN (SELECT unnest(?::VARCHAR[]))',
                                        [paths]).fetchall()[0][0]
            for ledger in (t for t in FILE_LEDGERS if t in tables):
                conn.execute(f"DELETE FROM {ledger} WHERE source_id = ? AND file_path IN (SELECT unnest(?::VARCHAR[]))",
                             [source, paths])
        conn.execute("COMMIT")
        return deleted
    finally:
        conn.close()


def record_build_state(build: Path, run_id: str, fingerprint: str, published: str,
                       files: Mapping[FileKey, FileSignature], finished_at: str | None = None) -> None:
    """Write the state of a successful run (after it published: the published copy never holds it).

    ``finished_at`` defaults to now; the rows of the run logs are always counted now.
    """
    when = finished_at or datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    conn = duckdb.connect(str(build))
    try:
        conn.execute("BEGIN TRANSACTION")
        conn.execute("CREATE SCHEMA IF NOT EXISTS meta")
        conn.execute("DROP TABLE IF EXISTS meta.build_state")
        conn.execute("DROP TABLE IF EXISTS meta.build_files")
        conn.execute(STATE_DDL)
        conn.execute(FILES_DDL)
        conn.execute("INSERT INTO meta.build_state VALUES (?, ?, ?, ?, ?, ?)",
                     [run_id, when, fingerprint, published, *_log_rows(conn)])
        if files:
            conn.executemany("INSERT INTO meta.build_files VALUES (?, ?, ?, ?)",
                             [[o, p, sha, err] for (o, p), (sha, err) in sorted(files.items())])
        conn.execute("COMMIT")
    finally:
        conn.close()


def current_files(landing: Path, sources: Iterable[Source] | None = None) -> dict[FileKey, FileSignature]:
    """The landing folder now, every file hashed."""
    return landing_snapshot(take_inventory(landing, load_sources().values() if sources is None else sources,
                                           fingerprint=True))


def plan_for_build(build: Path, landing: Path, published: Path, graph: Callable[[], dg.AssetGraph], *,
                   full: bool = False, years: Iterable[int] | None = None,
                   ) -> tuple[Plan, dict[FileKey, FileSignature], str]:
    """(plan, landing files now, pipeline fingerprint now) for the build file, read from disk.

    ``years``: a year backfill (:func:`plan_years`) instead of the files that changed."""
    inventory = take_inventory(landing, load_sources().values(), fingerprint=True)
    files, fingerprint = landing_snapshot(inventory), pipeline_fingerprint()
    state, log_rows, why = read_build_state(build)
    plan = plan_refresh(files, state, fingerprint, graph, published, full=full, log_rows=log_rows,
                        no_state_reason=why)
    if years is not None:
        plan = plan_years(years, landing_years(inventory), graph, plan)
    return plan, files, fingerprint
