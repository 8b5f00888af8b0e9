"""A landing file is hashed once per process while the file system says it is unchanged; any write, a
replacement, or a file written just before it is hashed means it is read again (pii/ingest/landing.py)."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from pii.ingest import landing


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times a file's content was hashed (each call of hashlib.sha256 inside sha256_of)."""
    calls: list[int] = []
    real = hashlib.sha256

    def counting(*args: object) -> object:
        calls.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(landing, "hashlib", SimpleNamespace(sha256=counting))  # only sha256_of's calls counted
    monkeypatch.setattr(landing, "_HASHED", {})
    return calls


def test_a_settled_file_is_read_once(tmp_path: Path, reads: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(landing, "RECENT_NS", 0)  # as if written long ago (utime cannot age ctime)
    path = tmp_path / "papi_2024.csv"
    path.write_bytes(b"a,b\n1,2\n")
    expected = hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    assert landing.sha256_of(path) == expected
    assert landing.sha256_of(path) == expected
    assert len(reads) == 1


def test_a_replaced_file_is_read_again(tmp_path: Path, reads: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(landing, "RECENT_NS", 0)
    path = tmp_path / "papi_2024.csv"
    path.write_bytes(b"a,b\n1,2\n")
    landing.sha256_of(path)
    new = tmp_path / "incoming.csv"
    new.write_bytes(b"a,b\n1,3\n")  # same size, another file moved over it (a new inode)
    os.replace(new, path)
    assert landing.sha256_of(path) == hashlib.sha256(b"a,b\n1,3\n").hexdigest()
    assert len(reads) == 2


def test_a_file_written_just_before_is_never_remembered(tmp_path: Path, reads: list[int]) -> None:
    """Two same-size writes in place within the file system's time resolution can leave every stat field equal:
    a file this recent is hashed each time, so the second content is what is reported."""
    path = tmp_path / "papi_2024.csv"
    path.write_bytes(b"a,b\n1,2\n")
    assert landing.sha256_of(path) == hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    path.write_bytes(b"a,b\n1,3\n")  # in place: same inode, same size, times possibly unchanged
    assert landing.sha256_of(path) == hashlib.sha256(b"a,b\n1,3\n").hexdigest()
    assert landing._HASHED == {}
    assert len(reads) == 2


def test_a_write_in_place_is_seen(tmp_path: Path, reads: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    """A write in place moves the change time on, even when the modification time is put back (``touch -d``)."""
    path = tmp_path / "papi_2024.csv"
    path.write_bytes(b"a,b\n1,2\n")
    old = path.stat()
    monkeypatch.setattr(landing, "RECENT_NS", 0)
    landing.sha256_of(path)
    time.sleep(0.05)  # past the file system's time resolution (the racy case is the test above)
    with path.open("r+b") as f:  # same inode, same size
        f.write(b"x")
    os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns))
    assert path.stat().st_ctime_ns != old.st_ctime_ns or path.stat().st_mtime_ns != old.st_mtime_ns
    assert landing.sha256_of(path) == hashlib.sha256(b"x,b\n1,2\n").hexdigest()
    assert len(reads) == 2
