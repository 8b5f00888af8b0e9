"""An incremental run (one file replaced, one added, one removed) gives the tables of a fresh full build.

The conformed step re-conforms only the files whose (path, sha256) changed (meta.conform_cursor) and keeps
every other file's rows: the published tables must still equal, row for row and in stored order, those of a
build from scratch on the same landing folder (the session's ``warehouse``).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import openpyxl

from .conftest import Materialized, materialize_all, published_tables


def _digests(path: Path) -> dict[str, str]:
    """Content hash per table, rows in stored order (order is part of the contract)."""
    return {name: hashlib.sha256(repr(rows).encode()).hexdigest() for name, rows in published_tables(path).items()}


def _reconformed(run: Materialized) -> int:
    events = run.result.get_asset_materialization_events()
    meta = next(e.materialization.metadata for e in events
                if e.asset_key.to_user_string() == "staging/cell_observations")
    return meta["files_reconformed"].value


def test_incremental_run_equals_a_fresh_build(warehouse: Materialized, tmp_path: Path) -> None:
    work = tmp_path / "landing"
    shutil.copytree(warehouse.landing, work)
    # The first state differs from the session's landing folder in four files.
    added = work / "2023" / "papi" / "papi_2023.csv"
    added_bytes = added.read_bytes()
    added.unlink()
    removed = work / "2021" / "papi" / "papi_2021.csv"  # a file that will leave the landing folder
    removed.parent.mkdir(parents=True)
    shutil.copy(work / "2022" / "papi" / "papi_2022.csv", removed)
    workbook = work / "2024" / "agencies" / "SKHCN_2024.xlsx"  # an agency workbook, replaced later
    workbook_bytes = workbook.read_bytes()
    book = openpyxl.load_workbook(workbook)
    sheet = book["Số liệu"]
    value = sheet.cell(row=8, column=7)  # Hà Nội, innovative_startups
    assert isinstance(value.value, (int, float))
    value.value = value.value * 3 + 1
    book.save(workbook)
    records = work / "2025" / "ipvn" / "don_dang_ky_shcn_2025.csv"  # a record list, replaced later
    records_bytes = records.read_bytes()
    lines = records_bytes.split(b"\n")
    records.write_bytes(b"\n".join(lines[:5] + lines[7:]))  # two records fewer

    first = materialize_all(work, tmp_path / "wh")
    assert first.result.success
    assert _reconformed(first) >= 50  # every cell-level file, the first time (set-based sources have their own)

    added.write_bytes(added_bytes)
    removed.unlink()
    removed.parent.rmdir()
    workbook.write_bytes(workbook_bytes)
    records.write_bytes(records_bytes)
    second = materialize_all(work, tmp_path / "wh")  # same build file: incremental
    assert second.result.success
    # The added file and the replaced workbook; the removed one is dropped. The replaced record list is read
    # set-based and conformed by its own asset (assets/staging/tabular.py): that file alone.
    assert _reconformed(second) == 2
    events = second.result.get_asset_materialization_events()
    records_meta = next(e.materialization.metadata for e in events
                        if e.asset_key.to_user_string() == "staging/ipvn_applications")
    assert records_meta["files_conformed"].value == 1

    incremental, fresh = _digests(second.published), _digests(warehouse.published)
    assert list(incremental) == list(fresh)
    assert [name for name in fresh if incremental[name] != fresh[name]] == []
