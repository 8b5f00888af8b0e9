"""Find formula cells without a cached value in an .xlsx workbook.

python-calamine returns only the value Excel saved with a formula (the cached value). A workbook written
by a program that does not calculate (or saved with calculation switched off) has formulas with no
cached value, which calamine shows as empty cells: the figure is there, only not computed. Such cells
are reported so that they are quarantined instead of being read as missing.

Cheap by design: each wanted sheet's XML is first scanned as bytes for a formula element; only sheets
that have one are parsed (``iterparse``, elements cleared as they are read).
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
CELL_REF = re.compile(r"([A-Z]+)(\d+)")
CHUNK = 1 << 20

# sheet name -> {(row number from 1, column index from 0): formula text}
MissingValues = dict[str, dict[tuple[int, int], str]]


class FormulaScanError(ValueError):
    """The workbook's XML cannot be scanned; the caller names the file."""


def column_index(letters: str) -> int:
    """'A' → 0, 'Z' → 25, 'AA' → 26."""
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


def _resolve_target(base_dir: str, target: str) -> str:
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base_dir, target))


def _relationships(zf: zipfile.ZipFile, member: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, target) of a part's .rels file."""
    rels = ET.fromstring(zf.read(member))
    return {r.get("Id", ""): (r.get("Type", ""), r.get("Target", ""))
            for r in rels.iter(f"{{{PKG_REL_NS}}}Relationship")}


def sheet_paths(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → path of its XML inside the zip, from the workbook part and its relationships."""
    office = [t for typ, t in _relationships(zf, "_rels/.rels").values() if typ.endswith("/officeDocument")]
    workbook_path = _resolve_target("", office[0]) if office else "xl/workbook.xml"
    base, name = posixpath.split(workbook_path)
    targets = _relationships(zf, posixpath.join(base, "_rels", name + ".rels"))
    out: dict[str, str] = {}
    for sheet in ET.fromstring(zf.read(workbook_path)).iter(f"{{{MAIN_NS}}}sheet"):
        _, target = targets.get(sheet.get(f"{{{REL_NS}}}id", ""), ("", ""))
        if target:
            out[sheet.get("name", "")] = _resolve_target(base, target)
    return out


def has_formula(zf: zipfile.ZipFile, member: str) -> bool:
    """True when the member's bytes contain a formula element (scanned in chunks, never all in memory)."""
    tail = b""
    with zf.open(member) as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            if FORMULA_TAG.search(tail + block):
                return True
            tail = block[-16:]
    return False


def _cells(zf: zipfile.ZipFile, member: str) -> Iterator[tuple[int, int, str, bool]]:
    """(row, column index, formula, has cached value) for every formula cell of one sheet."""
    row, col = 0, -1
    with zf.open(member) as f:
        for event, elem in ET.iterparse(f, events=("start", "end")):
            tag = elem.tag.rsplit("}", 1)[-1]
            if event == "start":
                if tag == "row":
                    row, col = int(elem.get("r", row + 1)), -1
                continue
            if tag != "c":
                if tag == "row":
                    elem.clear()
                continue
            match = CELL_REF.fullmatch(elem.get("r", ""))
            col = column_index(match.group(1)) if match else col + 1
            formula = next((ch for ch in elem if ch.tag.rsplit("}", 1)[-1] == "f"), None)
            if formula is not None:
                value = next((ch for ch in elem if ch.tag.rsplit("}", 1)[-1] in ("v", "is")), None)
                # openpyxl writes an uncalculated formula as <v/>; Excel's empty-text result is t="str" <v></v>
                text = "" if value is None else "".join(value.itertext()).strip()
                cached = value is not None and (bool(text) or elem.get("t") == "str")
                yield (int(match.group(2)) if match else row), col, formula.text or "", cached


def formulas_without_value(zf: zipfile.ZipFile, sheets: list[str]) -> MissingValues:
    """Formula cells with no cached value in the named sheets (only sheets that contain formulas are parsed)."""
    try:
        paths = sheet_paths(zf)
        out: MissingValues = {}
        for name in sheets:
            member = paths.get(name)
            if member is None or member not in zf.namelist() or not has_formula(zf, member):
                continue
            missing = {(r, c): f for r, c, f, cached in _cells(zf, member) if not cached}
            if missing:
                out[name] = missing
        return out
    except (KeyError, ET.ParseError, zipfile.BadZipFile, ValueError) as exc:
        raise FormulaScanError(f"cannot scan the workbook XML for formulas: {exc}") from exc
