"""Same inputs, byte-identical tables: a second build from the same landing folder equals the first."""

from __future__ import annotations

from pathlib import Path

import pytest

from pii.warehouse import connect_readonly

from .conftest import Materialized, materialize_all

# Lineage tables record run ids and times by design; everything else must be identical.
RUN_LOGS = {"meta.file_versions", "meta.dq_results"}
# Views with a column read from a run log: compared without it.
RUN_LOG_COLUMNS = {"analyst.dq_expected_files": "first_recorded_at"}


def _exclude(name: str) -> str:
    column = RUN_LOG_COLUMNS.get(name)
    return f"EXCLUDE ({column})" if column else ""


def _tables(path: Path) -> dict[str, list[tuple]]:
    con = connect_readonly(path)
    try:
        names = [f"{s}.{t}" for s, t in con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables ORDER BY 1, 2").fetchall()]
        # Stored row order is part of the contract: no ORDER BY here.
        return {name: con.execute(f"SELECT * {_exclude(name)} FROM {name}").fetchall()
                for name in names if name not in RUN_LOGS}
    finally:
        con.close()


def test_rebuild_gives_identical_tables(warehouse: Materialized, tmp_path_factory: pytest.TempPathFactory) -> None:
    second = materialize_all(warehouse.landing, tmp_path_factory.mktemp("second"))
    first_tables, second_tables = _tables(warehouse.published), _tables(second.published)
    assert list(first_tables) == list(second_tables)
    assert len(first_tables) >= 30
    differing = [name for name in first_tables if first_tables[name] != second_tables[name]]
    assert differing == []
