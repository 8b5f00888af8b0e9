"""The framework structure: indicators -> ... -> index, of any depth.

Read from a COINr-style ``iMeta`` table (columns ``iCode``, ``Level``, ``Parent``,
``Weight``, ``Direction``, ``Type`` and optionally ``Denominator``, ``iName``).
Level 1 holds the indicators; each aggregate sits exactly one level above its
children, and a single code sits at the top level (the index).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import polars as pl

VALID_TYPES = ("Indicator", "Aggregate", "Group", "Denominator", "Other")
REQUIRED_COLUMNS = ("iCode", "Level", "Parent", "Weight", "Direction", "Type")


class StructureError(ValueError):
    """Raised when an iMeta table does not describe a valid framework."""


@dataclass(frozen=True)
class Node:
    """One indicator or aggregate of the framework."""

    code: str
    level: int
    parent: str | None
    weight: float
    direction: int
    denominator: str | None = None
    name: str = ""


@dataclass(frozen=True, eq=False)
class Structure:
    """An immutable framework tree plus the non-scored columns iMeta declares."""

    nodes: Mapping[str, Node]
    groups: tuple[str, ...] = ()
    denominators: tuple[str, ...] = ()
    others: tuple[str, ...] = ()
    _children: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    # ---- construction -------------------------------------------------

    @classmethod
    def from_nodes(
        cls,
        nodes: list[Node],
        groups: tuple[str, ...] = (),
        denominators: tuple[str, ...] = (),
        others: tuple[str, ...] = (),
    ) -> Structure:
        """Build and validate a structure from nodes (order is kept)."""
        by_code: dict[str, Node] = {}
        for node in nodes:
            if node.code in by_code:
                raise StructureError(f"iCode '{node.code}' appears more than once")
            by_code[node.code] = node
        children: dict[str, list[str]] = {code: [] for code in by_code}
        for node in nodes:
            if node.parent is not None:
                children.setdefault(node.parent, []).append(node.code)
        st = cls(
            nodes=by_code,
            groups=tuple(groups),
            denominators=tuple(denominators),
            others=tuple(others),
            _children={k: tuple(v) for k, v in children.items()},
        )
        st._validate()
        return st

    @classmethod
    def from_imeta(cls, imeta: pl.DataFrame) -> Structure:
        """Read a COINr-style iMeta table; errors name the offending iCode and field."""
        missing = [c for c in REQUIRED_COLUMNS if c not in imeta.columns]
        if missing:
            raise StructureError(f"iMeta is missing required column(s): {', '.join(missing)}")
        nodes: list[Node] = []
        groups: list[str] = []
        denoms: list[str] = []
        others: list[str] = []
        seen: set[str] = set()
        for i, row in enumerate(imeta.to_dicts()):
            code = _text(row.get("iCode"))
            if not code:
                raise StructureError(f"iMeta row {i + 1}: field 'iCode' is empty")
            if code in seen:
                raise StructureError(f"iCode '{code}' appears more than once in iMeta")
            seen.add(code)
            typ = _text(row.get("Type"))
            if typ not in VALID_TYPES:
                raise StructureError(f"iCode '{code}': field 'Type' = {typ!r} is not one of {', '.join(VALID_TYPES)}")
            if typ == "Group":
                groups.append(code)
                continue
            if typ == "Denominator":
                denoms.append(code)
                continue
            if typ == "Other":
                others.append(code)
                continue
            nodes.append(_node_from_row(code, typ, row))
        st = cls.from_nodes(nodes, tuple(groups), tuple(denoms), tuple(others))
        for node in st.nodes.values():
            if node.denominator is not None and node.denominator not in st.denominators:
                raise StructureError(
                    f"iCode '{node.code}': field 'Denominator' = '{node.denominator}' "
                    "is not an iCode of Type 'Denominator'"
                )
        return st

    def with_weights(self, weights: Mapping[str, float]) -> Structure:
        """A copy with some weights replaced (used by uncertainty analysis)."""
        nodes = [replace(n, weight=float(weights[n.code])) if n.code in weights else n for n in self.nodes.values()]
        return Structure.from_nodes(nodes, self.groups, self.denominators, self.others)

    def to_imeta(self) -> pl.DataFrame:
        """Write back as a COINr-style iMeta table."""
        rows = [
            {
                "iCode": n.code,
                "iName": n.name or n.code,
                "Level": n.level,
                "Parent": n.parent,
                "Weight": n.weight,
                "Direction": n.direction,
                "Type": "Indicator" if n.level == 1 else "Aggregate",
                "Denominator": n.denominator,
            }
            for n in self.nodes.values()
        ]
        for typ, codes in (
            ("Group", self.groups),
            ("Denominator", self.denominators),
            ("Other", self.others),
        ):
            rows += [
                {
                    "iCode": c,
                    "iName": c,
                    "Level": None,
                    "Parent": None,
                    "Weight": None,
                    "Direction": None,
                    "Type": typ,
                    "Denominator": None,
                }
                for c in codes
            ]
        return pl.DataFrame(rows, schema=_IMETA_SCHEMA)

    # ---- queries --------------------------------------------------------

    @property
    def n_levels(self) -> int:
        return max(n.level for n in self.nodes.values())

    @property
    def top(self) -> str:
        return self.codes_at(self.n_levels)[0]

    @property
    def indicators(self) -> tuple[str, ...]:
        return self.codes_at(1)

    def codes_at(self, level: int) -> tuple[str, ...]:
        return tuple(c for c, n in self.nodes.items() if n.level == level)

    def children(self, code: str) -> tuple[str, ...]:
        return self._children.get(code, ())

    def weight(self, code: str) -> float:
        return self.nodes[code].weight

    def direction(self, code: str) -> int:
        return self.nodes[code].direction

    def ancestors(self, code: str) -> list[str]:
        """Parent, grandparent, ... up to the index."""
        out: list[str] = []
        parent = self.nodes[code].parent
        while parent is not None:
            out.append(parent)
            parent = self.nodes[parent].parent
        return out

    # ---- validation -----------------------------------------------------

    def _validate(self) -> None:
        if not self.nodes:
            raise StructureError("iMeta has no rows of Type 'Indicator' or 'Aggregate'")
        for node in self.nodes.values():
            if node.parent is None:
                continue
            if node.parent not in self.nodes:
                raise StructureError(
                    f"iCode '{node.code}': field 'Parent' = '{node.parent}' is not an "
                    "Indicator/Aggregate iCode in iMeta"
                )
            plevel = self.nodes[node.parent].level
            if plevel != node.level + 1:
                raise StructureError(
                    f"iCode '{node.code}': field 'Parent' = '{node.parent}' is at Level "
                    f"{plevel}, expected Level {node.level + 1}"
                )
        top_level = self.n_levels
        if top_level < 2:
            raise StructureError("iMeta needs at least one aggregate above the indicators")
        tops = self.codes_at(top_level)
        if len(tops) != 1:
            raise StructureError(f"expected exactly one code at the top Level {top_level}, found {list(tops)}")
        for node in self.nodes.values():
            if node.level < top_level and node.parent is None:
                raise StructureError(
                    f"iCode '{node.code}': field 'Parent' is empty but Level {node.level} is not the top"
                )
            if node.level > 1 and not self.children(node.code):
                raise StructureError(f"iCode '{node.code}': aggregate at Level {node.level} has no children")
        for code in self.nodes:
            kids = self.children(code)
            if kids and sum(self.nodes[k].weight for k in kids) <= 0:
                raise StructureError(f"iCode '{code}': the children's weights sum to zero")


_IMETA_SCHEMA = {
    "iCode": pl.String,
    "iName": pl.String,
    "Level": pl.Int64,
    "Parent": pl.String,
    "Weight": pl.Float64,
    "Direction": pl.Int64,
    "Type": pl.String,
    "Denominator": pl.String,
}


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _number(value: object) -> float | None:
    """Parse a numeric cell; empty/NA -> None, junk -> nan (reported by caller)."""
    if value is None:
        return None
    if isinstance(value, str):
        if value.strip() in ("", "NA", "NaN"):
            return None
        try:
            return float(value)
        except ValueError:
            return math.nan
    out = float(value)  # type: ignore[arg-type]
    return None if math.isnan(out) else out


def _node_from_row(code: str, typ: str, row: Mapping[str, object]) -> Node:
    level = _number(row.get("Level"))
    if level is None or math.isnan(level) or level != int(level) or level < 1:
        raise StructureError(f"iCode '{code}': field 'Level' = {row.get('Level')!r} is not a positive integer")
    level_i = int(level)
    if typ == "Indicator" and level_i != 1:
        raise StructureError(f"iCode '{code}': Type 'Indicator' must have Level 1, found {level_i}")
    if typ == "Aggregate" and level_i < 2:
        raise StructureError(f"iCode '{code}': Type 'Aggregate' must have Level >= 2, found {level_i}")
    parent = _text(row.get("Parent")) or None
    weight = _number(row.get("Weight"))
    if weight is None:
        if parent is not None:
            raise StructureError(f"iCode '{code}': field 'Weight' is empty")
        weight = 1.0  # the index's own weight is never used
    if math.isnan(weight) or math.isinf(weight) or weight < 0:
        raise StructureError(f"iCode '{code}': field 'Weight' = {row.get('Weight')!r} is not a non-negative number")
    direction = _number(row.get("Direction"))
    if direction is None:
        if typ == "Indicator":
            raise StructureError(f"iCode '{code}': field 'Direction' is empty (must be 1 or -1)")
        direction = 1.0  # aggregates are already "higher is better"
    if direction not in (1.0, -1.0):
        raise StructureError(f"iCode '{code}': field 'Direction' = {row.get('Direction')!r} must be 1 or -1")
    denominator = _text(row.get("Denominator")) or None
    if denominator is not None and typ != "Indicator":
        raise StructureError(f"iCode '{code}': field 'Denominator' is only allowed on indicators")
    return Node(
        code=code,
        level=level_i,
        parent=parent,
        weight=float(weight),
        direction=int(direction),
        denominator=denominator,
        name=_text(row.get("iName")),
    )
