"""Fixtures the pipeline tests share: the real asset graph and a two-year synthetic landing folder."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest


@pytest.fixture(scope="module")
def graph() -> dg.AssetGraph:
    from pipelines.definitions import defs

    return defs.resolve_asset_graph()


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pii.sample import generate_sample

    path = tmp_path_factory.mktemp("landing")
    generate_sample(path, years=[2024, 2025])
    return path
