"""Resources, built once: the DuckDB working file every asset writes to."""

from __future__ import annotations

from dagster_duckdb import DuckDBResource

from pipelines.environment import build_path


def resources() -> dict[str, object]:
    path = build_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return {"duckdb": DuckDBResource(database=str(path))}
