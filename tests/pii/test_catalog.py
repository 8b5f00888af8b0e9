"""The measure catalog and source register load, agree with each other, and reject broken entries."""

import re
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
        '"{year}/papi/papi_{year}.csv"', '"../{year}/papi.csv"')
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError, match="file_pattern"):
        load_sources.__wrapped__(path)


def _sources_with(tmp_path: Path, old: str, new: str) -> Path:
    text = (REFERENCE_DIR / "sources.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "sources.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def _spec_error(path: Path, source_id: str) -> str:
    """An entry invalid in its kind-specific keys disables that source only (the load does not fail)."""
    sources = load_sources.__wrapped__(path)
    assert [s for s in sources if sources[s].spec_error] == [source_id]
    assert sources[source_id].measures() == []
    return str(sources[source_id].spec_error)


def test_cross_checks_are_not_primary_measures() -> None:
    pci = load_sources()["vcci_pci"]
    assert pci.kind == "survey_workbook"
    assert pci.measures() == ["pci_entry_cost", "pci_equal_competition", "pci_proactivity", "pci_business_support",
                              "pci_legal"]
    assert pci.cross_check_measures() == ["trained_labour_share", "exam_avg_score"]
    assert [(c.sheet, c.priority) for c in pci.sheet_columns() if c.measure == "exam_avg_score"] == [
        ("CSTP 9 - Đào tạo lao động", 2)]
    assert "trained_labour_share" in load_sources()["labour_force_survey"].measures()  # issue 9: from the LFS
    assert load_sources()["papi"].cross_check_measures() == []


def test_another_sources_measure_needs_role_cross_check(tmp_path: Path) -> None:
    path = _sources_with(tmp_path, "{measure: trained_labour_share, role: cross_check}", "trained_labour_share")
    error = _spec_error(path, "vcci_pci")
    assert re.search(r"'vcci_pci': supplies 'trained_labour_share' but .* 'labour_force_survey'", error)


def test_a_source_cannot_cross_check_its_own_measure(tmp_path: Path) -> None:
    path = _sources_with(tmp_path, '"CSTP 1: Gia nhập thị trường": pci_entry_cost',
                         '"CSTP 1: Gia nhập thị trường": {measure: pci_entry_cost, role: cross_check}')
    assert "marks 'pci_entry_cost' as a cross_check but is its primary source" in _spec_error(path, "vcci_pci")


COLUMN = 'sheets[1].columns["Điểm thi tốt nghiệp THPT trung bình (BGDĐT)"]'


@pytest.mark.parametrize(("new", "message"), [
    ("{measure: exam_avg_score, role: backup}", f"field '{COLUMN}.role' is 'backup'"),
    ("{measure: exam_avg_score, role: cross_check, percent: maybe}", f"field '{COLUMN}.percent' is 'maybe'"),
    ("{role: cross_check}", f"field '{COLUMN}.measure' is missing"),
    ("{measure: no_such_measure, role: cross_check}", f"field '{COLUMN}' names unknown measure 'no_such_measure'"),
    ("{measure: trained_labour_share, role: cross_check}", "names measure 'trained_labour_share' more than once"),
])
def test_bad_workbook_columns_are_named(tmp_path: Path, new: str, message: str) -> None:
    path = _sources_with(tmp_path, "{measure: exam_avg_score, role: cross_check}", new)
    assert message in _spec_error(path, "vcci_pci")
