"""Same inputs, byte-identical tables: a second build from the same landing folder equals the first."""

from __future__ import annotations

import pytest

from .conftest import Materialized, materialize_all, published_tables


def test_rebuild_gives_identical_tables(warehouse: Materialized, tmp_path_factory: pytest.TempPathFactory) -> None:
    second = materialize_all(warehouse.landing, tmp_path_factory.mktemp("second"))
    first_tables, second_tables = published_tables(warehouse.published), published_tables(second.published)
    assert list(first_tables) == list(second_tables)
    assert len(first_tables) >= 30
    differing = [name for name in first_tables if first_tables[name] != second_tables[name]]
    assert differing == []
