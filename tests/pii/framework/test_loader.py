"""The framework files load, hold what the issue fixes (52 indicators, 7 pillars) and fail loudly when broken."""

from pathlib import Path

import pytest
import yaml

from pii.catalog import load_measures
from pii.framework.loader import FRAMEWORK_DIR, FrameworkError, framework_years, load_framework, load_framework_file
from pii.framework.tables import term_rows


@pytest.mark.parametrize("year", [2023, 2024, 2025])
def test_each_framework_year_has_52_indicators_in_7_pillars(year: int) -> None:
    fw = load_framework(year)
    assert len(fw.indicators) == 52
    pillars = {n.code for n in fw.nodes if n.level == "pillar"}
    assert pillars == {"1", "2", "3", "4", "5", "6", "7"}
    assert {n.code for n in fw.nodes if n.level == "sub_index"} == {"INPUT", "OUTPUT"}
    assert {i.sub_index for i in fw.indicators if i.pillar in "12345"} == {"INPUT"}
    assert {i.sub_index for i in fw.indicators if i.pillar in "67"} == {"OUTPUT"}
    assert len({n.code for n in fw.nodes if n.level == "sub_pillar"}) == 18


def test_framework_years_and_boundaries() -> None:
    assert framework_years() == [2023, 2024, 2025]
    assert load_framework(2024).boundary == "p63"
    assert load_framework(2025).boundary == "p34"


def test_every_confirmed_reference_definition_is_used() -> None:
    """Names from the public reference list (published/coded evidence) stand in the 2024 framework."""
    import csv

    fw = load_framework(2024)
    rows = list(csv.DictReader((FRAMEWORK_DIR / "public_evidence.csv").open(encoding="utf-8")))
    assert len(rows) == 52
    for row in rows:
        if row["evidence"] in ("published", "coded"):
            ind = fw.indicator(row["code"])
            assert ind.name_vi == row["name_vi"]
            assert ind.evidence == row["evidence"]
    assert fw.indicator("2.2.4").evidence == "coded"


def test_2025_changes_are_modelled() -> None:
    f24, f25 = load_framework(2024).indicator("6.3.1"), load_framework(2025).indicator("6.3.1")
    assert f24.formula.denominator == "active_enterprises"
    assert f25.formula.denominator == "population"
    assert load_framework(2025).indicator("6.2.3").formula.numerator == ("ocop_products_4star",)
    f23 = load_framework(2023)
    assert f23.indicator("6.1.1").formula.numerator == ("patent_applications",)
    assert f23.indicator("6.1.2").formula.numerator == ("utility_solution_applications",)
    with pytest.raises(KeyError):
        f23.indicator("6.3.4")


def test_every_formula_measure_is_in_the_catalog() -> None:
    measures = load_measures()
    for year in framework_years():
        assert load_framework(year).measures() <= set(measures)


def test_change_formulas_read_the_previous_year() -> None:
    fw = load_framework(2024)
    terms = [t for t in term_rows(fw) if t["indicator_code"] == "7.1.1"]
    assert {(t["role"], t["year"]) for t in terms} == {("numerator", 2023), ("denominator", 2022)}
    policy = [t for t in term_rows(fw) if t["indicator_code"] == "1.1.1"]
    assert policy[0]["year"] == 2024  # assessed in the framework year itself


def _broken(tmp_path: Path, year: int, mutate) -> Path:
    doc = yaml.safe_load((FRAMEWORK_DIR / f"pii_{year}.yaml").read_text(encoding="utf-8"))
    mutate(doc)
    path = tmp_path / f"pii_{year}.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def test_schema_error_names_file_field_and_indicator(tmp_path: Path) -> None:
    def bad_direction(doc):
        doc["pillars"][1]["sub_pillars"][0]["indicators"][2]["direction"] = 2

    with pytest.raises(FrameworkError) as err:
        load_framework_file(_broken(tmp_path, 2024, bad_direction))
    message = str(err.value)
    assert "pii_2024.yaml" in message
    assert "direction" in message
    assert "2.1.3" in message


def test_unknown_measure_is_rejected(tmp_path: Path) -> None:
    def bad_measure(doc):
        doc["pillars"][0]["sub_pillars"][0]["indicators"][0]["formula"]["measure"] = "no_such_measure"

    with pytest.raises(FrameworkError, match=r"1\.1\.1.*no_such_measure"):
        load_framework_file(_broken(tmp_path, 2024, bad_measure))


def test_misplaced_indicator_code_is_rejected(tmp_path: Path) -> None:
    def misplaced(doc):
        doc["pillars"][0]["sub_pillars"][0]["indicators"][0]["code"] = "2.1.9"

    with pytest.raises(FrameworkError, match=r"does not start with '1\.1\.'"):
        load_framework_file(_broken(tmp_path, 2024, misplaced))


def test_missing_field_is_named(tmp_path: Path) -> None:
    def drop_weight(doc):
        del doc["pillars"][6]["sub_pillars"][1]["indicators"][0]["weight"]

    with pytest.raises(FrameworkError, match=r"'weight' is a required property"):
        load_framework_file(_broken(tmp_path, 2024, drop_weight))
