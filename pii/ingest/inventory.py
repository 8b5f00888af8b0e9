"""Taking stock of the whole landing folder: every file, whether a source reads it or not.

A file matching a source's pattern is that source's (landing.find_files decides its data year or why it
is refused). Any other file is ``unrecognised_file``: it is not read, it gets one quarantine entry, and
the closest source file name is suggested (the patterns with the years written in the path filled in,
compared by difflib), so a copy named ``papi_2024 (1).csv`` or a file saved as ``.xls`` is reported
instead of ignored. The notes ``pii sample`` writes at the top of the folder (:data:`NOTE_FILES`) are
listed as ``notes``, not quarantined. The conformed step writes all of it to ``meta.landing_files``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pii.catalog import Source
from pii.ingest.landing import LandingFile, find_files, inspect_file, landing_paths, sha256_of

NOTE_FILES = ("README.txt", "manifest.json")  # written by `pii sample` beside the year folders
SUGGESTION_CUTOFF = 0.6  # difflib ratio below which a file is too unlike every pattern to suggest one
YEARS_IN_PATH = re.compile(r"(?<![0-9])(?:19|20)[0-9]{2}(?![0-9])")


@dataclass(frozen=True)
class UnmatchedFile:
    """A file no source reads: ``status`` is 'unrecognised_file' or 'notes'."""

    rel_path: str
    status: str
    reason: str
    suggestion: str
    suggested_source: str
    sha256: str


@dataclass(frozen=True)
class Inventory:
    matched: list[LandingFile]
    unmatched: list[UnmatchedFile]


def take_inventory(landing: Path, sources: Iterable[Source], fingerprint: bool = False) -> Inventory:
    """Every file under ``landing``: the sources' files (hashed only with ``fingerprint``) and the rest."""
    paths = landing_paths(landing)
    sources = list(sources)
    matched = [f for s in sources for f in find_files(landing, s, paths, fingerprint)]
    claimed = {f.rel_path for f in matched}
    present = {f.rel_path.casefold() for f in matched if f.error is None}
    unmatched = [_unmatched(landing, rel, sources, present) for rel in paths if rel not in claimed]
    return Inventory(sorted(matched, key=lambda f: f.rel_path), unmatched)


def closest_pattern(rel: str, sources: Iterable[Source]) -> tuple[str, str] | None:
    """(suggested path, source_id): the source file name most like ``rel``, or None when none is close.

    Patterns are filled with the years written in ``rel`` (``{year}`` kept when it names none)."""
    years = list(dict.fromkeys(YEARS_IN_PATH.findall(rel))) or ["{year}"]
    candidates = {s.file_pattern.replace("{year}", y).casefold(): (s.file_pattern.replace("{year}", y), s.source_id)
                  for s in sources for y in years}
    best = difflib.get_close_matches(rel.casefold(), sorted(candidates), n=1, cutoff=SUGGESTION_CUTOFF)
    return candidates[best[0]] if best else None


def printable_path(rel: str) -> str:
    """``rel`` as text the warehouse can store: bytes of a name that is not UTF-8 shown as ``\\xff`` escapes."""
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _unmatched(landing: Path, rel: str, sources: list[Source], present: set[str]) -> UnmatchedFile:
    abs_path, error, _ = inspect_file(landing, rel)
    sha = sha256_of(abs_path) if error is None else ""
    shown = printable_path(rel)
    if shown != rel:  # the name's bytes are not UTF-8 (a file copied from an old Windows share, say)
        reason = (f"{shown}: the file name is not valid UTF-8 (undecodable bytes shown as \\x escapes); it matches "
                  "no source's file name and is not read — rename it")
        return UnmatchedFile(shown, "unrecognised_file", reason, "", "", sha)
    if rel in NOTE_FILES:
        return UnmatchedFile(rel, "notes", f"{rel}: notes about the folder, not a source file; not read", "", "",
                             sha)
    # A link or special file could not be read either: say so (the error without its leading path).
    also = f" Also: {error.removeprefix(f'{rel}: ')}" if error is not None else ""
    closest = closest_pattern(rel, sources)
    if closest is None:
        reason = f"{rel}: matches no source's file name in reference/sources.yaml; not read.{also}"
        return UnmatchedFile(rel, "unrecognised_file", reason, "", "", sha)
    path, source_id = closest
    if path.casefold() in present:
        advice = (f"{path} is present and read, this file is not: remove it, or put its contents in {path} "
                  "if it is the newer one")
    else:
        advice = f"rename it to {path} if it is that file"
    reason = (f"{rel}: matches no source's file name in reference/sources.yaml; closest: {path} "
              f"({source_id}); not read — {advice}.{also}")
    return UnmatchedFile(rel, "unrecognised_file", reason, path, source_id, sha)


def quarantine_entries(inventory: Inventory) -> list[dict]:
    """One file-level quarantine entry per unrecognised file (no source: source_id is NULL)."""
    return [{"source_id": None, "file_path": u.rel_path, "file_sha256": u.sha256, "sheet": "", "row_number": 0,
             "column_ref": "", "raw_value": "", "reason_code": "unrecognised_file", "reason": u.reason,
             "suggestions": u.suggestion}
            for u in inventory.unmatched if u.status == "unrecognised_file"]

