"""The engine's tables are computed again only for the framework years whose inputs changed (meta.engine_cursor),
and the warehouse still equals a fresh build of the same landing folder, table for table, rows in stored order."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from .conftest import Materialized, materialize_all, published_tables

ENGINE_ASSETS = ("pii/scores", "pii/whatif", "pii/rank_uncertainty")


def _computed(run: Materialized) -> dict[str, str]:
    return {e.asset_key.to_user_string(): e.materialization.metadata["framework_years_computed"].value
            for e in run.result.get_asset_materialization_events()
            if e.asset_key.to_user_string() in ENGINE_ASSETS}


def test_only_changed_framework_years_are_computed_and_tables_equal_a_fresh_build(
        warehouse: Materialized, tmp_path: Path) -> None:
    with warehouse.connect() as con:
        years = [str(y) for (y,) in con.execute("SELECT DISTINCT framework_year FROM pii.scores ORDER BY 1").fetchall()]
    assert len(years) >= 2
    work, root = tmp_path / "landing", tmp_path / "wh"
    shutil.copytree(warehouse.landing, work)
    (root / "build").mkdir(parents=True)
    shutil.copy(warehouse.build, root / "build" / "pii_warehouse_build.duckdb")  # the session's full build

    records = work / "2022" / "ipvn" / "don_dang_ky_shcn_2022.csv"  # data year 2022: read by framework 2023
    lines = records.read_bytes().split(b"\n")
    records.write_bytes(b"\n".join(lines[:5] + lines[9:]))  # four records fewer
    changed = materialize_all(work, root)
    assert changed.result.success
    computed = _computed(changed)
    assert set(computed) == set(ENGINE_ASSETS)
    for asset, text in computed.items():  # some framework years, not all of them
        assert text and not text.startswith("none") and text != ", ".join(years), (asset, text)
        assert set(text.split(", ")) < set(years), (asset, text)

    fresh = materialize_all(work, tmp_path / "fresh")
    assert fresh.result.success
    assert set(_computed(fresh).values()) == {", ".join(years)}  # a new build file: every year
    kept, rebuilt = published_tables(changed.published), published_tables(fresh.published)
    assert list(kept) == list(rebuilt)
    assert [name for name in rebuilt if kept[name] != rebuilt[name]] == []

    again = materialize_all(work, root)  # nothing changed: every year kept, nothing written
    assert again.result.success
    assert set(_computed(again).values()) == {"none (every framework year's inputs unchanged)"}
    assert published_tables(again.published) == kept

    # Rows the cursor did not write (an older version of the code, a hand edit) are never kept.
    with duckdb.connect(str(root / "build" / "pii_warehouse_build.duckdb")) as conn:
        conn.execute("UPDATE pii.whatif SET points_per_unit = points_per_unit * 2 "
                     "WHERE framework_year = ? AND province_code = '01'", [int(years[0])])
    edited = materialize_all(work, root)
    assert edited.result.success
    assert _computed(edited)["pii/whatif"] == years[0]
    assert _computed(edited)["pii/scores"].startswith("none")
    assert published_tables(edited.published) == kept
