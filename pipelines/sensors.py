"""The landing-folder sensor: a file that comes, changes or goes starts a ``pii_refresh`` run of what it feeds.

Each tick hashes the landing folder (pipelines/selection.py, ``current_files``: ≈ 0.1 s for the sample) and
compares it with the cursor, the landing files the previous tick saw. Nothing changed: no run, and the asset
graph is not even looked at. Files changed: one ``RunRequest`` of ``pii_refresh`` selecting only the raw and
staging assets of the sources whose files changed, everything downstream of them and the publish step
(``assets_downstream_of``, the selection ``pii materialize`` uses). The run carries the job's ``duckdb_writer``
tag, so dagster.yaml queues it behind any run writing the build file.

Cursor (JSON): ``seq`` (requests so far), ``files`` (the landing files the last tick saw), ``base`` (the files
the last requested run started from; null when it ran everything) and ``run_key`` of that request. The run key
is ``landing-<seq>-<digest of base and files>``: a tick evaluated twice (the daemon restarted between the request
and storing the cursor) asks for the same key, and Dagster starts it once.

**First tick** (no cursor: a new instance, or the sensor was reset): the build file's recorded state decides,
as for ``pii materialize`` (``plan_refresh``). A successful ``pii materialize`` of the same landing files and
code leaves nothing to do: no run. Files changed since it: those sources and what is downstream. No usable state
(no build file, last run failed, code changed, or the build file was written since by a run that recorded no
state: pipelines/run_state.py says which runs record it): one full run. An empty landing folder starts nothing.
A build file locked by a running writer is read again on the next tick.

**A subset needs the rest of the build file**: when the build file does not exist, the run is full. When the
run requested last failed or was canceled, the next change also re-selects the sources that run was for (the
nightly full refresh repairs anything else). A failed run is never retried on its own: that waits for the next
change (or the nightly run), so a bad file does not start a failing run every tick.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

import dagster as dg

from pipelines import selection
from pipelines.environment import build_path, landing_dir, warehouse_path
from pipelines.jobs import WRITER_TAGS, pii_refresh

INTERVAL_VARIABLE = "PII_SENSOR_INTERVAL_SECONDS"
DEFAULT_INTERVAL_SECONDS = 60
TRIGGER_TAG = "pii/trigger"
FAILED = {dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}
MAX_CHANGES_IN_TAG = 20  # tag values are for people: the full list is in the tick's log

Files = dict[selection.FileKey, selection.FileSignature]


def interval_seconds(environ: Mapping[str, str] | None = None) -> int:
    """The sensor's minimum interval: ``PII_SENSOR_INTERVAL_SECONDS`` (whole seconds > 0), default 60."""
    from pii.errors import UsageError

    raw = (os.environ if environ is None else environ).get(INTERVAL_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_INTERVAL_SECONDS
    if not raw.isdigit() or int(raw) <= 0:
        raise UsageError(f"{INTERVAL_VARIABLE}={raw!r}: use a whole number of seconds greater than 0")
    return int(raw)


# -- the cursor ------------------------------------------------------------------------------------------------
def _encode(files: Files | None) -> list[list[str]] | None:
    return None if files is None else [[o, p, sha, err] for (o, p), (sha, err) in sorted(files.items())]


def _decode(rows: list[list[str]] | None) -> Files | None:
    return None if rows is None else {(o, p): (sha, err) for o, p, sha, err in rows}


def dump_cursor(seq: int, files: Files, base: Files | None, run_key: str | None) -> str:
    return json.dumps({"v": 1, "seq": seq, "files": _encode(files), "base": _encode(base), "run_key": run_key},
                      separators=(",", ":"), ensure_ascii=False)


def load_cursor(text: str | None) -> dict | None:
    """The cursor as a dict (files and base decoded); None when there is none or it is not this version's."""
    if not text:
        return None
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    if not isinstance(doc, dict) or doc.get("v") != 1:
        return None
    return {**doc, "files": _decode(doc["files"]) or {}, "base": _decode(doc["base"])}


def digest(files: Files | None) -> str:
    return hashlib.sha256(json.dumps(_encode(files), ensure_ascii=False).encode()).hexdigest()


def run_key(seq: int, base: Files | None, files: Files) -> str:
    return f"landing-{seq}-{hashlib.sha256((digest(base) + digest(files)).encode()).hexdigest()[:16]}"


# -- one tick --------------------------------------------------------------------------------------------------
def _request(keys: list[dg.AssetKey] | None, key: str, reason: str, changes: list[str]) -> dg.RunRequest:
    shown = changes[:MAX_CHANGES_IN_TAG] + ([f"… {len(changes) - MAX_CHANGES_IN_TAG} more"]
                                          if len(changes) > MAX_CHANGES_IN_TAG else [])
    tags = {**WRITER_TAGS, TRIGGER_TAG: "landing_sensor", "pii/reason": reason[:400],
            "pii/changes": "\n".join(shown)[:2000]}
    return dg.RunRequest(run_key=key, job_name=pii_refresh.name, asset_selection=keys, tags=tags)


def _last_run_failed(instance: dg.DagsterInstance, key: str | None) -> bool:
    if not key:
        return False
    runs = instance.get_runs(dg.RunsFilter(tags={"dagster/run_key": key}), limit=1)
    return bool(runs) and runs[0].status in FAILED


def _first_tick(context: dg.SensorEvaluationContext, now: Files, build: Path, published: Path):
    state, log_rows, why = selection.read_build_state(build)
    if state is None and build.exists() and "cannot be opened" in why:
        return dg.SkipReason(f"{why}: a run is probably writing it; read again on the next tick")
    if not now:
        context.update_cursor(dump_cursor(0, now, None, None))
        return dg.SkipReason(f"the landing folder {landing_dir()} holds no file: nothing to run")
    plan = selection.plan_refresh(now, state, selection.pipeline_fingerprint(),
                                  lambda: context.repository_def.asset_graph, published, log_rows=log_rows,
                                  no_state_reason=why)
    if plan.nothing_to_do:
        context.update_cursor(dump_cursor(0, now, None, None))
        return dg.SkipReason(f"first tick: {plan.reason}")
    base = None if plan.full or state is None else dict(state.files)
    key = run_key(1, base, now)
    context.update_cursor(dump_cursor(1, now, base, key))
    context.log.info(f"first tick: {plan.reason}" + "".join(f"\n  {line}" for line in plan.changes))
    return _request(plan.asset_keys, key, f"first tick: {plan.reason}", plan.changes)


def evaluate(context: dg.SensorEvaluationContext):
    """One tick: a RunRequest for what the landing files changed since the cursor, or a SkipReason."""
    landing, build, published = landing_dir(), build_path(), warehouse_path()
    now = selection.current_files(landing) if landing.is_dir() else {}
    cursor = load_cursor(context.cursor)
    if cursor is None:
        return _first_tick(context, now, build, published)
    seen: Files = cursor["files"]
    if now == seen:
        return dg.SkipReason(f"no landing file changed ({len(now)} files in {landing})")
    changes = selection.file_changes(seen, now)
    base: Files | None = seen
    why = ""
    if _last_run_failed(context.instance, cursor.get("run_key")):  # what that run was for is still to do
        base, why = cursor["base"], f"; run {cursor['run_key']} failed, its changes are selected again"
        if base is not None:
            changes = sorted(set(changes) | set(selection.file_changes(base, now)) | set(
                selection.file_changes(base, seen)))
    if not build.exists():
        base, why = None, f"{why}; no build file at {build}: a subset needs the other tables"
    lines = selection.change_lines(changes)
    if base is None:
        keys, reason = None, f"full run: landing files changed{why}"
    else:
        sources, unmatched = selection.changed_sources(changes)
        keys = selection.assets_downstream_of(sources, unmatched, context.repository_def.asset_graph)
        if not keys:  # no asset reads these files (cannot happen with reference/sources.yaml as it is)
            context.update_cursor(dump_cursor(int(cursor.get("seq", 0)), now, cursor["base"], cursor.get("run_key")))
            return dg.SkipReason("landing files changed, but no asset reads them: " + "; ".join(lines))
        reason = "landing files changed: " + (", ".join(sources) or "files no source reads") + why
    seq = int(cursor.get("seq", 0)) + 1
    key = run_key(seq, base, now)
    context.update_cursor(dump_cursor(seq, now, base, key))
    context.log.info(reason + "".join(f"\n  {line}" for line in lines))
    return _request(keys, key, reason, lines)


@dg.sensor(name="landing_sensor", job=pii_refresh, minimum_interval_seconds=interval_seconds(),
           default_status=dg.DefaultSensorStatus.RUNNING,
           description="Starts pii_refresh for the sources whose landing files came, changed or went (and what is "
                       "downstream of them); no run when nothing changed. Interval: PII_SENSOR_INTERVAL_SECONDS.")
def landing_sensor(context: dg.SensorEvaluationContext):
    return evaluate(context)


defs = dg.Definitions(sensors=[landing_sensor])
