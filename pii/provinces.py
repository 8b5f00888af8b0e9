"""Resolve Vietnamese province names to codes on the right administrative boundary.

Two boundaries exist: ``p63`` (63 provinces, 2008-08-01..2025-06-30) and
``p34`` (34 provinces from 2025-07-01). Data year <= 2024 uses p63; data year
2025 and later uses p34, because the merger took effect on 1 July 2025 and
2025 statistics are published on the new boundary. An explicit ``boundary``
argument overrides the year (for back-cast series).

Matching never guesses:

* Names are compared modulo case, punctuation/whitespace (hyphen, en/em dash,
  dots, commas), Unicode normal form, tone-mark placement ("Hòa" = "Hoà") and
  the prefixes "Tỉnh", "Thành phố", "TP", "T.P.". Input that carries
  diacritics must match a known spelling's diacritics ("Hà Nọi" is *unknown*,
  with "Hà Nội" suggested); input without any diacritics ("Ha Noi", "HA NOI")
  is compared on the bare ASCII key.
* Known spellings are the official names and ASCII names of provinces.csv
  plus province_aliases.csv (abbreviations, English names, variants).
* A name of the other boundary is ``wrong_boundary`` (e.g. "Long An" in 2025,
  naming the province it merged into), never silently mapped.
* A partial name ("Bình", "Đắk") matching several provinces is ``ambiguous``;
  matching one ("Vũng Tàu") it is ``unknown`` with that province suggested.
"""

from __future__ import annotations

import csv
import difflib
import functools
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

BOUNDARIES = ("p63", "p34")
_DESCRIPTION = {"p63": "63-province boundary (2008-08-01..2025-06-30)",
                "p34": "34-province boundary (from 2025-07-01)"}
_PREFIXES = (("thanh", "pho"), ("tinh",), ("tp",), ("t", "p"))
_WORD_SPLIT = re.compile(r"(?:[^\w\u0300-\u036f]|_)+")  # combining marks stay inside words
_TONES = {"\u0300": "2", "\u0301": "1", "\u0303": "3", "\u0309": "4", "\u0323": "5"}

Status = Literal["ok", "unknown", "ambiguous", "wrong_boundary"]


@dataclass(frozen=True)
class Province:
    boundary: str
    code: str
    name_vi: str
    name_ascii: str
    type: str
    region_vi: str
    region_en: str
    valid_from: date
    valid_to: date | None


@dataclass(frozen=True)
class Resolution:
    query: str
    status: Status
    code: str | None = None
    boundary: str | None = None
    name_vi: str | None = None
    suggestions: list[str] = field(default_factory=list)
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def boundary_for_year(year: int) -> str:
    """Boundary on which statistics for data year ``year`` are published."""
    if year < 2008:
        raise ValueError(f"no reference boundary for year {year}: p63 starts 2008-08-01")
    return "p63" if year <= 2024 else "p34"


def _words(name: str) -> tuple[list[str], list[str]]:
    """Casefolded words and their ASCII forms, administrative prefix removed."""
    words = [w for w in _WORD_SPLIT.split(unicodedata.normalize("NFC", name).casefold()) if w]
    ascii_words = [_strip_marks(w) for w in words]
    stripped = True
    while stripped:  # no province name starts with a prefix word, so repeat safely
        stripped = False
        for prefix in _PREFIXES:
            n = len(prefix)
            if tuple(ascii_words[:n]) == prefix and len(ascii_words) > n:
                words, ascii_words, stripped = words[n:], ascii_words[n:], True
                break
    return words, ascii_words


def _strip_marks(s: str) -> str:
    nfd = unicodedata.normalize("NFD", s)
    return "".join(c for c in nfd if not unicodedata.combining(c)).replace("đ", "d")


def province_key(name: str) -> str:
    """ASCII matching key: "Thành phố Hồ Chí Minh" -> "hochiminh"."""
    return "".join(_words(name)[1])


def _accent_key(words: list[str]) -> str:
    """Diacritic-preserving key in which a tone mark is tied to its vowel group,
    not to a letter, so old ("Hoà") and new ("Hòa") tone placement agree."""
    base: list[str] = []
    tones: list[str] = []
    group = -1
    for word in words:
        in_vowel = False
        for c in unicodedata.normalize("NFD", word):
            if c in _TONES:
                tones.append(f"{group}:{_TONES[c]}")
                continue
            if not unicodedata.combining(c):
                is_vowel = c in "aeiouy"
                if is_vowel and not in_vowel:
                    group += 1
                in_vowel = is_vowel
            base.append(c)
    return unicodedata.normalize("NFC", "".join(base)) + "|" + ",".join(tones)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


class ProvinceRegistry:
    """Provinces of both boundaries with name indexes; build with :meth:`load`."""

    def __init__(self, provinces: list[Province], aliases: list[tuple[str, str, str]],
                 mergers: dict[str, str]) -> None:
        self._by_id = {(p.boundary, p.code): p for p in provinces}
        self._mergers = mergers
        self._accent: dict[str, dict[str, set[str]]] = {b: defaultdict(set) for b in BOUNDARIES}
        self._ascii: dict[str, dict[str, set[str]]] = {b: defaultdict(set) for b in BOUNDARIES}
        self._entries: dict[str, set[tuple[tuple[str, ...], str]]] = {b: set() for b in BOUNDARIES}
        spellings = [(p.name_vi, p.boundary, p.code) for p in provinces]
        spellings += [(p.name_ascii, p.boundary, p.code) for p in provinces]
        for alias, boundary, code in spellings + aliases:
            if (boundary, code) not in self._by_id:
                raise ValueError(f"alias {alias!r} refers to unknown province {boundary}/{code}")
            words, ascii_words = _words(alias)
            self._accent[boundary][_accent_key(words)].add(code)
            self._ascii[boundary]["".join(ascii_words)].add(code)
            self._entries[boundary].add((tuple(ascii_words), code))
        for old, new in mergers.items():
            if ("p63", old) not in self._by_id or ("p34", new) not in self._by_id:
                raise ValueError(f"merger row {old}->{new} refers to an unknown province")

    @classmethod
    def load(cls, reference_dir: Path | None = None) -> ProvinceRegistry:
        ref = reference_dir or Path(__file__).resolve().parents[1] / "reference"
        provinces = [
            Province(r["boundary"], r["code"], r["name_vi"], r["name_ascii"], r["type"],
                     r["region_vi"], r["region_en"], date.fromisoformat(r["valid_from"]),
                     date.fromisoformat(r["valid_to"]) if r["valid_to"] else None)
            for r in _read_csv(ref / "provinces.csv")
        ]
        aliases = [(r["alias"], r["boundary"], r["code"])
                   for r in _read_csv(ref / "province_aliases.csv")]
        mergers = {r["old_code"]: r["new_code"] for r in _read_csv(ref / "merger_2025.csv")}
        return cls(provinces, aliases, mergers)

    def provinces(self, boundary: str) -> list[Province]:
        _check_boundary(boundary)
        return sorted((p for p in self._by_id.values() if p.boundary == boundary),
                      key=lambda p: p.code)

    def province(self, boundary: str, code: str) -> Province:
        try:
            return self._by_id[(boundary, code)]
        except KeyError:
            raise KeyError(f"no province {code!r} on boundary {boundary!r}") from None

    def merger_target(self, old_code: str) -> str:
        """p34 code of the province that p63 province ``old_code`` merged into."""
        try:
            return self._mergers[old_code]
        except KeyError:
            raise KeyError(f"{old_code!r} is not a p63 province code") from None

    def resolve(self, name: str, year: int | None = None,
                boundary: str | None = None) -> Resolution:
        """Resolve ``name`` on ``boundary`` (default: the boundary of ``year``)."""
        if boundary is None and year is not None:
            boundary = boundary_for_year(year)
        if boundary is not None:
            _check_boundary(boundary)
        words, ascii_words = _words(name)
        if not ascii_words:
            return Resolution(name, "unknown", message="empty province name")
        targets = [boundary] if boundary else list(BOUNDARIES)
        hits = [(b, c) for b in targets for c in sorted(self._exact(b, words, ascii_words))]
        if len(hits) == 1:
            p = self._by_id[hits[0]]
            return Resolution(name, "ok", p.code, p.boundary, p.name_vi, message="ok")
        if hits:
            names = ", ".join(f"{self._by_id[h].name_vi} ({h[0]}/{h[1]})" for h in hits)
            hint = "" if boundary else "; pass year or boundary"
            return Resolution(name, "ambiguous", suggestions=self._names(hits)[:3],
                              message=f"{name!r} matches {names}{hint}")
        if boundary:
            other = "p63" if boundary == "p34" else "p34"
            other_hits = sorted(self._exact(other, words, ascii_words))
            if other_hits:
                return self._wrong_boundary(name, boundary, other, other_hits, year)
        partial = [(b, c) for b in targets for c in self._partial(b, ascii_words)]
        suggestions = self._suggest(targets, "".join(ascii_words), set(partial))
        where = boundary or "any boundary"
        if len(partial) > 1:
            names = ", ".join(self._names(partial))
            return Resolution(name, "ambiguous", suggestions=suggestions,
                              message=f"{name!r} is part of several names on {where}: {names}")
        return Resolution(name, "unknown", suggestions=suggestions,
                          message=f"{name!r} is not a province name on {where}; "
                                  f"closest: {', '.join(suggestions)}")

    def _exact(self, boundary: str, words: list[str], ascii_words: list[str]) -> set[str]:
        if words != ascii_words:  # diacritics given: they must be right
            return self._accent[boundary].get(_accent_key(words), set())
        return self._ascii[boundary].get("".join(ascii_words), set())

    def _partial(self, boundary: str, ascii_words: list[str]) -> set[str]:
        q, n = tuple(ascii_words), len(ascii_words)
        return {code for words, code in self._entries[boundary]
                if any(words[i:i + n] == q for i in range(len(words) - n + 1))}

    def _names(self, ids: list[tuple[str, str]]) -> list[str]:
        return list(dict.fromkeys(self._by_id[i].name_vi for i in sorted(ids)))

    def _suggest(self, boundaries: list[str], key: str, prefer: set[tuple[str, str]]) -> list[str]:
        scores: dict[str, float] = {}
        for b in boundaries:
            for words, code in self._entries[b]:
                score = difflib.SequenceMatcher(None, key, "".join(words)).ratio()
                score += 1.0 if (b, code) in prefer else 0.0  # partial matches first
                name = self._by_id[(b, code)].name_vi
                scores[name] = max(scores.get(name, 0.0), score)
        return [n for n, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:3]]

    def _wrong_boundary(self, name: str, boundary: str, other: str, codes: list[str],
                        year: int | None) -> Resolution:
        found = [self._by_id[(other, c)] for c in codes]
        why = f"data year {year} uses {boundary}" if year is not None else f"{boundary} requested"
        if other == "p63":
            new = [self._by_id[("p34", self._mergers[p.code])] for p in found]
            parts = [f"{p.name_vi} ({p.code}) is a p63 province that became part of "
                     f"{n.name_vi} ({n.code}) on 2025-07-01" for p, n in zip(found, new, strict=True)]
            suggestions = list(dict.fromkeys(n.name_vi for n in new))
        else:
            parts = [f"{p.name_vi} ({p.code}) exists only on the {_DESCRIPTION['p34']}"
                     for p in found]
            olds = [o for o, n in sorted(self._mergers.items()) if n in codes]
            suggestions = [self._by_id[("p63", o)].name_vi for o in olds][:3]
        return Resolution(name, "wrong_boundary", suggestions=suggestions,
                          message=f"{'; '.join(parts)}; {why}: map it explicitly")


def _check_boundary(boundary: str) -> None:
    if boundary not in BOUNDARIES:
        raise ValueError(f"boundary must be one of {BOUNDARIES}, not {boundary!r}")


@functools.lru_cache(maxsize=1)
def default_registry() -> ProvinceRegistry:
    """Registry loaded from the repository's reference/ folder (cached)."""
    return ProvinceRegistry.load()


def provinces(boundary: str) -> list[Province]:
    return default_registry().provinces(boundary)


def merger_target(old_code: str) -> str:
    return default_registry().merger_target(old_code)


def resolve_province(name: str, year: int | None = None,
                     boundary: str | None = None) -> Resolution:
    return default_registry().resolve(name, year=year, boundary=boundary)
