"""``pii snapshots list|restore``: the dated publications kept next to the warehouse (pii/snapshots.py)."""

from __future__ import annotations

import argparse

from pii.paths import warehouse_path
from pii.snapshots import is_published, list_snapshots, resolve, restore, snapshot_dir


def _list(args: argparse.Namespace) -> int:
    published = warehouse_path()
    snapshots = list_snapshots(published)
    if not snapshots:
        print(f"no snapshots in {snapshot_dir(published)}")
        return 0
    print(f"snapshots in {snapshot_dir(published)} (newest first; * = published at {published})")
    print(f"  {'ref':<9} {'published (UTC)':<20} {'run id':<8} {'size MB':>8}  name")
    for back, snap in enumerate(reversed(snapshots)):
        mark = "*" if is_published(snap, published) else " "
        ref = "latest" if back == 0 else f"latest-{back}"
        print(f"{mark} {ref:<9} {snap.time:%Y-%m-%d %H:%M:%S}  {snap.run_id:<8} {snap.size / 1e6:>8.1f}  {snap.name}")
    return 0


def _restore(args: argparse.Namespace) -> int:
    published = warehouse_path()
    snap = resolve(args.snapshot, published)
    restore(snap, published)
    print(f"restored {snap.name} (published {snap.time:%Y-%m-%d %H:%M:%S} UTC by run {snap.run_id}) to {published}")
    return 0


def add_snapshots_command(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    """Register ``snapshots list`` and ``snapshots restore`` on the ``pii`` subparsers."""
    snaps = sub.add_parser("snapshots", help="list the kept publications of the warehouse, or restore one",
                           description="Each publication is kept as warehouse/snapshots/<name>_<time>_<run>.duckdb "
                                       "(the last PII_SNAPSHOTS_KEEP, default 7).")
    actions = snaps.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="time, run id, size; * marks the published one").set_defaults(func=_list)
    back = actions.add_parser("restore", help="make a snapshot the published warehouse (atomic replace)")
    back.add_argument("snapshot", help="a name or run id from `pii snapshots list`, or latest-1 (the one before "
                                       "the latest), latest-2 …")
    back.set_defaults(func=_restore)
    return snaps
