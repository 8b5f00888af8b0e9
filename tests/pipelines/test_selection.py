"""What an incremental refresh selects, on the real asset graph and a synthetic landing folder from `pii sample`."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines import build_state, selection
from pipelines.build_state import BuildState
from pipelines.selection import current_files, plan_refresh

FINGERPRINT = "f" * 64


@pytest.fixture
def landing(sample: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(sample, tmp_path / "landing"))


@pytest.fixture
def published(tmp_path: Path) -> Path:
    path = tmp_path / "pii_warehouse.duckdb"
    path.write_bytes(b"")
    return path


def _state(files: dict, published: Path, fingerprint: str = FINGERPRINT) -> BuildState:
    return BuildState("run-1", "2026-12-01 10:00:00 UTC", fingerprint, str(published), (10, 20), files)


def _names(keys: list[dg.AssetKey] | None) -> set[str]:
    assert keys is not None
    return {k.to_user_string() for k in keys}


def _no_graph() -> dg.AssetGraph:
    raise AssertionError("the definitions are loaded only when something has to run")


def test_nothing_changed_selects_nothing(landing: Path, published: Path) -> None:
    files = current_files(landing)
    plan = plan_refresh(files, _state(files, published), FINGERPRINT, _no_graph, published, log_rows=(10, 20))
    assert plan.nothing_to_do
    assert plan.reason == ("nothing changed since run run-1 (2026-12-01 10:00:00 UTC): the published warehouse "
                           "is current")


def test_one_changed_workbook_selects_its_source_and_what_is_downstream(
    landing: Path, published: Path, graph: dg.AssetGraph,
) -> None:
    before = current_files(landing)
    book = landing / "2025" / "agencies" / "SKHCN_2025.xlsx"
    book.write_bytes(book.read_bytes() + b"\0")  # any change of content is a new sha256

    plan = plan_refresh(current_files(landing), _state(before, published), FINGERPRINT, lambda: graph, published)

    assert plan.changed_sources == ["skhcn_submission"]
    assert plan.changes == ["2025/agencies/SKHCN_2025.xlsx (skhcn_submission): changed"]
    names = _names(plan.asset_keys)
    downstream = dg.AssetSelection.assets(dg.AssetKey(["raw", "skhcn_submission"])).downstream().resolve(graph)
    assert {k.to_user_string() for k in downstream} <= names
    # the conformed step runs whole (all its outputs), then everything downstream of them
    assert {"quarantine/rows", "meta/row_dispositions", "meta/landing_files", "staging/measure_values",
            "core/pii_input", "pii/scores", "meta/published_warehouse"} <= names
    assert not {n for n in names if n.startswith("raw/") and n != "raw/skhcn_submission"}
    assert not {n for n in names if n.startswith("meta/") and n not in {
        "meta/row_dispositions", "meta/landing_files", "meta/published_warehouse"}}  # reference tables stay
    assert "staging/ipvn_applications" not in names
    from pipelines.definitions import defs

    job = defs.resolve_job_def("pii_refresh")
    subset = job.get_subset(asset_selection=set(plan.asset_keys or []))  # Dagster accepts it as one run
    assert 0 < len(list(subset.nodes_in_topological_order)) < len(list(job.nodes_in_topological_order)) / 2


def test_removed_and_added_files_select_their_sources(landing: Path, published: Path, graph: dg.AssetGraph) -> None:
    before = current_files(landing)
    (landing / "2024" / "bnv" / "par_index_2024.csv").unlink()
    shutil.copy(landing / "2025" / "papi" / "papi_2025.csv", landing / "2025" / "papi" / "papi_2025 (1).csv")

    plan = plan_refresh(current_files(landing), _state(before, published), FINGERPRINT, lambda: graph, published)

    assert plan.changed_sources == ["par_index"]  # the copy matches no source: only the conformed step lists it
    assert plan.changes == ["2025/papi/papi_2025 (1).csv (read by no source): new",
                            "2024/bnv/par_index_2024.csv (par_index): removed"]
    names = _names(plan.asset_keys)
    assert {"raw/par_index", "quarantine/rows", "meta/landing_files", "meta/published_warehouse"} <= names
    assert "raw/papi" not in names


def test_full_run_when_fingerprint_changed_state_missing_logs_grew_or_asked(
    landing: Path, published: Path, graph: dg.AssetGraph,
) -> None:
    files = current_files(landing)
    state = _state(files, published)
    assert plan_refresh(files, state, "0" * 64, lambda: graph, published).full
    missing = plan_refresh(files, None, FINGERPRINT, lambda: graph, published, no_state_reason="no build file at x")
    assert missing.full and missing.reason == "full run: no build file at x"
    grown = plan_refresh(files, state, FINGERPRINT, lambda: graph, published, log_rows=(11, 20))
    assert grown.full and "written by another run" in grown.reason
    assert plan_refresh(files, state, FINGERPRINT, lambda: graph, published, full=True).reason == "full run (--full)"


def test_missing_publication_runs_only_the_publish_step(landing: Path, tmp_path: Path, graph: dg.AssetGraph) -> None:
    files = current_files(landing)
    gone = tmp_path / "gone" / "pii_warehouse.duckdb"
    plan = plan_refresh(files, _state(files, gone), FINGERPRINT, lambda: graph, gone)
    assert _names(plan.asset_keys) == {"meta/published_warehouse"}


def test_a_reference_change_changes_the_fingerprint(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    for folder in selection.FINGERPRINTED:
        shutil.copytree(selection.REPO_ROOT / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    before = selection.pipeline_fingerprint(root)
    (root / "reference" / "sources.yaml").write_text(
        (root / "reference" / "sources.yaml").read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert selection.pipeline_fingerprint(root) != before
    (root / "pii" / "notes.txt").write_text("not code", encoding="utf-8")  # only Python counts under pii/
    after = selection.pipeline_fingerprint(root)
    (root / "pii" / "notes.txt").unlink()
    assert selection.pipeline_fingerprint(root) == after


def test_build_state_round_trip_and_forgetting_it(tmp_path: Path) -> None:
    build = tmp_path / "build.duckdb"
    assert selection.read_build_state(build) == (None, None, f"no build file at {build}")
    with duckdb.connect(str(build)) as conn:
        conn.execute("CREATE SCHEMA meta")
        conn.execute("CREATE TABLE meta.dq_results AS SELECT range AS n FROM range(3)")
    files = {("papi", "2025/papi/papi_2025.csv"): ("ab" * 32, ""), ("", "README.txt"): ("cd" * 32, "notes")}
    build_state.record_build_state(build, "run-9", FINGERPRINT, "/w/pii_warehouse.duckdb", files)

    state, log_rows, why = selection.read_build_state(build)
    assert state is not None and why == ""
    assert (state.run_id, state.fingerprint, state.published_path, dict(state.files)) == (
        "run-9", FINGERPRINT, "/w/pii_warehouse.duckdb", files)
    assert state.log_rows == log_rows == (3, 0)

    build_state.forget_build_state(build)  # what a run does before it starts
    assert selection.read_build_state(build) == (None, None, "the last run of this build file failed or did not "
                                                             "finish")
    build.write_bytes(b"not a database")
    state, _, why = selection.read_build_state(build)
    assert state is None and why.startswith(f"the build file {build} cannot be opened (")
