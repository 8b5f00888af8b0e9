"""A source whose adapter fails on a file does not stop the run: the rest is built and published, the file is
quarantined ``adapter_error``, and the measures it would have supplied are reported missing."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from pii.catalog import Source
from pii.ingest import conform
from pii.ingest.grid import GridRow
from pii.ingest.results import ConformResult, FileContext
from pii.provinces import ProvinceRegistry

from .conftest import materialize_all

BROKEN = "2024/papi/papi_2024.csv"


@pytest.mark.e2e
def test_one_broken_file_is_reported_and_the_run_still_publishes(
    landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = conform.ADAPTERS["survey_index"]

    def breaks_on_papi_2024(source: Source, ctx: FileContext, rows: list[GridRow],
                            registry: ProvinceRegistry) -> ConformResult:
        if ctx.file_path == BROKEN:
            raise IndexError("list index out of range")
        return real(source, ctx, rows, registry)

    monkeypatch.setitem(conform.ADAPTERS, "survey_index", breaks_on_papi_2024)
    run = materialize_all(landing, tmp_path / "warehouse", raise_on_error=False)

    assert run.result.success, "one failing file must not fail the run"
    assert run.published.exists()
    checks = {(e.asset_key.to_user_string(), e.check_name): e for e in run.result.get_asset_check_evaluations()}
    assert checks[("meta/row_dispositions", "row_conservation")].passed
    assert not checks[("core/framework_measure_values", "measures_complete")].passed  # reported missing: a warning
    assert checks[("core/framework_measure_values", "measures_complete")].severity == dg.AssetCheckSeverity.WARN

    con = run.connect()
    try:
        quarantined = con.execute("SELECT file_path, sheet, row_number, column_ref, reason FROM quarantine.rows "
                                  "WHERE reason_code = 'adapter_error'").fetchall()
        dispositions = con.execute("SELECT DISTINCT disposition FROM meta.row_dispositions WHERE file_path = ?",
                                   [BROKEN]).fetchall()
        papi_years = con.execute("SELECT DISTINCT year FROM staging.measure_values "
                                 "WHERE measure_code = 'papi_environment' ORDER BY 1").fetchall()
        other_2024 = con.execute("SELECT count(*) FROM staging.measure_values WHERE year = 2024 "
                                 "AND measure_code IN ('par_index', 'dti_government')").fetchone()
        indicator = con.execute("""SELECT framework_year, count(value), count(*) FROM core.indicator_values
                                   WHERE indicator_code = '3.3.1' GROUP BY 1 ORDER BY 1""").fetchall()
        missing = con.execute("""SELECT examples FROM meta.dq_results
                                 WHERE check_name = 'measures_complete' AND run_id = ?""",
                              [run.result.run_id]).fetchone()
    finally:
        con.close()
    [(path, sheet, row, column, reason)] = quarantined
    assert (path, sheet, row, column) == (BROKEN, "", 0, "")
    assert reason.startswith(f"{BROKEN}: the survey_index adapter failed on this file (IndexError: list index")
    assert dispositions == [("quarantined",)]
    assert (2024,) not in papi_years and (2023,) in papi_years
    assert other_2024 == (63 + 63,)  # PAR and DTI government, 2024, 63 provinces: untouched
    # PII 2025 reads 2024 data: 3.3.1 (environmental governance, PAPI) is missing there and only there.
    assert indicator == [(2023, 63, 63), (2024, 63, 63), (2025, 0, 34)]
    assert '"measure": "papi_environment", "data_year": 2024' in missing[0]
