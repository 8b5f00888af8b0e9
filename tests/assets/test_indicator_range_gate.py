"""An indicator value outside its range fails a critical check that blocks the tables downstream.

The defect: "an indicator was published at 10287.5 % with only a warning". Indicator 4.2.3 (innovative
start-ups among newly registered enterprises, %) is declared ``range: [0, 100]`` in the framework; a
numerator typed a thousand times too large makes it 10287.5 and must stop ``core.pii_input``.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest
from dagster_duckdb import DuckDBResource

from assets._warehouse import write_frame
from assets.core.indicators import indicator_values, pii_input
from assets.core.quality import IN_RANGE
from pii.framework.loader import framework_years, load_framework
from pii.framework.tables import framework_frames
from pii.paths import REFERENCE_DIR


def _warehouse(db: Path, startups: float) -> None:
    """Reference tables, and the two 2024 measures behind 4.2.3 for Hà Nội on the 2025 boundary."""
    frames = framework_frames([load_framework(y) for y in framework_years()])
    measures = pl.DataFrame({
        "framework_year": [2025, 2025], "province_code": ["01", "01"], "boundary": ["p34", "p34"],
        "measure_code": ["innovative_startups", "new_enterprises"], "year": [2024, 2024],
        "value": [startups, 400.0], "is_rebased": [False, False],
    }, schema_overrides={"framework_year": pl.Int32, "year": pl.Int32})
    staged = measures.select("province_code", "boundary", "year", "measure_code", "value").with_columns(
        file_path=pl.lit("2024/agencies/SKHCN_2024.xlsx"), sheet=pl.lit("Số liệu"),
        row_number=pl.Series([41, 42], dtype=pl.Int64), column_ref=pl.lit("G"))
    with duckdb.connect(str(db)) as conn:
        for table in ("framework_indicators", "framework_formula_terms"):
            write_frame(conn, f"meta.{table}", frames[table], ["framework_year"])
        provinces = pl.read_csv(REFERENCE_DIR / "provinces.csv", infer_schema=False).rename({"code": "province_code"})
        write_frame(conn, "meta.provinces", provinces, ["boundary", "province_code"])
        write_frame(conn, "core.framework_measure_values", measures, ["measure_code"])
        write_frame(conn, "staging.measure_values", staged, ["measure_code"])


@pytest.mark.parametrize(("startups", "passes"), [(41_150.0, False), (41.15, True)])
def test_a_share_above_100_percent_blocks_downstream(tmp_path: Path, startups: float, passes: bool) -> None:
    db = tmp_path / "build.duckdb"
    _warehouse(db, startups)
    result = dg.materialize([indicator_values, pii_input], resources={"duckdb": DuckDBResource(database=str(db))},
                            raise_on_error=False)

    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    gate = evaluations.pop(IN_RANGE)
    assert gate.passed is passes
    assert gate.severity == dg.AssetCheckSeverity.ERROR
    # Every other critical check passes: the gate alone decides whether pii_input is built.
    assert [n for n, e in evaluations.items() if e.severity == dg.AssetCheckSeverity.ERROR and not e.passed] == []
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "core/indicator_values" in materialized  # the checked table itself is written
    assert ("core/pii_input" in materialized) is passes  # ... and nothing downstream of a failure
    with duckdb.connect(str(db), read_only=True) as conn:
        recorded = conn.execute("SELECT severity, passed, unexpected_count, examples FROM meta.dq_results "
                                "WHERE check_name = ?", [IN_RANGE]).fetchall()
    assert [r[:3] for r in recorded] == [("critical", passes, 0 if passes else 1)]
    if not passes:
        for text in ('"indicator": "4.2.3"', '"province": "01"', '"value": 10287.5', '"range": [0.0, 100.0]',
                     "range declared in the framework file",
                     "numerator innovative_startups 2024 = 41150.0 (2024/agencies/SKHCN_2024.xlsx, sheet 'Số liệu', "
                     "row 41, column G)"):
            assert text in recorded[0][3]


def test_the_gate_is_declared_critical_and_blocking() -> None:
    spec = next(s for s in indicator_values.check_specs if s.name == IN_RANGE)
    assert spec.blocking
