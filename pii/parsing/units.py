"""Units typed into value cells ("12 %", "1.234 người", "5 tỷ đồng", "12 DN") and whether they match.

A unit written after a number is compared with the unit the cell must be in (the measure's catalog unit in
reference/measures.csv, or the table's ``unit_in_file`` in sources.yaml). Units are compared by meaning:
Vietnamese and English spellings of one unit ("tỷ đồng", "billion VND") are the same unit, written with
or without diacritics, in any case. A unit that is not in :data:`UNIT_ALIASES` only matches itself.
Scale is part of the unit: "người" (persons) is not "nghìn người" (thousand persons), "đồng" is not
"tỷ đồng". Nothing here converts between units: a cell in another unit is refused, never rescaled.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Canonical unit -> other ways of writing it (compared folded: lower case, no diacritics, single spaces).
UNIT_ALIASES: dict[str, tuple[str, ...]] = {
    "%": ("phần trăm", "percent", "pct"),
    "persons": ("người", "person", "people", "nhân khẩu"),
    "thousand persons": ("nghìn người", "ngàn người"),
    "FTE persons": ("người quy đổi", "fte", "fte person"),
    "VND": ("đồng", "đ", "vnd", "vnđ"),
    "million VND": ("triệu đồng", "triệu", "tr.đ", "trđ", "triệu vnd"),
    "billion VND": ("tỷ đồng", "tỷ", "tỷ đ", "tỷ vnd", "tỉ đồng", "tỉ", "bn vnd"),
    "million VND per worker": ("triệu đồng/người", "triệu đồng/lao động", "triệu/người", "tr.đ/người"),
    "enterprises": ("doanh nghiệp", "dn", "enterprise"),
    "subscriptions": ("thuê bao", "subscription"),
    "ha": ("hecta", "héc ta", "hectare", "hectares"),
    "schools": ("trường", "school"),
    "products": ("sản phẩm", "sp", "product"),
    "applications": ("đơn", "application"),
    "certificates": ("bằng", "văn bằng", "giấy chứng nhận", "certificate"),
    "projects": ("dự án", "project"),
    "organisations": ("tổ chức", "organisation", "organizations", "organization"),
    "contracts": ("hợp đồng", "contract"),
    "units": ("đơn vị", "unit"),
    # Scores: a mark on the measure's own scale ("7,5 điểm" on a 0-10 scale is 7.5 of that scale).
    "points": ("điểm", "point", "pts", "points 0-10", "PCI sub-index 0-10", "PAPI dimension score 1-10",
               "DTI component score 0-1"),
    "index": ("chỉ số", "index 0-1"),
}
# A unit after the number: letters (any script), '%', '/', '.', '-' and spaces; it starts with a letter or '%'.
_WRITTEN_UNIT = re.compile(r"^(?P<number>.*?[\d)])\s*(?P<unit>(?:%|[^\W\d_])[^\W\d_%./ -]*(?:[./ -]*[^\W\d_]+)*)$")


def fold_unit(text: str) -> str:
    """Lower case, no diacritics ('đ' -> 'd'), single spaces, no spaces around '/'."""
    text = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return re.sub(r"\s*/\s*", "/", re.sub(r"\s+", " ", text)).strip().casefold()


@lru_cache(maxsize=1)
def _canonical_by_alias() -> dict[str, str]:
    out: dict[str, str] = {}
    for unit, aliases in UNIT_ALIASES.items():
        for alias in (unit, *aliases):
            key = fold_unit(alias)
            if out.get(key, unit) != unit:
                raise ValueError(f"unit alias {alias!r} names both {out[key]!r} and {unit!r}")
            out[key] = unit
    return out


def canonical_unit(text: str) -> str:
    """The canonical name of a unit ('tỷ đồng' -> 'billion VND'); an unknown unit is its folded text."""
    key = fold_unit(text)
    return _canonical_by_alias().get(key, key)


def same_unit(written: str, expected: str) -> bool:
    """True when ``written`` (from a cell) names the unit ``expected`` (catalog or file unit)."""
    return canonical_unit(written) == canonical_unit(expected)


def split_unit(text: str) -> tuple[str, str] | None:
    """('1.234', 'người') for '1.234 người'; None when no unit follows a number ('12', 'khoảng 5')."""
    m = _WRITTEN_UNIT.match(text.strip())
    if m is None:
        return None
    return m.group("number").strip(), m.group("unit").strip()
