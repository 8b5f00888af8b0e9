"""`pii materialize --years`: the argument, the plan of a year backfill and the bookkeeping it clears."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pii.catalog import load_sources
from pii.cli import build_parser, main
from pii.errors import UsageError
from pii.ingest.inventory import take_inventory
from pipelines import build_state, selection
from pipelines.build_state import forget_files
from pipelines.selection import Plan, files_after_years, landing_years, plan_years, years_text


def _no_graph() -> dg.AssetGraph:
    raise AssertionError("the asset graph is not needed for this answer")


# -- the argument ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "years"), [("2024", (2024,)), ("2023-2024", (2023, 2024)),
                                             ("2023,2025", (2023, 2025)), ("2025, 2022-2023", (2022, 2023, 2025))])
def test_years_are_parsed_as_pii_sample_parses_them(text: str, years: tuple[int, ...]) -> None:
    args = build_parser().parse_args(["materialize", "--years", text])
    assert args.years == years
    assert build_parser().parse_args(["materialize"]).years is None


@pytest.mark.parametrize("argv", [["--years", "20x4"], ["--years", "2025-2023"], ["--years", ","],
                                  ["--years", "2025", "--full"], ["--years", "2025", "--select", "core/pii_input"]])
def test_bad_years_arguments_are_one_line_and_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["materialize", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pii materialize: error: ") and err.count("\n") == 1 and "--years" in err, err


# -- the plan --------------------------------------------------------------------------------------------------
YEARS_OF = {("papi", "2024/papi/papi_2024.csv"): 2024, ("papi", "2025/papi/papi_2025.csv"): 2025,
            ("skhcn_submission", "2025/agencies/SKHCN_2025.xlsx"): 2025,
            ("par_index", "2023/bnv/par_index_2023.csv"): 2023}


def test_years_text() -> None:
    assert years_text([2025]) == "2025"
    assert years_text([2024, 2022, 2023, 2026]) == "2022-2024, 2026"


def test_plan_names_the_files_of_the_years_their_sources_and_what_is_downstream(graph: dg.AssetGraph) -> None:
    plan = plan_years([2025], YEARS_OF, lambda: graph)

    assert plan.reread == [("papi", "2025/papi/papi_2025.csv"), ("skhcn_submission", "2025/agencies/SKHCN_2025.xlsx")]
    assert plan.changed_sources == ["papi", "skhcn_submission"]
    assert plan.reason == "rebuilding data years 2025: 2 files of 2 sources"
    assert plan.changes == ["2025/agencies/SKHCN_2025.xlsx (skhcn_submission): read again",
                            "2025/papi/papi_2025.csv (papi): read again"]
    names = {k.to_user_string() for k in plan.asset_keys or []}
    assert plan.asset_keys == selection.assets_downstream_of(["papi", "skhcn_submission"], False, graph)
    assert {"raw/papi", "raw/skhcn_submission", "staging/cell_observations", "core/pii_input",
            "meta/published_warehouse"} <= names
    assert "raw/par_index" not in names  # a source with no file of 2025 is not read

    two = plan_years([2023, 2024], YEARS_OF, lambda: graph)
    assert two.reason == "rebuilding data years 2023-2024: 2 files of 2 sources"
    assert two.changed_sources == ["papi", "par_index"]


def test_a_year_without_landing_files_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"^--years 2025-2026: no landing file of data year 2026 \(the landing "
                                         r"folder has files of 2023-2025\)$"):
        plan_years([2025, 2026], YEARS_OF, _no_graph)
    with pytest.raises(UsageError, match="has files of none"):
        plan_years([2025], {}, _no_graph)


def test_a_full_base_plan_makes_the_backfill_full_and_keeps_its_files() -> None:
    base = Plan(None, "full run: no build file at /x/build.duckdb")
    plan = plan_years([2024], YEARS_OF, _no_graph, base)
    assert plan.full and plan.reread == [("papi", "2024/papi/papi_2024.csv")]
    assert plan.reason == "rebuilding data years 2024: 1 file of 1 source; full run: no build file at /x/build.duckdb"


def test_plan_from_a_sample_landing_folder(sample: Path, graph: dg.AssetGraph) -> None:
    inventory = take_inventory(sample, load_sources().values(), fingerprint=True)
    years_of = landing_years(inventory)
    assert set(years_of.values()) == {2024, 2025}
    plan = plan_years([2024], years_of, lambda: graph)
    assert plan.reread == sorted(k for k, y in years_of.items() if y == 2024)
    assert all("2024" in path for _, path in plan.reread)
    assert plan.reason == (f"rebuilding data years 2024: {len(plan.reread)} files of "
                           f"{len(plan.changed_sources)} sources")


def test_state_after_a_backfill_takes_the_rebuilt_sources_files_from_now() -> None:
    before = {("papi", "a"): ("1", ""), ("par_index", "b"): ("2", ""), ("", "README.txt"): ("3", "notes")}
    now = {("papi", "a"): ("1b", ""), ("par_index", "b"): ("2b", ""), ("", "README.txt"): ("3b", "notes"),
           ("papi", "c"): ("4", "")}
    assert files_after_years(before, now, ["papi"]) == {
        ("", "README.txt"): ("3b", "notes"), ("papi", "a"): ("1b", ""), ("papi", "c"): ("4", ""),
        ("par_index", "b"): ("2", "")}  # par_index was not run: its change is still to run


# -- the bookkeeping cleared before the run --------------------------------------------------------------------
def test_the_ledgers_cleared_are_the_staging_steps_ones() -> None:
    import importlib

    conformed, microdata, tabular = (importlib.import_module(f"assets.staging.{name}")
                                     for name in ("conformed", "microdata", "tabular"))
    assert conformed.CURSOR in build_state.FILE_LEDGERS and tabular.LEDGER in build_state.FILE_LEDGERS
    assert "meta.microdata_files" in microdata.LEDGER_DDL and "meta.microdata_files" in build_state.FILE_LEDGERS


def test_forget_files_deletes_only_those_files_rows(tmp_path: Path) -> None:
    build = tmp_path / "build.duckdb"
    assert forget_files(build, [("papi", "x")]) == 0  # no build file yet: nothing to forget
    with duckdb.connect(str(build)) as conn:
        conn.execute("CREATE SCHEMA raw; CREATE SCHEMA meta")
        conn.execute("CREATE TABLE raw.papi AS SELECT * FROM (VALUES ('2024/p.csv', 1), ('2024/p.csv', 2), "
                     "('2025/p.csv', 1)) t(file_path, row_number)")
        conn.execute("CREATE TABLE meta.conform_cursor AS SELECT * FROM (VALUES ('papi', '2024/p.csv'), "
                     "('papi', '2025/p.csv'), ('other', '2024/p.csv')) t(source_id, file_path)")
        conn.execute("CREATE TABLE meta.set_based_files AS SELECT * FROM (VALUES ('papi', '2024/p.csv')) "
                     "t(source_id, file_path)")  # meta.microdata_files missing: skipped
    assert forget_files(build, [("papi", "2024/p.csv"), ("gone_source", "2024/g.csv")]) == 2
    with duckdb.connect(str(build), read_only=True) as conn:
        assert conn.execute("SELECT file_path FROM raw.papi").fetchall() == [("2025/p.csv",)]
        assert sorted(conn.execute("FROM meta.conform_cursor").fetchall()) == [("other", "2024/p.csv"),
                                                                              ("papi", "2025/p.csv")]
        assert conn.execute("SELECT count(*) FROM meta.set_based_files").fetchall() == [(0,)]


# -- the same backfill from the Dagster UI: a run tagged pii/years ---------------------------------------------
@pytest.fixture
def papi_only(sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A landing folder holding the sample's papi files only (2024 and 2025), named by PII_LANDING_DIR."""
    landing = tmp_path / "landing"
    for f in take_inventory(sample, [load_sources()["papi"]]).matched:
        (landing / f.rel_path).parent.mkdir(parents=True, exist_ok=True)
        (landing / f.rel_path).write_bytes((sample / f.rel_path).read_bytes())
    monkeypatch.setenv("PII_LANDING_DIR", str(landing))
    return landing


def _run(landing: Path, tmp_path: Path, instance: dg.DagsterInstance, select: str = "papi",
         tags: dict[str, str] | None = None) -> dg.ExecuteInProcessResult:
    from assets.raw.sources import raw_assets
    from pipelines.resources import PiiPaths, build_resource

    build, published = tmp_path / "build" / "pii_build.duckdb", tmp_path / "pii_warehouse.duckdb"
    return dg.materialize(
        [a for a in raw_assets if a.key.path[1] in ("papi", "par_index")], selection=[dg.AssetKey(["raw", select])],
        instance=instance, raise_on_error=False, tags=tags,
        resources={"duckdb": build_resource(build, lock_timeout_seconds=30),
                   "paths": PiiPaths(landing_dir=str(landing), warehouse_path=str(published), build_path=str(build))})


def test_a_run_tagged_pii_years_forgets_exactly_those_years_files(papi_only: Path, tmp_path: Path) -> None:
    files = {f.data_year: f.rel_path for f in take_inventory(papi_only, [load_sources()["papi"]]).matched}
    assert sorted(files) == [2024, 2025]
    build = tmp_path / "build" / "pii_build.duckdb"
    with dg.DagsterInstance.ephemeral() as instance:
        first = _run(papi_only, tmp_path, instance)
        assert first.success
        with duckdb.connect(str(build)) as conn:  # the staging step's ledger, as if it had conformed both files
            conn.execute("CREATE SCHEMA IF NOT EXISTS meta")
            conn.execute("CREATE TABLE meta.conform_cursor AS SELECT 'papi' AS source_id, unnest(?::VARCHAR[]) "
                         "AS file_path", [sorted(files.values())])
            rows_2024 = conn.execute("SELECT count(*) FROM raw.papi WHERE file_path = ?", [files[2024]]).fetchall()

        plain = _run(papi_only, tmp_path, instance)  # no tag: unchanged files are not read again
        backfill = _run(papi_only, tmp_path, instance, tags={"pii/years": "2025"})
        assert plain.success and backfill.success
        said = [e.user_message for e in instance.all_logs(backfill.run_id)]
    assert any(m.startswith("run tag pii/years=2025: rebuilding data years 2025: forgot 1 landing file (")
               and m.endswith(f"\n  {files[2025]} (papi)") for m in said), said
    with duckdb.connect(str(build), read_only=True) as conn:
        read = conn.execute("SELECT run_id, file_path, event FROM meta.file_versions WHERE run_id IN (?, ?) "
                            "ORDER BY 2", [plain.run_id, backfill.run_id]).fetchall()
        assert read == [(backfill.run_id, files[2025], "added")]  # only the 2025 file was read again
        assert conn.execute("SELECT count(*) FROM raw.papi WHERE file_path = ?", [files[2024]]).fetchall() == rows_2024
        assert conn.execute("SELECT file_path FROM meta.conform_cursor").fetchall() == [(files[2024],)]


@pytest.mark.parametrize(("tag", "says"), [
    ("20x4", "run tag pii/years=20x4: years must look like 2022-2025 or 2022,2024, not '20x4'"),
    ("2030", "run tag pii/years=2030: no landing file of data year 2030 (the landing folder has files of 2024-2025)"),
    ("2025", "run tag pii/years=2025: the run does not materialize raw/papi, which read those files again; "
             "launch Materialize all (or the pii_refresh job) with the tag"),
])
def test_a_bad_pii_years_tag_fails_the_run_at_setup_on_one_line(papi_only: Path, tmp_path: Path, tag: str,
                                                                 says: str) -> None:
    select = "par_index" if tag == "2025" else "papi"  # a run that does not read the 2025 papi file again
    with dg.DagsterInstance.ephemeral() as instance:
        result = _run(papi_only, tmp_path, instance, select, tags={"pii/years": tag})
        said = [e.user_message for e in instance.all_logs(result.run_id)]
    assert not result.success
    assert says in said, said
    assert not [e for e in result.all_events if e.is_step_start]  # failed before any step
