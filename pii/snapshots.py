"""Dated snapshots of the published warehouse: publish atomically, keep the last N, list and restore them.

Every publication is also kept as ``<folder of the warehouse>/snapshots/<stem>_<YYYYmmddTHHMMSSZ>_<run id 8
chars>.duckdb``. A snapshot is a hard link to the published file, not a copy: publishing and restoring always
replace the published file with ``os.replace`` (a new inode) and never write into it, so the link costs no
disk and no time, and the published file is the same inode as the snapshot it came from — that is how
``list`` tells which snapshot is published. Where hard links are impossible (another file system), it is a
copy. A reader holding the published file open keeps reading its old inode through a replacement.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pii.errors import UsageError

KEEP_VARIABLE = "PII_SNAPSHOTS_KEEP"
DEFAULT_KEEP = 7
STAMP = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True)
class Snapshot:
    path: Path
    time: datetime  # UTC, whole seconds
    run_id: str  # the first 8 characters of the publishing run's id

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def snapshot_dir(published: Path) -> Path:
    return published.parent / "snapshots"


def keep_count() -> int:
    """How many snapshots to keep (``PII_SNAPSHOTS_KEEP``, default 7; 0 keeps none)."""
    raw = os.environ.get(KEEP_VARIABLE, str(DEFAULT_KEEP)).strip()
    if not raw.isdigit():
        raise UsageError(f"{KEEP_VARIABLE}={raw!r}: expected a whole number of snapshots to keep (0 or more)")
    return int(raw)


def _pattern(published: Path) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(published.stem)}_(\d{{8}}T\d{{6}}Z)_([0-9A-Za-z-]{{1,8}})\.duckdb$")


def list_snapshots(published: Path) -> list[Snapshot]:
    """The snapshots of ``published``, oldest first."""
    folder = snapshot_dir(published)
    if not folder.is_dir():
        return []
    pattern, found = _pattern(published), []
    for path in folder.iterdir():
        match = pattern.match(path.name)
        if match and path.is_file():
            when = datetime.strptime(match.group(1), STAMP).replace(tzinfo=UTC)
            found.append(Snapshot(path, when, match.group(2)))
    return sorted(found, key=lambda s: (s.time, s.name))


def is_published(snapshot: Snapshot, published: Path) -> bool:
    return published.exists() and os.path.samefile(snapshot.path, published)


def _link_or_copy(source: Path, target: Path) -> None:
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:  # no hard links here (another file system, some network shares): a copy
        shutil.copyfile(source, target)


def prune(published: Path, keep: int) -> list[Path]:
    """Delete the oldest snapshots beyond ``keep``; the paths deleted."""
    snapshots = list_snapshots(published)
    doomed = snapshots[:max(len(snapshots) - keep, 0)]
    for snapshot in doomed:
        snapshot.path.unlink(missing_ok=True)
    return [s.path for s in doomed]


def publish(build: Path, published: Path, run_id: str, keep: int | None = None,
            now: datetime | None = None) -> Snapshot | None:
    """Copy ``build`` over ``published`` atomically and keep it as a snapshot; the snapshot (None if keep=0)."""
    keep = keep_count() if keep is None else keep
    published.parent.mkdir(parents=True, exist_ok=True)
    tmp = published.with_name(published.name + ".publishing")
    shutil.copyfile(build, tmp)
    snapshot = None
    if keep > 0:
        when = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        folder = snapshot_dir(published)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{published.stem}_{when.strftime(STAMP)}_{run_id[:8]}.duckdb"
        _link_or_copy(tmp, path)
        snapshot = Snapshot(path, when, run_id[:8])
    os.replace(tmp, published)
    prune(published, keep)
    return snapshot


def resolve(ref: str, published: Path) -> Snapshot:
    """The snapshot ``ref`` names: a file name (with or without .duckdb), a run id (or its first characters),
    ``latest`` or ``latest-K`` (K publications before the latest). Unknown: UsageError with suggestions."""
    snapshots = list_snapshots(published)
    if not snapshots:
        raise UsageError(f"snapshot {ref!r}: there are no snapshots in {snapshot_dir(published)} "
                         "(every `pii materialize` that publishes makes one)")
    text = ref.strip()
    latest = re.fullmatch(r"latest(?:-(\d+))?", text)
    if latest:
        back = int(latest.group(1) or 0)
        if back >= len(snapshots):
            raise UsageError(f"snapshot {ref!r}: only {len(snapshots)} snapshot(s) kept "
                             f"(latest … latest-{len(snapshots) - 1})")
        return snapshots[-1 - back]
    by_name = [s for s in snapshots if text in (s.name, s.path.stem)]
    if by_name:
        return by_name[0]
    by_run = [s for s in snapshots if len(text) >= 4 and (s.run_id.startswith(text) or text.startswith(s.run_id))]
    if len(by_run) == 1:
        return by_run[0]
    if by_run:
        raise UsageError(f"snapshot {ref!r}: matches {len(by_run)} snapshots ({', '.join(s.name for s in by_run)}); "
                         "give the file name")
    names = [s.name for s in snapshots] + [s.run_id for s in snapshots]
    close = difflib.get_close_matches(text, names, n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}? " if close else ""
    refs = "latest" if len(snapshots) == 1 else f"latest, latest-1 … latest-{len(snapshots) - 1}"
    raise UsageError(f"snapshot {ref!r}: no such snapshot in {snapshot_dir(published)}; {hint}give a name or run id "
                     f"from `pii snapshots list`, or {refs}")


def restore(snapshot: Snapshot, published: Path) -> None:
    """Make ``snapshot`` the published file, atomically (readers holding the old file keep reading it)."""
    tmp = published.with_name(published.name + ".restoring")
    _link_or_copy(snapshot.path, tmp)
    os.replace(tmp, published)
