"""Dated snapshots of the published warehouse: publish, keep N, list, restore; and the warehouse file name guard."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from pii.cli import main
from pii.errors import UsageError
from pii.paths import warehouse_path
from pii.snapshots import is_published, keep_count, list_snapshots, publish, resolve, restore
from pii.warehouse import connect_readonly
from pipelines.environment import build_path

T0 = datetime(2026, 3, 1, 1, 30, 0, tzinfo=UTC)


def _build(path: Path, marker: int) -> Path:
    """A small real DuckDB file whose pii.scores holds ``marker``."""
    path.unlink(missing_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA pii; CREATE TABLE pii.scores AS SELECT ? AS marker", [marker])
    return path


def _marker(path: Path) -> int:
    # attached, not duckdb.connect(path): that reuses an instance this process already holds on the path
    with connect_readonly(path) as con:
        return int(con.execute("SELECT marker FROM pii.scores").fetchall()[0][0])


def _publish_n(tmp_path: Path, n: int, keep: int = 7) -> Path:
    published = tmp_path / "wh" / "pii_warehouse.duckdb"
    for k in range(n):
        build = _build(tmp_path / "build.duckdb", k)
        publish(build, published, f"run{k:02d}abcdef-0000", keep=keep, now=T0 + timedelta(days=k))
    return published


def test_publish_keeps_dated_snapshots_and_prunes_beyond_keep(tmp_path: Path) -> None:
    published = _publish_n(tmp_path, 5, keep=3)
    snaps = list_snapshots(published)
    assert [s.name for s in snaps] == [f"pii_warehouse_2026030{d}T013000Z_run0{k}abc.duckdb"
                                       for d, k in ((3, 2), (4, 3), (5, 4))]
    assert [_marker(s.path) for s in snaps] == [2, 3, 4]
    assert _marker(published) == 4
    assert [is_published(s, published) for s in snaps] == [False, False, True]
    assert not published.with_name(published.name + ".publishing").exists()
    # a hard link: the published file and its snapshot are one file on disk
    assert os.stat(published).st_nlink == 2


def test_keep_zero_makes_no_snapshot(tmp_path: Path) -> None:
    published = _publish_n(tmp_path, 2, keep=0)
    assert list_snapshots(published) == []
    assert _marker(published) == 1


def test_restore_by_latest_k_run_id_and_name(tmp_path: Path) -> None:
    published = _publish_n(tmp_path, 3)
    reader = duckdb.connect(str(published), read_only=True)  # holds the published file open across restores
    restore(resolve("latest-2", published), published)
    assert _marker(published) == 0
    restore(resolve("run01abc", published), published)
    assert _marker(published) == 1
    restore(resolve("run02abcdef-0000", published), published)  # a full run id
    assert _marker(published) == 2
    restore(resolve("pii_warehouse_20260301T013000Z_run00abc", published), published)
    assert _marker(published) == 0
    assert reader.execute("SELECT marker FROM pii.scores").fetchall() == [(2,)]
    reader.close()
    assert [is_published(s, published) for s in list_snapshots(published)] == [True, False, False]
    assert len(list_snapshots(published)) == 3  # restoring makes no new snapshot


@pytest.mark.parametrize(("ref", "message"), [
    ("latest-7", "only 3 snapshot(s) kept (latest … latest-2)"),
    ("run01abd", "did you mean run01abc"),
    ("nothing-like-it", "give a name or run id from `pii snapshots list`, or latest, latest-1 … latest-2"),
])
def test_unknown_snapshot_is_a_usage_error(tmp_path: Path, ref: str, message: str) -> None:
    published = _publish_n(tmp_path, 3)
    with pytest.raises(UsageError, match="snapshot") as err:
        resolve(ref, published)
    assert message in str(err.value)


def test_cli_list_and_restore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    published = _publish_n(tmp_path, 2)
    monkeypatch.setenv("PII_DUCKDB_PATH", str(published))
    assert main(["snapshots", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].startswith("* latest    2026-03-02 01:30:00  run01abc")
    assert lines[3].startswith("  latest-1  2026-03-01 01:30:00  run00abc")
    assert lines[3].endswith("pii_warehouse_20260301T013000Z_run00abc.duckdb")

    assert main(["snapshots", "restore", "latest-1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("restored pii_warehouse_20260301T013000Z_run00abc.duckdb (published 2026-03-01 01:30:00 "
                          "UTC by run run00abc)")
    assert _marker(published) == 0

    assert main(["snapshots", "restore", "run09abc"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("pii snapshots: error: snapshot 'run09abc': no such snapshot in "), err
    assert "\n" not in err


def test_keep_count_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PII_SNAPSHOTS_KEEP", raising=False)
    assert keep_count() == 7
    monkeypatch.setenv("PII_SNAPSHOTS_KEEP", "2")
    assert keep_count() == 2
    monkeypatch.setenv("PII_SNAPSHOTS_KEEP", "-1")
    with pytest.raises(UsageError, match="PII_SNAPSHOTS_KEEP='-1': expected a whole number"):
        keep_count()


@pytest.mark.parametrize("stem", ["pii", "core", "Meta", "analyst", "main", "temp"])
def test_a_warehouse_named_like_a_schema_is_refused(stem: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PII_DUCKDB_PATH", str(tmp_path / f"{stem}.duckdb"))
    with pytest.raises(UsageError, match=f"PII_DUCKDB_PATH=.*{stem}.duckdb: DuckDB would name the database"):
        warehouse_path()
    monkeypatch.setenv("PII_DUCKDB_PATH", str(tmp_path / "pii_warehouse.duckdb"))
    monkeypatch.setenv("PII_BUILD_DUCKDB_PATH", str(tmp_path / f"{stem}.duckdb"))
    with pytest.raises(UsageError, match="PII_BUILD_DUCKDB_PATH="):
        build_path()


def test_default_file_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PII_DUCKDB_PATH", raising=False)
    monkeypatch.delenv("PII_BUILD_DUCKDB_PATH", raising=False)
    assert warehouse_path().relative_to(warehouse_path().parents[1]).as_posix() == "warehouse/pii_warehouse.duckdb"
    assert build_path().relative_to(warehouse_path().parent).as_posix() == "build/pii_warehouse_build.duckdb"


def test_cli_refuses_a_warehouse_named_pii(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PII_DUCKDB_PATH", str(tmp_path / "pii.duckdb"))
    assert main(["snapshots", "list"]) == 2
    assert "PII_DUCKDB_PATH=" in capsys.readouterr().err
