"""Which assets a refresh has to run: the sources whose landing files changed since the last good run, and
everything downstream of them.

The build file remembers its last successful run and the landing files it saw (pipelines/build_state.py); a
run that fails, is killed or never finishes leaves no state and the next run is full.

:func:`plan_refresh` is pure: given the landing files now (:func:`landing_snapshot`), the recorded state and
the pipeline fingerprint, it returns a :class:`Plan` naming the asset keys to run (None: all of them). A
landing-folder sensor can call it with the same inputs. :func:`plan_for_build` reads those inputs from disk.
The asset graph is asked for only when something has to run: loading the definitions takes seconds.

Year backfills (``pii materialize --years 2024``): :func:`plan_years` names the landing files of those data
years, their sources and what is downstream of them; ``build_state.forget_files`` deletes those files' rows from
the raw tables and the conform ledgers of the build file before the run, so the raw and staging
steps read and conform them again although their sha256 did not change. Files of other years keep their rows.
A run launched from the Dagster UI with the run tag ``pii/years`` (:data:`YEARS_TAG`) does the same: the
``duckdb`` resource forgets the files :func:`tagged_years` names when the run starts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pii.catalog import Source, load_sources
from pii.errors import UsageError
from pii.ingest.inventory import Inventory, take_inventory
from pii.paths import REPO_ROOT
from pipelines.build_state import UNMATCHED, BuildState, FileKey, FileSignature, read_build_state

if TYPE_CHECKING:
    import dagster as dg

PUBLISH = ("meta", "published_warehouse")
# What the outputs depend on besides the landing files: a change to any of these makes the next run full.
FINGERPRINTED = ("reference", "sql", "expectations", "pii", "assets", "pipelines")
FINGERPRINTED_FILES = ("pyproject.toml", "requirements.lock")  # library versions change outputs too
# A run tag asking for a year backfill (same syntax as --years): a run of the Dagster UI carrying it reads and
# conforms again the landing files of those data years (pipelines/resources.py, :func:`tagged_years`).
YEARS_TAG = "pii/years"


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
                      sources: Iterable[str], unmatched: bool = True) -> dict[FileKey, FileSignature]:
    """The landing files a successful run of some sources (a year backfill, a sensor's run) leaves the build file
    matching: ``now`` for the rebuilt sources (their raw step synced every file of theirs) and, when ``unmatched``
    (the conformed step ran and listed them), for files no source reads; ``before`` for everything else (their
    changes, if any, are still to run)."""
    rebuilt = {*sources, UNMATCHED} if unmatched else set(sources)
    return dict(sorted({**{k: v for k, v in before.items() if k[0] not in rebuilt},
                        **{k: v for k, v in now.items() if k[0] in rebuilt}}.items()))


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
