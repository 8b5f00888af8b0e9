"""One synthetic landing folder and one full materialization, shared by the end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pii.sample import generate_sample
from pii.warehouse import connect_readonly
from pipelines.resources import PiiPaths, build_resource


@dataclass
class Materialized:
    landing: Path
    build: Path
    published: Path
    result: dg.ExecuteInProcessResult

    def connect(self) -> duckdb.DuckDBPyConnection:
        return connect_readonly(self.published)  # attached as "warehouse": pii.* names stay unambiguous


# Tables that record run ids and times by design, and view columns read from them: left out of comparisons
# of two builds (everything else must be identical, rows in stored order).
RUN_LOGS = {"meta.file_versions", "meta.dq_results"}
RUN_LOG_COLUMNS = {"analyst.dq_expected_files": "first_recorded_at"}


def published_tables(path: Path) -> dict[str, list[tuple]]:
    """Every table and view of the warehouse at ``path`` but the run logs, rows in stored order (no ORDER BY)."""
    con = connect_readonly(path)
    try:
        names = [f"{s}.{t}" for s, t in con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables ORDER BY 1, 2").fetchall()]
        excluded = {name: f"EXCLUDE ({column})" for name, column in RUN_LOG_COLUMNS.items()}
        return {name: con.execute(f"SELECT * {excluded.get(name, '')} FROM {name}").fetchall()
                for name in names if name not in RUN_LOGS}
    finally:
        con.close()


def materialize_all(landing: Path, root: Path, raise_on_error: bool = True) -> Materialized:
    """Materialize every asset and check of the real definitions into a warehouse under ``root``."""
    from pipelines.definitions import defs

    build, published = root / "build" / "pii_warehouse_build.duckdb", root / "pii_warehouse.duckdb"
    build.parent.mkdir(parents=True, exist_ok=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PII_LANDING_DIR", str(landing))
        mp.setenv("PII_DUCKDB_PATH", str(published))
        job = defs.resolve_job_def("pii_refresh")
        result = job.execute_in_process(
            instance=dg.DagsterInstance.ephemeral(), raise_on_error=raise_on_error,
            resources={"duckdb": build_resource(build),
                       "paths": PiiPaths(landing_dir=str(landing), warehouse_path=str(published),
                                         build_path=str(build))},
        )
    return Materialized(landing, build, published, result)


@pytest.fixture(scope="session")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("landing")
    generate_sample(path)
    return path


@pytest.fixture(scope="session")
def warehouse(landing: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Materialized]:
    yield materialize_all(landing, tmp_path_factory.mktemp("warehouse"))
