"""Finding the landing files of a source, deciding their data year, and fingerprinting them.

Every file under the landing folder is listed by :func:`landing_paths` (folder links inside the folder are
followed unless they loop; a link to a folder outside is listed, never followed). A path belongs to a
source when it matches the source's ``file_pattern``, ``{year}`` standing for four digits; names match
ignoring letter case (files come from Windows shares, where ``SKHCN_2024.XLSX`` is the same name). What
the pipeline does not guess, each a refused file with its reason code (``error_code``):

* ``path_year_mismatch``: the pattern's year slots disagree (``2024/papi/papi_2023.csv``);
* ``unsupported_year``: a year outside :data:`SUPPORTED_YEARS`;
* ``duplicate_file``: two files of one source and data year (``papi_2024.csv`` and ``PAPI_2024.csv``):
  neither is read, each names the other;
* ``unreadable_file`` / ``limit_exceeded``: a link leading outside the landing folder, a broken link,
  something that is not a regular file, a file above :data:`MAX_FILE_BYTES`.

A refused file is never opened (no fingerprint); ``read_raw`` turns it into one raw row carrying the
error, so it is quarantined at file level and the other files of the source still load. Paths with
``..`` or absolute paths are refused by :func:`safe_resolve`. Files matching no source: inventory.py.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from pii.catalog import Source

MAX_FILE_BYTES = 200 * 1024 * 1024  # a landing file above this is refused, not read
# Data years a landing file may have. Each has a province boundary (pii.provinces.boundary_for_year
# covers 2008 on) and passes the critical year check of staging.measure_values (``year_plausible``,
# expectations/staging.measure_values.json; a test keeps the two equal). A file of another year is refused
# as ``unsupported_year`` instead of failing the conformed step (2005) or the whole run (2031).
SUPPORTED_YEARS = range(2015, 2031)


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


# sha256 of files this process hashed, by what the file system says of them: a run hashes each landing file to
# plan, again in its raw step and (microdata) in its staging step; a file whose device, inode, size,
# modification and change times are all unchanged has not been written since (any write moves ctime, which no
# tool can set), so its sha256 is not read again (≈ 250 MiB twice a national run). File times have the kernel
# clock's coarse resolution (milliseconds), so two writes close together can leave the same times: a file
# written less than RECENT_NS before it is hashed is never remembered (git's "racily clean" rule).
_HASHED: dict[tuple[int, int, int, int, int], str] = {}
RECENT_NS = 2_000_000_000
MAX_REMEMBERED = 100_000


def sha256_of(path: Path) -> str:
    before = os.stat(path)
    key = (before.st_dev, before.st_ino, before.st_size, before.st_mtime_ns, before.st_ctime_ns)
    known = _HASHED.get(key)
    if known is not None:
        return known
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
        after = os.fstat(f.fileno())
    digest = h.hexdigest()
    unchanged = (after.st_dev, after.st_ino, after.st_size, after.st_mtime_ns, after.st_ctime_ns) == key
    if unchanged and time.time_ns() - max(after.st_mtime_ns, after.st_ctime_ns) > RECENT_NS:
        if len(_HASHED) >= MAX_REMEMBERED:  # a long-lived process (the daemon's sensor) sees many versions
            _HASHED.clear()
        _HASHED[key] = digest  # settled before it was read and not written while it was: the digest is the file's
    return digest


def pattern_regex(file_pattern: str) -> re.Pattern[str]:
    """``{year}`` → four ASCII digits (a group each); everything else literal, any letter case."""
    parts = [re.escape(unicodedata.normalize("NFC", p)) for p in file_pattern.split("{year}")]
    return re.compile("^" + "([0-9]{4})".join(parts) + "$", re.IGNORECASE)


def match_path(regex: re.Pattern[str], rel: str) -> re.Match[str] | None:
    return regex.match(unicodedata.normalize("NFC", rel))


def safe_resolve(landing: Path, rel_path: str) -> Path:
    """Resolve ``rel_path`` inside ``landing``; refuse anything that escapes it (``..``, absolute, links)."""
    if ".." in Path(rel_path).parts or Path(rel_path).is_absolute():
        raise LandingError(f"{rel_path}: path leaves the landing folder ('..' or absolute)")
    root = landing.resolve()
    target = (root / rel_path).resolve()
    if target != root and root not in target.parents:  # the root itself (a looping link) is refused below
        raise LandingError(f"{rel_path}: path resolves outside the landing folder ({target}); "
                           "a link to a file elsewhere is not read")
    return target


def landing_paths(landing: Path) -> list[str]:
    """Every file under ``landing`` as a sorted relative POSIX path (links and special files included).

    A folder link is followed when it stays inside the folder and does not loop back into a folder it is
    in; otherwise the link itself is listed (inventory.py says what it is), so nothing under it is walked.
    """
    if not landing.is_dir():
        return []
    root = os.path.realpath(landing)
    out: list[str] = []
    _walk(Path(landing), "", frozenset({root}), root, out)
    return sorted(out)


def _walk(landing: Path, rel: str, chain: frozenset[str], root: str, out: list[str]) -> None:
    try:
        with os.scandir(landing / rel) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        if not rel:
            raise  # the landing folder itself cannot be listed: nothing can be accounted for
        out.append(rel)  # an unreadable folder is listed as an entry: it cannot be looked into
        return
    for entry in entries:
        path = f"{rel}/{entry.name}" if rel else entry.name
        real = os.path.realpath(entry.path)
        inside = real == root or real.startswith(root + os.sep)
        if entry.is_dir(follow_symlinks=True) and inside and real not in chain:
            _walk(landing, path, chain | {real}, root, out)
        else:
            out.append(path)


def _refused(source: Source, year: int, landing: Path, rel: str, error: str, code: str) -> LandingFile:
    try:
        size = (landing / rel).lstat().st_size
    except OSError:
        size = 0
    return LandingFile(source.source_id, year, rel, landing / rel, "", size, error, code)


def inspect_file(landing: Path, rel: str) -> tuple[Path, str | None, str]:
    """(resolved path, why it cannot be read or None, reason code) — looked at, never opened."""
    try:
        abs_path = safe_resolve(landing, rel)
    except LandingError as exc:
        return landing / rel, str(exc), "unreadable_file"
    try:
        info = abs_path.stat()
    except OSError as exc:  # a broken link, or the file went away while listing
        return abs_path, (f"{rel}: cannot be opened ({exc.strerror or exc}); a link to a file that does not "
                          "exist?"), "unreadable_file"
    if stat.S_ISDIR(info.st_mode):  # listed only when not walked: a link looping back, or unlistable
        loop = (landing / rel).is_symlink()
        what = "a link to a folder it is in (a loop)" if loop else "a folder that cannot be listed"
        return abs_path, f"{rel}: {what}; not followed", "unreadable_file"
    if not stat.S_ISREG(info.st_mode):
        return abs_path, f"{rel}: not a regular file (a pipe, socket or device); nothing is read", "unreadable_file"
    if info.st_size > MAX_FILE_BYTES:
        return abs_path, (f"{rel}: {info.st_size} bytes exceeds the {MAX_FILE_BYTES}-byte limit for a landing "
                          "file"), "limit_exceeded"
    return abs_path, None, ""


def _landing_file(landing: Path, source: Source, rel: str, year: int, fingerprint: bool) -> LandingFile:
    """Fingerprint one matched file (sha256 left empty without ``fingerprint``), or say why it is refused."""
    abs_path, error, code = inspect_file(landing, rel)
    if error is not None:
        return _refused(source, year, landing, rel, error, code)
    size = abs_path.stat().st_size
    return LandingFile(source.source_id, year, rel, abs_path, sha256_of(abs_path) if fingerprint else "", size)


def _slot_places(match: re.Match[str]) -> list[str]:
    """'folder' or 'file name' for each year slot of a match (where in the path the slot lies)."""
    name_start = match.string.rfind("/") + 1
    return ["file name" if match.start(i) >= name_start else "folder" for i in range(1, len(match.groups()) + 1)]


def _year_mismatch(source: Source, rel: str, match: re.Match[str]) -> str:
    years = [int(y) for y in match.groups()]
    places = _slot_places(match)
    if len(set(places)) == 2:
        said = " but ".join(f"the {place} says {year}" for place, year in
                            dict(zip(places, years, strict=True)).items())
    else:
        said = f"its path names the years {', '.join(map(str, years))}"
    paths = " or ".join(source.path_for(y) for y in dict.fromkeys(years))
    return (f"{rel}: {said}; the pipeline does not guess which data year is meant — nothing is read. "
            f"File it as {paths}")


def _unsupported(rel: str, year: int) -> str:
    first, last = SUPPORTED_YEARS[0], SUPPORTED_YEARS[-1]
    return (f"{rel}: data year {year} is outside the supported years {first}-{last} (province boundaries and "
            "the staging year check); nothing is read")


def _duplicates(landing: Path, source: Source, year: int, rels: list[str]) -> list[LandingFile]:
    """Every file of one source and year when there are several: each refused, naming the others."""
    digests = {rel: _digest(landing, rel) for rel in rels}
    same = None not in digests.values() and len(set(digests.values())) == 1
    contents = "identical contents" if same else "different contents"
    out = []
    for rel in rels:
        others = ", ".join(r for r in rels if r != rel)
        out.append(_refused(source, year, landing, rel,
                            f"{rel}: another file for {source.source_id} data year {year} is also present: {others} "
                            f"({contents}); neither is read until only one remains", "duplicate_file"))
    return out


def _digest(landing: Path, rel: str) -> str | None:
    """The file's sha256 when it can be read safely, else None (only to say whether two copies are equal)."""
    abs_path, error, _ = inspect_file(landing, rel)
    return sha256_of(abs_path) if error is None else None


def find_files(landing: Path, source: Source, paths: list[str] | None = None, fingerprint: bool = True,
               ) -> list[LandingFile]:
    """All files of ``source`` under ``landing`` (or among ``paths``), sorted by data year then path.

    Refused files are included with ``error`` and ``error_code`` set (see the module docstring). Without
    ``fingerprint`` no file is hashed (sha256 left empty): enough to take stock of the folder.
    """
    regex = pattern_regex(source.file_pattern)
    found: list[LandingFile] = []
    by_year: dict[int, list[str]] = defaultdict(list)
    for rel in landing_paths(landing) if paths is None else paths:
        match = match_path(regex, rel)
        if match is None:
            continue
        years = [int(y) for y in match.groups()]
        if len(set(years)) > 1:
            found.append(_refused(source, years[0], landing, rel, _year_mismatch(source, rel, match),
                                  "path_year_mismatch"))
        elif years[0] not in SUPPORTED_YEARS:
            found.append(_refused(source, years[0], landing, rel, _unsupported(rel, years[0]), "unsupported_year"))
        else:
            by_year[years[0]].append(rel)
    for year, rels in by_year.items():
        if len(rels) > 1:
            found += _duplicates(landing, source, year, rels)
        else:
            found.append(_landing_file(landing, source, rels[0], year, fingerprint))
    return sorted(found, key=lambda f: (f.data_year, f.rel_path))
