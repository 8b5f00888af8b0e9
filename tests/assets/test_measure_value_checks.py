"""The checks on staging.measure_values fail on bad rows, even ones an adapter let through."""

from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
from dagster_duckdb import DuckDBResource

from assets._warehouse import write_frame
from assets.staging.measures import measure_values
from pii.catalog import load_measures
from pii.ingest.results import OBSERVATION_SCHEMA


def _observation(province: str, measure: str, value: float) -> dict:
    return {"source_id": "gso_yearbook", "file_path": "2024/gso/x.xlsx", "file_sha256": "ab" * 32, "sheet": "S",
            "row_number": 7, "column_ref": "C", "province_text": "x", "province_code": province, "boundary": "p63",
            "year": 2024, "measure_code": measure, "value": value, "unit": "%", "is_preliminary": False,
            "edition_year": 2024, "evidence": None, "priority": 1}


def test_out_of_range_and_negative_values_fail_critical_checks(tmp_path: Path) -> None:
    db = tmp_path / "build.duckdb"
    conn = duckdb.connect(str(db))
    rows = [_observation("01", "trained_labour_share", 140.0),  # a share above 100
            _observation("02", "population", -5.0),              # a negative count
            _observation("04", "population", 500_000.0)]
    write_frame(conn, "staging.measure_observations", pl.DataFrame(rows, schema=OBSERVATION_SCHEMA, orient="row"),
                ["province_code"])
    measures = pl.DataFrame([{"measure_code": m.code, "min_value": m.min_value, "max_value": m.max_value}
                             for m in load_measures().values()])
    write_frame(conn, "meta.measures", measures, ["measure_code"])
    conn.close()

    result = dg.materialize([measure_values], resources={"duckdb": DuckDBResource(database=str(db))},
                            raise_on_error=False)
    outcomes = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not outcomes["values_within_measure_range"].passed
    assert outcomes["values_within_measure_range"].severity == dg.AssetCheckSeverity.ERROR
    assert not outcomes["value_non_negative"].passed
    assert outcomes["key_unique"].passed
    with duckdb.connect(str(db), read_only=True) as con:
        recorded = con.execute("""SELECT check_name, passed, unexpected_count FROM meta.dq_results
                                  WHERE check_name IN ('values_within_measure_range', 'value_non_negative')
                                  ORDER BY 1""").fetchall()
    assert recorded == [("value_non_negative", False, 1), ("values_within_measure_range", False, 2)]
