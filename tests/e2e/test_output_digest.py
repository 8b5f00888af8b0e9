"""The warehouse's tables keep their rows and values: a digest per table, stored, compared on every build.

A change meant to be faster (set-based ingestion, incremental runs, fused SQL) must not change an output. The
stored digests (tests/e2e/table_digests.json) were written from a full build of the default sample; a change
that alters a value on purpose rewrites them (`python scripts/table_digests.py --write …`) and says why in its
commit and in docs/benchmarks.md ("Output unchanged").
"""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import Materialized

STORED = Path(__file__).with_name("table_digests.json")
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "table_digests.py"


def _load_script():  # scripts/ is not a package: load the file the documented command runs
    import importlib.util

    spec = importlib.util.spec_from_file_location("table_digests", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


digests = _load_script()
compare, table_digests = digests.compare, digests.table_digests


def test_every_stored_table_has_the_same_rows_and_values(warehouse: Materialized) -> None:
    stored = json.loads(STORED.read_text(encoding="utf-8"))
    assert len(stored) >= 40  # the digests cover the whole warehouse, not a sample of it
    problems, _new_tables = compare(stored, table_digests(warehouse.published))
    assert problems == []


def test_the_digest_sees_a_changed_value(warehouse: Materialized, tmp_path: Path) -> None:
    """The comparison can fail: one value nudged in a copy of the warehouse is reported, by table."""
    import shutil

    import duckdb

    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(warehouse.published, copy)
    conn = duckdb.connect(str(copy))
    conn.execute("UPDATE staging.measure_values SET value = value + 0.001 "
                 "WHERE rowid = (SELECT min(rowid) FROM staging.measure_values)")
    conn.close()
    problems, _ = compare(table_digests(warehouse.published), table_digests(copy))
    assert [p.split(":")[0] for p in problems] == ["staging.measure_values"]
