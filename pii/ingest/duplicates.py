"""Settle values given twice in one file: the same (province, year, measure) from two rows.

Run on each file's result after its adapter, so it applies to every source kind. Comparing per value:

* the same value again: the first row's value is kept; the repeat is quarantined as ``duplicate_row``,
  naming the row it repeats;
* different values: none is staged — every one is quarantined as ``conflicting_duplicate`` (the
  pipeline never guesses which is right), naming the other rows.

Dispositions follow: a row whose every value went is ``quarantined``; a ``staged`` row that lost some is
``partial``. Two values of one key from the same row (one row, two columns) are not duplicates here.

This is the one duplicate-row policy of every adapter: only the values the spec reads are compared, so
a repeat that differs in an unread column (a blank region label, an extra note) still counts once. Record
lists apply it per record id (:func:`record_repeats`).
"""

from __future__ import annotations

import math
from collections import defaultdict

from pii.ingest.cells import fold
from pii.ingest.grid import GridRow
from pii.ingest.results import ConformResult, FileContext
from pii.ingest.xlsx_formulas import column_index

Key = tuple[str, str, int, str, int]
Place = tuple[str, int]


def _key(obs: dict) -> Key:
    return obs["province_code"], obs["boundary"], obs["year"], obs["measure_code"], obs["priority"]


def _place(obs: dict) -> Place:
    return obs["sheet"], obs["row_number"]


def _where(obs: dict, ref: dict) -> str:
    """'row 5' (or "sheet 'X' row 5" when ``obs`` is on another sheet than ``ref``)."""
    sheet = f"sheet '{obs['sheet']}' " if obs["sheet"] != ref["sheet"] else ""
    return f"{sheet}row {obs['row_number']}"


def _raw(rows: dict[Place, GridRow], obs: dict) -> str:
    row = rows.get(_place(obs))
    index = column_index(obs["column_ref"]) if obs["column_ref"] else -1
    return row.cells[index] if row is not None and 0 <= index < len(row.cells) else f"{obs['value']:g}"


def _what(obs: dict) -> str:
    return f"{obs['province_text']} ({obs['province_code']}), {obs['measure_code']} {obs['year']}"


def settle_duplicates(result: ConformResult, ctx: FileContext, rows: list[GridRow]) -> None:
    """Quarantine repeated and conflicting values of one file's result in place (see the module docstring)."""
    groups: dict[Key, list[int]] = defaultdict(list)
    for i, obs in enumerate(result.observations):
        groups[_key(obs)].append(i)
    by_place = {(r.sheet, r.row_number): r for r in rows}
    removed: dict[int, str] = {}  # observation index -> disposition note
    for indexes in groups.values():
        if len({_place(result.observations[i]) for i in indexes}) > 1:
            removed.update(_settle(result, ctx, by_place, indexes))
    if not removed:
        return
    lost = defaultdict(list)
    for i, note in removed.items():
        lost[_place(result.observations[i])].append(note)
    result.observations = [o for i, o in enumerate(result.observations) if i not in removed]
    _update_dispositions(result, lost)


def _settle(result: ConformResult, ctx: FileContext, rows: dict[Place, GridRow], indexes: list[int]) -> dict[int, str]:
    """Quarantine one group's repeats; returns the removed observation indexes with a disposition note."""
    group = [result.observations[i] for i in indexes]
    first = group[0]
    if all(math.isclose(o["value"], first["value"], rel_tol=1e-12, abs_tol=0.0) for o in group):
        for obs in group[1:]:
            result.quarantine_cell(
                ctx, obs["sheet"], obs["row_number"], obs["column_ref"], _raw(rows, obs), "duplicate_row",
                f"{_what(obs)} is given again: {_where(first, obs)} (column {first['column_ref']}) already has the "
                f"same value {first['value']:g}; this repeat is not staged, the first is kept")
        return {i: f"duplicate of {_where(first, group[k])}" for k, i in enumerate(indexes) if k}
    for obs in group:
        others = ", ".join(f"{o['value']:g} in {_where(o, obs)}" for o in group if o is not obs)
        result.quarantine_cell(
            ctx, obs["sheet"], obs["row_number"], obs["column_ref"], _raw(rows, obs), "conflicting_duplicate",
            f"{_what(obs)} is given more than once with different values ({obs['value']:g} here; {others}); "
            "none of them is staged — correct the file so that the province appears once")
    return dict.fromkeys(indexes, "conflicting duplicate")


def _update_dispositions(result: ConformResult, lost: dict[Place, list[str]]) -> None:
    remaining = defaultdict(int)
    for obs in result.observations:
        remaining[_place(obs)] += 1
    for disposition in result.dispositions:
        place = (disposition["sheet"], disposition["row_number"])
        if place not in lost:
            continue
        notes = "; ".join(dict.fromkeys(lost[place]))
        if remaining[place] == 0:
            disposition["disposition"] = "quarantined"
        elif disposition["disposition"] == "staged":
            disposition["disposition"] = "partial"
        disposition["detail"] = f"{disposition['detail']}; {notes}" if disposition["detail"] else notes


def record_repeats(rows: list[GridRow], id_col: int, read_cols: list[int]) -> dict[int, tuple[str, str]]:
    """Row number -> (reason code, message) for the rows of a record list that repeat a record id.

    The same policy as for values, on the cells the spec reads (compared as text ignoring case, accents
    and spacing; other columns never matter): a listing equal to the first is ``duplicate_row`` (the first
    counts once); listings that differ are all ``conflicting_duplicate`` and none counts.
    """
    groups: dict[str, list[GridRow]] = defaultdict(list)
    for row in rows:
        record_id = _text(row, id_col)
        if record_id:
            groups[record_id].append(row)
    out: dict[int, tuple[str, str]] = {}
    for record_id, listed in groups.items():
        if len(listed) == 1:
            continue
        first = listed[0].row_number
        if len({tuple(fold(_text(r, i)) for i in read_cols) for r in listed}) == 1:
            for row in listed[1:]:
                out[row.row_number] = ("duplicate_row", f"record '{record_id}' is already listed at row {first} "
                                                        "with the same values; counted once")
            continue
        for row in listed:
            others = ", ".join(str(r.row_number) for r in listed if r is not row)
            out[row.row_number] = ("conflicting_duplicate",
                                   f"record '{record_id}' is also listed at row(s) {others} with different values; "
                                   "none of them is counted — keep one correct row")
    return out


def _text(row: GridRow, index: int) -> str:
    return row.cells[index].strip() if index < len(row.cells) else ""
