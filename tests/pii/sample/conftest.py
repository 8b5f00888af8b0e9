"""Generate the sample once per test session; every test reads the same folder."""

from __future__ import annotations

import time
from pathlib import Path

import polars as pl
import pytest

from pii.sample import SampleSummary, expected_values, generate_sample
from pii.sample.values import DEFAULT_SEED, DEFAULT_YEARS

from .readers import read_landing

SEED = DEFAULT_SEED
YEARS = list(DEFAULT_YEARS)


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[SampleSummary, float]:
    started = time.perf_counter()
    summary = generate_sample(tmp_path_factory.mktemp("landing"), years=YEARS, seed=SEED)
    return summary, time.perf_counter() - started


@pytest.fixture(scope="session")
def sample(sample_run: tuple[SampleSummary, float]) -> SampleSummary:
    return sample_run[0]


@pytest.fixture(scope="session")
def landing(sample: SampleSummary) -> Path:
    return sample.landing_dir


@pytest.fixture(scope="session")
def expected() -> pl.DataFrame:
    return expected_values(SEED, YEARS)


@pytest.fixture(scope="session")
def read_back(landing: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    return read_landing(landing, YEARS)
