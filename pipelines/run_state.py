"""The build state after runs ``pii materialize`` did not start: the nightly schedule, the landing sensor, the UI.

``pii materialize`` records the build file's state itself when its run succeeds (pipelines/run.py). Every other
run of ``pii_refresh`` takes a snapshot when it starts (:func:`snapshot_at_start`: the duckdb resource's setup,
under the writer lock, before the previous state is dropped and before any step reads a landing file) and records
the state at the end of the publish step (:func:`record_after_publish`), which runs only when every step before
it succeeded and no critical check failed. What it records:

* a run of every asset: the landing files and the pipeline fingerprint of its start;
* a run of a subset (the landing sensor's): only when the subset holds everything downstream of the sources it
  read again (``selection.assets_downstream_of``, as the sensor selects) and the state before it was recorded by
  the same pipeline code with nothing written since; the files of those sources are taken from its start, the
  others from the state before it;
* anything else (a hand-picked subset in the UI, no state before it): nothing, so the next ``pii materialize``
  is a full run, as before.

A file that changes while the run reads it was hashed at the start: the next plan sees it changed and reads it
again, never the other way round.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from pipelines import build_state, selection
from pipelines.jobs import pii_refresh

JOB = pii_refresh.name  # the job whose runs record the state
CLI_TAG = "pii/launched_by"  # on runs `pii materialize` executes: it records their state itself
CLI_VALUE = "pii materialize"
LANDING_FILES = dg.AssetKey(["meta", "landing_files"])


@dataclass(frozen=True)
class StartSnapshot:
    """What a run started from."""

    previous: build_state.BuildState | None
    log_rows: tuple[int, int] | None  # rows of the run logs at the start (another run wrote since `previous`?)
    files: dict[build_state.FileKey, build_state.FileSignature]
    fingerprint: str
    selection: frozenset[dg.AssetKey] | None  # the run's asset selection, None: every asset


def snapshot_at_start(run: dg.DagsterRun | None, build: Path, landing: Path) -> StartSnapshot | None:
    """The snapshot of a run ``pii materialize`` did not start (None for one it did, or outside a run)."""
    if run is None or run.tags.get(CLI_TAG) == CLI_VALUE:
        return None
    previous, log_rows, _ = build_state.read_build_state(build)
    files = selection.current_files(landing) if landing.is_dir() else {}
    chosen = frozenset(run.asset_selection) if run.asset_selection else None  # empty: the job whole, too
    return StartSnapshot(previous, log_rows, files, selection.pipeline_fingerprint(), chosen)


def files_to_record(start: StartSnapshot, graph: dg.AssetGraph
                    ) -> tuple[dict[build_state.FileKey, build_state.FileSignature] | None, str]:
    """(the landing files the build file matches after the run, or None: record nothing; why)."""
    everything = set(graph.materializable_asset_keys)
    if start.selection is None or start.selection >= everything:
        return dict(start.files), "a run of every asset"
    previous = start.previous
    if previous is None:
        return None, "a run of some assets, and no state recorded before it"
    if previous.fingerprint != start.fingerprint:
        return None, "a run of some assets, and the pipeline changed since the state before it"
    if start.log_rows != previous.log_rows:
        return None, "a run of some assets, and another run wrote the build file since the state before it"
    sources = sorted(k.path[1] for k in start.selection if len(k.path) == 2 and k.path[0] == "raw")
    unmatched = LANDING_FILES in start.selection
    missing = set(selection.assets_downstream_of(sources, unmatched, graph)) - start.selection
    if missing:
        shown = ", ".join(sorted(k.to_user_string() for k in missing)[:5])
        return None, f"a run of some assets that leaves out assets downstream of the sources it read ({shown} …)"
    files = selection.files_after_years(previous.files, start.files, sources, unmatched=unmatched)
    return files, f"a run of the sources {', '.join(sources) or '(none)'} and everything downstream of them"


def record_after_publish(start: StartSnapshot | None, build: Path, published: Path, run_id: str,
                         graph: dg.AssetGraph, log: Callable[[str], None]) -> bool:
    """Record the build state at the end of a successful run's publish step; True when recorded."""
    if start is None:
        return False
    files, why = files_to_record(start, graph)
    if files is None:
        log(f"build state not recorded ({why}): the next `pii materialize` runs every asset")
        return False
    build_state.record_build_state(build, run_id, start.fingerprint, str(published), files)
    log(f"build state recorded ({why}): the next `pii materialize` runs only what changes after it")
    return True
