"""Finding landing files for a source and fingerprinting them.

Paths are matched from the source's ``file_pattern`` with ``{year}`` as a four-digit wildcard; nothing
outside the landing folder is ever read (a file name with ``..`` or a link leaving the folder is refused).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from pii.catalog import Source

MAX_FILE_BYTES = 200 * 1024 * 1024  # a landing file above this is refused, not read


class LandingError(ValueError):
    """A landing file cannot be read safely; the message names the file."""


@dataclass(frozen=True)
class LandingFile:
    source_id: str
    data_year: int
    rel_path: str
    abs_path: Path
    sha256: str
    size: int


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _pattern_regex(file_pattern: str) -> re.Pattern[str]:
    parts = [re.escape(p) for p in file_pattern.split("{year}")]
    return re.compile("^" + r"(\d{4})".join(parts) + "$")


def safe_resolve(landing: Path, rel_path: str) -> Path:
    """Resolve ``rel_path`` inside ``landing``; refuse anything that escapes it."""
    if ".." in Path(rel_path).parts or Path(rel_path).is_absolute():
        raise LandingError(f"{rel_path}: path leaves the landing folder ('..' or absolute)")
    root = landing.resolve()
    target = (root / rel_path).resolve()
    if root not in target.parents:
        raise LandingError(f"{rel_path}: path resolves outside the landing folder ({target})")
    return target


def find_files(landing: Path, source: Source) -> list[LandingFile]:
    """All files of ``source`` under ``landing``, sorted by data year then path (deterministic)."""
    regex = _pattern_regex(source.file_pattern)
    glob = source.file_pattern.replace("{year}", "[0-9][0-9][0-9][0-9]")
    found: list[LandingFile] = []
    for path in sorted(landing.glob(glob)):
        rel = path.relative_to(landing).as_posix()
        match = regex.match(rel)
        if not match or not path.is_file():
            continue
        abs_path = safe_resolve(landing, rel)
        size = abs_path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise LandingError(f"{rel}: {size} bytes exceeds the {MAX_FILE_BYTES}-byte limit for a landing file")
        found.append(LandingFile(source.source_id, int(match.group(1)), rel, abs_path, sha256_of(abs_path), size))
    return sorted(found, key=lambda f: (f.data_year, f.rel_path))
