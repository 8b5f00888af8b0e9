"""Finding landing files for a source and fingerprinting them.

Paths are matched from the source's ``file_pattern`` with ``{year}`` as a four-digit wildcard; nothing
outside the landing folder is ever read. A path with ``..`` or an absolute path is refused by
:func:`safe_resolve`. A file that matches the pattern but cannot be read safely (a symbolic link leading
outside the landing folder, a file above :data:`MAX_FILE_BYTES`) is still listed, with ``error`` set and
no fingerprint: ``read_raw`` turns it into one unreadable-file row, so the error is recorded in the
warehouse and the other files of the source still load.
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
    error: str | None = None  # set when the file was refused (never opened); see the module docstring
    error_code: str = "unreadable_file"  # the quarantine reason code for ``error`` (results.REASON_CODES)


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
    """Resolve ``rel_path`` inside ``landing``; refuse anything that escapes it (``..``, absolute, links)."""
    if ".." in Path(rel_path).parts or Path(rel_path).is_absolute():
        raise LandingError(f"{rel_path}: path leaves the landing folder ('..' or absolute)")
    root = landing.resolve()
    target = (root / rel_path).resolve()
    if root not in target.parents:
        raise LandingError(f"{rel_path}: path resolves outside the landing folder ({target}); "
                           "a link to a file elsewhere is not read")
    return target


def _landing_file(landing: Path, source: Source, rel: str, year: int) -> LandingFile:
    """Fingerprint one matched file, or describe why it is refused."""
    try:
        abs_path = safe_resolve(landing, rel)
    except LandingError as exc:
        return LandingFile(source.source_id, year, rel, landing / rel, "", 0, str(exc))
    size = abs_path.stat().st_size
    if size > MAX_FILE_BYTES:
        error = f"{rel}: {size} bytes exceeds the {MAX_FILE_BYTES}-byte limit for a landing file"
        return LandingFile(source.source_id, year, rel, abs_path, "", size, error)
    return LandingFile(source.source_id, year, rel, abs_path, sha256_of(abs_path), size)


def find_files(landing: Path, source: Source) -> list[LandingFile]:
    """All files of ``source`` under ``landing``, sorted by data year then path (deterministic).

    Refused files are included with ``error`` set (see the module docstring); a broken link is skipped.
    """
    regex = _pattern_regex(source.file_pattern)
    glob = source.file_pattern.replace("{year}", "[0-9][0-9][0-9][0-9]")
    found: list[LandingFile] = []
    for path in sorted(landing.glob(glob)):
        rel = path.relative_to(landing).as_posix()
        match = regex.match(rel)
        if not match or not path.is_file():
            continue
        found.append(_landing_file(landing, source, rel, int(match.group(1))))
    return sorted(found, key=lambda f: (f.data_year, f.rel_path))
