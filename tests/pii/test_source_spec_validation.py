"""sources.yaml and quality.yaml are validated when loaded, with messages naming the source (or section) and key.

What no single source can absorb (YAML syntax, the register's shape, ``source_id``, ``format``,
``file_pattern``, a duplicate ``source_id``) fails the load. An entry invalid in its kind-specific keys disables
that source only: the others load untouched, and its files are quarantined ``invalid_source_spec``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pii.catalog import CatalogError, load_sources
from pii.ingest.conform import conform_raw, read_raw
from pii.ingest.landing import find_files
from pii.paths import EXPECTATIONS_DIR, REFERENCE_DIR
from pii.provinces import default_registry
from pii.quality.thresholds import ThresholdError, load_thresholds

SOURCES = (REFERENCE_DIR / "sources.yaml").read_text(encoding="utf-8")
PAPI_PATTERN = '    file_pattern: "{year}/papi/papi_{year}.csv"'
PAPI_COLUMNS = '    province_column: "Tỉnh/Thành phố"\n    columns:\n      "Quản trị môi trường": papi_environment'


def _register(tmp_path: Path, old: str, new: str) -> Path:
    assert SOURCES.count(old) >= 1, old
    path = tmp_path / "sources.yaml"
    path.write_text(SOURCES.replace(old, new, 1), encoding="utf-8")
    return path


def test_the_committed_register_has_no_disabled_source() -> None:
    sources = load_sources()
    assert len(sources) == 17  # 15 before issue 9, +2 microdata surveys, -1 SLDTBXH submission
    assert {s.source_id: s.spec_error for s in sources.values() if s.spec_error} == {}


@pytest.mark.parametrize(("old", "new", "message"), [
    ("sources:\n", "sources: [\n", "sources.yaml: not valid UTF-8 YAML"),
    ("sources:\n", "sourcez:\n", "sources.yaml: field 'sourcez' is not a key of this file"),
    ("sources:\n", "sources:\n  - just a string\n", "sources.yaml: field 'sources[0]': 'just a string' is not of type"),
    ("source_id: dti", "source_id: papi", "sources[4] (source 'papi'): field 'source_id': 'papi' is already used by "
                                          "sources[2]"),
    ("source_id: dti", "source_id: DTI 2", "sources[4] (source 'DTI 2'): field 'source_id' is 'DTI 2': lower-case"),
    ("  - source_id: dti\n    kind:", "  - kind:", "sources[4]: field 'source_id' is missing"),
    ('"{year}/dti/dti_{year}.csv"', '"dti/dti.csv"', "(source 'dti'): field 'file_pattern' must contain {year}"),
    ('"{year}/dti/dti_{year}.csv"', '"../{year}/dti.csv"', "(source 'dti'): field 'file_pattern' must stay inside"),
    ("format: csv\n    file_pattern: \"{year}/dti", "format: ods\n    file_pattern: \"{year}/dti",
     "(source 'dti'): field 'format' is 'ods', expected one of ['xlsx', 'csv', 'parquet']"),
])
def test_structural_errors_fail_the_load_naming_source_and_key(
    tmp_path: Path, old: str, new: str, message: str,
) -> None:
    with pytest.raises(CatalogError) as caught:
        load_sources.__wrapped__(_register(tmp_path, old, new))
    assert message in str(caught.value)


@pytest.mark.parametrize(("source_id", "old", "new", "message"), [
    ("papi", PAPI_COLUMNS, PAPI_COLUMNS.replace("province_column", "provice_column"),
     "field 'provice_column' is not a key of kind survey_index (allowed: agency, columns, "),
    ("papi", PAPI_COLUMNS, PAPI_COLUMNS.replace('    province_column: "Tỉnh/Thành phố"\n', ""),
     "field 'province_column' is missing"),
    ("par_index", "kind: survey_index\n    agency: BNV", "kind: survey_indx\n    agency: BNV",
     "field 'kind' is 'survey_indx', expected one of ['yearbook', "),
    ("dti", "    agency: BTTTT\n", "", "field 'agency' is missing"),
    ("gso_yearbook", 'unit_in_file: "Nghìn người", scale: 1000}', 'unit_in_file: "Nghìn người", scale: "x1000"}',
     "field 'tables[0].scale': 'x1000' is not of type 'number'"),
    ("gso_yearbook", '{sheet: "HDI", measure: hdi,', '{sheet: "Dân số", measure: hdi,',
     "field 'tables[6].sheet': sheet 'Dân số' is already mapped by tables[0]"),
    ("gso_yearbook", '{sheet: "HDI", measure: hdi,', '{measure: hdi,',
     "field 'tables[6].sheet' is missing (a workbook names the sheet of each table)"),
    ("papi", '"Quản trị môi trường": papi_environment', '"Quản trị môi trường": papi_environmnet',
     "field 'columns[\"Quản trị môi trường\"]' names unknown measure 'papi_environmnet'"),
    ("ipvn_applications", '    category_column: "Loại đơn"\n', "", "field 'category_column' is missing (needed with "
                                                                       "'categories')"),
    ("most_st_organisations", "    measure: st_organisations", "    measure: st_organisations\n    categories: "
     "{\"Viện\": st_organisations}\n    category_column: \"Loại hình\"", "give either 'categories'"),
    ("most_st_organisations", '    counted_status: "Đang hoạt động"\n', "", "field 'counted_status' is missing "
                                                                            "(needed with 'status_column')"),
    ("vcci_pci", '"CSTP 1: Gia nhập thị trường": pci_entry_cost',
     '"CSTP 1: Gia nhập thị trường": {measure: pci_entry_cost, weight: 2}',
     "field 'sheets[0].columns[\"CSTP 1: Gia nhập thị trường\"].weight' is not a key of"),
    ("papi", PAPI_PATTERN, PAPI_PATTERN + '\n    number_format: {decimal: ",", thousands: ","}',
     "field 'number_format.thousands' is the decimal mark too"),
    ("papi", PAPI_PATTERN, PAPI_PATTERN + "\n    number_format: vi", "field 'number_format' is 'vi', expected 'auto'"),
    ("dti", '"Hạ tầng số": dti_infrastructure', '"Hạ tầng số": papi_environment',
     "supplies 'papi_environment' but measures.csv says source_id 'papi'"),
])
def test_kind_errors_disable_only_that_source(
    tmp_path: Path, source_id: str, old: str, new: str, message: str,
) -> None:
    sources = load_sources.__wrapped__(_register(tmp_path, old, new))
    disabled = {s.source_id: s.spec_error for s in sources.values() if s.spec_error}
    assert list(disabled) == [source_id]
    assert f"sources.yaml: source '{source_id}': " in str(disabled[source_id])
    assert message in str(disabled[source_id])
    assert len(sources) == 17  # the others are all there, with their measures
    assert sources[source_id].measures() == []  # a disabled source supplies nothing: its measures go missing
    other = sources["papi" if source_id != "papi" else "dti"]
    assert other.spec_error is None and other.measures()


def test_files_of_a_disabled_source_are_quarantined_whole(tmp_path: Path) -> None:
    sources = load_sources.__wrapped__(_register(tmp_path, PAPI_COLUMNS,
                                                 PAPI_COLUMNS.replace("province_column", "provice_column")))
    landing = tmp_path / "landing"
    for year in (2023, 2024):
        (landing / f"{year}" / "papi").mkdir(parents=True)
        (landing / f"{year}" / "papi" / f"papi_{year}.csv").write_text(
            "Tiêu đề\nSTT,Tỉnh/Thành phố,Quản trị môi trường\n1,Hà Nội,6.1\n2,Huế,5.2\n", encoding="utf-8")
    papi = sources["papi"]
    raw = [read_raw(papi, f) for f in find_files(landing, papi)]
    result = conform_raw(papi, raw[0].vstack(raw[1]), default_registry())
    assert result.observations == []
    assert [(q["file_path"], q["reason_code"], q["sheet"], q["row_number"], q["column_ref"])
            for q in result.quarantine] == [("2023/papi/papi_2023.csv", "invalid_source_spec", "", 0, ""),
                                            ("2024/papi/papi_2024.csv", "invalid_source_spec", "", 0, "")]
    assert result.quarantine[0]["reason"].startswith("2023/papi/papi_2023.csv: not read: ")
    assert "source 'papi': field 'provice_column'" in result.quarantine[0]["reason"]
    assert sorted((d["file_path"], d["row_number"], d["disposition"]) for d in result.dispositions) == [
        (f"{y}/papi/papi_{y}.csv", n, "quarantined") for y in (2023, 2024) for n in range(1, 5)]


QUALITY = (REFERENCE_DIR / "quality.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(("old", "new", "message"), [
    ("fail_above: 0.02", "fail_above: 2 %", "field 'reconciliation.fail_above': '2 %' is not of type 'number'"),
    ("fail_above: 0.02", "fail_abov: 0.02", "field 'reconciliation.fail_abov' is not a key of 'reconciliation'"),
    ("robust_z: 3.5", "robust_z: -3.5", "field 'plausibility.robust_z': -3.5 is less than or equal to the minimum"),
    ("min_share: 0.66", "min_share: 66", "field 'coverage.min_share': 66 is greater than the maximum of 1"),
    ("warn_above: 0.005", "warn_above: 0.05", "field 'reconciliation.warn_above' exceeds 'reconciliation.fail_above'"),
    ("coverage:\n", "coverage: [\n", "quality.yaml: not valid UTF-8 YAML"),
])
def test_quality_yaml_errors_name_the_key(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in QUALITY
    path = tmp_path / "quality.yaml"
    path.write_text(QUALITY.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ThresholdError) as caught:
        load_thresholds(path)
    assert str(caught.value).startswith("quality.yaml: ") and message in str(caught.value)


def test_committed_quality_yaml_loads() -> None:
    assert load_thresholds() == {"reconcile_warn": 0.005, "reconcile_fail": 0.02, "yoy_change": 0.5,
                                 "yoy_min_level": 10.0, "robust_z": 3.5, "min_coverage": 0.66}


def test_a_suite_naming_an_unknown_parameter_fails_to_load(tmp_path: Path) -> None:
    from pii.quality.gx_suite import SuiteError, load_suite

    doc = json.loads((EXPECTATIONS_DIR / "staging.measure_values.json").read_text(encoding="utf-8"))
    entry = next(e for e in doc["expectations"] if e["meta"]["id"] == "measure_in_catalog")
    entry["kwargs"]["value_set"] = {"$PARAMETER": "measure_code"}
    path = tmp_path / "staging.measure_values.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(SuiteError, match=r"\(measure_in_catalog\): unknown suite parameter\(s\) \['measure_code'\]"):
        load_suite(path)
