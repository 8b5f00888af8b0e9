"""A critical check failure stops the indicator tables downstream; a warning does not; both are recorded."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import pytest

from .conftest import materialize_all


def _inflate_national_population(landing: Path, year: int, factor: float) -> None:
    """Make the yearbook's national row disagree with its provinces, as a misprinted total would."""
    path = landing / f"{year}" / "gso" / f"nien_giam_thong_ke_{year}.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["Dân số"]
    for row in ws.iter_rows():
        if row[0].value == "CẢ NƯỚC":
            row[2].value = float(row[2].value) * factor
            break
    else:
        raise AssertionError("no national row in the sample yearbook")
    wb.save(path)


def test_failing_reconciliation_blocks_indicator_tables(landing: Path, tmp_path: Path) -> None:
    broken = tmp_path / "landing"
    shutil.copytree(landing, broken)
    _inflate_national_population(broken, 2023, 1.10)
    run = materialize_all(broken, tmp_path / "warehouse", raise_on_error=False)

    evaluations = {(e.asset_key.to_user_string(), e.check_name): e for e in run.result.get_asset_check_evaluations()}
    failed = evaluations[("staging/reconciliation", "totals_reconcile")]
    assert not failed.passed and failed.severity == dg.AssetCheckSeverity.ERROR
    materialized = {m.asset_key.to_user_string() for m in run.result.get_asset_materialization_events()
                    for m in [m.event_specific_data.materialization]}
    assert "staging/measure_values" in materialized  # the checked asset itself is still written
    assert "core/framework_measure_values" not in materialized  # blocked downstream
    assert "core/indicator_values" not in materialized
    assert "core/pii_input" not in materialized
    # The warning check ran and did not block anything upstream of it.
    assert ("staging/measure_values", "final_figures") in evaluations

    # Nothing was published; the failure and its detail are in the build's meta.dq_results.
    assert not run.published.exists()
    con = duckdb.connect(str(run.build), read_only=True)
    try:
        row = con.execute("""
            SELECT severity, passed, unexpected_count, examples FROM meta.dq_results
            WHERE run_id = ? AND check_name = 'totals_reconcile'
        """, [run.result.run_id]).fetchall()[0]
    finally:
        con.close()
    assert row[:3] == ("critical", False, 1)
    assert "nien_giam_thong_ke_2023.xlsx" in row[3] and "CẢ NƯỚC" in row[3]


@pytest.mark.parametrize("factor", [1.01])
def test_small_discrepancy_only_warns(landing: Path, tmp_path: Path, factor: float) -> None:
    broken = tmp_path / "landing"
    shutil.copytree(landing, broken)
    _inflate_national_population(broken, 2024, factor)
    run = materialize_all(broken, tmp_path / "warehouse", raise_on_error=False)
    evaluations = {(e.asset_key.to_user_string(), e.check_name): e for e in run.result.get_asset_check_evaluations()}
    assert evaluations[("staging/reconciliation", "totals_reconcile")].passed
    assert not evaluations[("staging/reconciliation", "totals_reconcile_closely")].passed
    assert run.result.success
    assert run.published.exists()  # a warning does not stop the build
