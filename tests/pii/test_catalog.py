"""The measure catalog and source register load, agree with each other, and reject broken entries."""

from pathlib import Path

import pytest

from pii.catalog import CatalogError, load_measures, load_sources, measures_of_source
from pii.paths import REFERENCE_DIR


def test_every_measure_has_exactly_one_source() -> None:
    sources = load_sources()
    measures = load_measures()
    supplied = [
        m for s in sources.values() for m in (s.measures() or [x.code for x in measures_of_source(s.source_id)])
    ]
    assert sorted(supplied) == sorted(measures)


def test_aggregation_rules() -> None:
    measures = load_measures()
    assert measures["population"].aggregation == "sum"
    assert measures["labour_productivity"].aggregation == "weighted_mean"
    assert measures["labour_productivity"].weight_measure == "employed"
    assert measures["policy_score"].aggregation == "not_additive"


def test_bad_aggregation_is_named(tmp_path: Path) -> None:
    text = (REFERENCE_DIR / "measures.csv").read_text(encoding="utf-8").replace(",sum,", ",total,", 1)
    path = tmp_path / "measures.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError, match=r"measures.csv: row 2: field 'aggregation' is 'total'"):
        load_measures.__wrapped__(path)


def test_source_path_outside_landing_is_refused(tmp_path: Path) -> None:
    text = (REFERENCE_DIR / "sources.yaml").read_text(encoding="utf-8").replace(
        '"{year}/vcci/pci_{year}.csv"', '"../{year}/pci.csv"')
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError, match="file_pattern"):
        load_sources.__wrapped__(path)
