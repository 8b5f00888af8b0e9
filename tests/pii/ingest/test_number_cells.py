"""Value cells in the adapters: one number convention per file, units typed in cells, and staging unchanged."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb
import polars as pl
import pytest

from assets._warehouse import run_sql, write_frame
from pii.catalog import Source, load_measures, load_sources
from pii.ingest.cells import expected_units, parse_measure
from pii.ingest.microdata import ensure_targets as ensure_microdata_tables
from pii.ingest.results import OBSERVATION_SCHEMA, ConformResult
from pii.ingest.survey_index import conform_survey
from pii.ingest.survey_workbook import conform_survey_workbook
from pii.ingest.yearbook import conform_yearbook
from pii.parsing.number_convention import NumberConvention, NumberFormatError
from tests.pii.ingest.helpers import codes, conserved, context, grid, registry

LABEL = "Tỉnh, thành phố"
VI = NumberConvention(",")


def _values(result: ConformResult) -> dict[tuple[str, str, int], float]:
    return {(o["province_code"], o["measure_code"], o["year"]): o["value"] for o in result.observations}


def test_a_scaled_table_accepts_only_its_own_unit() -> None:
    """'Nghìn người' × 1000: a cell in persons would be scaled twice, so only the table's unit is accepted."""
    result, ctx = ConformResult(), context()
    row = grid([["Hà Nội", "1,5 nghìn người", "1.234 người", 2.5]])[0]
    assert parse_measure(result, ctx, row, 1, VI, "population", 1000, "Nghìn người") == 1500.0
    assert parse_measure(result, ctx, row, 2, VI, "population", 1000, "Nghìn người") is None
    assert parse_measure(result, ctx, row, 3, VI, "population", 1000, "Nghìn người") == 2500.0  # numeric cell
    assert codes(result) == ["unit_mismatch"]
    assert result.quarantine[0]["reason"] == (
        "2024/test/file.csv, row 1, column C: '1.234 người' is written in 'người', but this table is in "
        "'Nghìn người' (population is stored in 'persons'); type the number only, in 'Nghìn người'")


def test_expected_units() -> None:
    measures = load_measures()
    assert expected_units(measures["population"], "Nghìn người", 1000) == ("Nghìn người",)
    assert expected_units(measures["iip"], "%", 1) == ("%", "index (previous year = 100)")
    assert expected_units(measures["active_enterprises"]) == ("enterprises",)


def test_scaling_is_decimal_exact() -> None:
    result = ConformResult()
    row = grid([["Hà Nội", "1,005"]])[0]
    assert parse_measure(result, context(), row, 1, VI, "population", 1000) == 1005.0  # not 1004.9999999999999


def test_one_convention_for_the_whole_workbook() -> None:
    """'4,95' on one sheet shows ',' as the decimal mark; '1.234' on another sheet is then 1234 thousand."""
    yearbook = dataclasses.replace(load_sources()["gso_yearbook"], spec={"header_row_contains": LABEL, "tables": [
        {"sheet": "Hộ nghèo", "measure": "poverty_rate", "unit_in_file": "%", "scale": 1},
        {"sheet": "Dân số", "measure": "population", "unit_in_file": "Nghìn người", "scale": 1000}]})
    rows = grid([[LABEL, "2024"], ["Hà Nội", "4,95"]], sheet="Hộ nghèo") + grid(
        [[LABEL, "2024"], ["CẢ NƯỚC", "101.234"], ["Hà Nội", "8.587"]], sheet="Dân số")
    result = conform_yearbook(yearbook, context(), rows, registry())
    assert not result.quarantine and conserved(result, rows)
    assert _values(result) == {("01", "poverty_rate", 2024): 4.95, ("01", "population", 2024): 8587000.0}
    assert [t["value"] for t in result.totals] == [101234000.0]


def test_a_two_way_total_is_left_out_not_guessed() -> None:
    """A national row in a file that shows no decimal mark: the total is not recorded (nor is the value)."""
    yearbook = dataclasses.replace(load_sources()["gso_yearbook"], spec={"header_row_contains": LABEL, "tables": [
        {"sheet": "Dân số", "measure": "population", "unit_in_file": "Nghìn người", "scale": 1000}]})
    rows = grid([[LABEL, "2024"], ["CẢ NƯỚC", "101.234"], ["Hà Nội", "8.587"]], sheet="Dân số")
    result = conform_yearbook(yearbook, context(), rows, registry())
    assert result.totals == [] and result.observations == []
    assert codes(result) == ["ambiguous_number"] and result.quarantine[0]["row_number"] == 3


SURVEY = Source("papi", "survey_index", "UNDP", "", "csv", "{year}/papi/papi_{year}.csv",
                spec={"province_column": "Tỉnh/Thành phố", "columns": {"Quản trị môi trường": "papi_environment"}})


def test_unread_columns_do_not_decide_the_convention() -> None:
    """Only the cells the spec reads count: '4,1021' in the unread composite column does not settle '3,911'."""
    rows = grid([["PAPI 2024"], ["STT", "Tỉnh/Thành phố", "Quản trị môi trường", "PAPI tổng hợp"],
                 [1, "Hà Nội", "3,911", "4,1021"]])
    result = conform_survey(SURVEY, context(), rows, registry())
    assert codes(result) == ["ambiguous_number"] and not result.observations


def test_an_invalid_number_format_names_the_source_and_key() -> None:
    source = dataclasses.replace(SURVEY, spec={**SURVEY.spec, "number_format": {"decimal": ";"}})
    rows = grid([["PAPI 2024"], ["STT", "Tỉnh/Thành phố", "Quản trị môi trường"], [1, "Hà Nội", "3,9"]])
    with pytest.raises(NumberFormatError, match=r"sources\.yaml: source 'papi': number_format\.decimal"):
        conform_survey(source, context(), rows, registry())


WORKBOOK = Source("vcci_pci", "survey_workbook", "VCCI", "", "xlsx", "{year}/vcci/pci_{year}.xlsx", spec={
    "province_column": "Tỉnh/Thành phố",
    "sheets": [{"sheet": "CSTP 9", "columns": {"Tỷ lệ (%, TCTK)": {"measure": "trained_labour_share",
                                                                    "role": "cross_check"}}}]})


@pytest.mark.parametrize(("typed", "expected"), [("27,3%", 27.3), ("0,4", 40.0)])
def test_a_percent_typed_in_a_fraction_column_is_not_multiplied_again(typed: str, expected: float) -> None:
    rows = grid([["Tỉnh/Thành phố", "Tỷ lệ (%, TCTK)"], ["Hà Nội", 0.273], ["Hải Phòng", typed]], sheet="CSTP 9")
    result = conform_survey_workbook(WORKBOOK, context(), rows, registry())
    assert not result.quarantine
    assert _values(result) == {("01", "trained_labour_share", 2024): 27.3,
                               ("31", "trained_labour_share", 2024): expected}


def test_staging_passes_conformed_values_through_unchanged(tmp_path: Path) -> None:
    """sql/staging/measure_observations.sql and measure_values.sql copy values: nothing rescales them."""
    rows = grid([["PAPI 2024"], ["STT", "Tỉnh/Thành phố", "Quản trị môi trường"], [1, "Hà Nội", "3,911"],
                 [2, "Hải Phòng", "4,95"], [3, "Nam Định", 6.705826759338379]])
    result = conform_survey(SURVEY, context(), rows, registry())
    assert codes(result) == []
    conn = duckdb.connect(str(tmp_path / "build.duckdb"))
    write_frame(conn, "staging.cell_observations",
                pl.DataFrame(result.observations, schema=OBSERVATION_SCHEMA, orient="row"), ["province_code"])
    conn.execute("CREATE TABLE staging.record_rows (file_path VARCHAR, province_code VARCHAR, "
                 "measure_code VARCHAR, record_id VARCHAR)")
    conn.execute("CREATE TABLE meta.landing_files (source_id VARCHAR, file_path VARCHAR, file_sha256 VARCHAR, "
                 "data_year INTEGER, boundary VARCHAR, conformed_ok BOOLEAN, read_error VARCHAR)")
    conn.execute("CREATE TABLE meta.sources (source_id VARCHAR, kind VARCHAR)")
    conn.execute("CREATE TABLE meta.measures (measure_code VARCHAR, source_id VARCHAR, unit VARCHAR)")
    conn.execute("CREATE TABLE meta.provinces (province_code VARCHAR, boundary VARCHAR, name_vi VARCHAR)")
    ensure_microdata_tables(conn)  # the SQL unions staging.microdata_observations (issue 9)
    run_sql(conn, "staging", "measure_observations")
    run_sql(conn, "staging", "measure_values")
    staged = dict(conn.execute("SELECT province_code, value FROM staging.measure_values").fetchall())
    conn.close()
    assert staged == {"01": 3.911, "31": 4.95, "36": 6.705826759338379}
