"""Runs the daemon or the UI start record the build state as `pii materialize` does, when what they ran allows it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.test_utils import create_run_for_test

from pipelines import build_state, run_state, selection

FP = "f" * 64
OTHER = ("skhcn_submission", "2025/agencies/SKHCN_2025.xlsx")
PAPI = ("papi", "2025/papi/papi_2025.csv")
STRAY = (build_state.UNMATCHED, "2025/notes.txt")
REPO = Path(__file__).resolve().parents[2]


def start(selected: frozenset[dg.AssetKey] | None, previous: build_state.BuildState | None = None,
          log_rows: tuple[int, int] | None = (5, 7), fingerprint: str = FP) -> run_state.StartSnapshot:
    now = {OTHER: ("b" * 64, ""), PAPI: ("new", ""), STRAY: ("s2", "unmatched")}
    return run_state.StartSnapshot(previous, log_rows, now, fingerprint, selected)


def state(fingerprint: str = FP) -> build_state.BuildState:
    before = {OTHER: ("a" * 64, ""), PAPI: ("old", ""), STRAY: ("s1", "unmatched")}
    return build_state.BuildState("run-0", "2026-12-01 00:00:00 UTC", fingerprint, "/w/p.duckdb", (5, 7), before)


def test_a_run_of_every_asset_records_the_files_of_its_start(graph: dg.AssetGraph) -> None:
    for selected in (None, frozenset(graph.materializable_asset_keys)):
        files, why = run_state.files_to_record(start(selected), graph)
        assert files == start(None).files and why == "a run of every asset"


def test_a_sensor_run_records_its_sources_files_from_its_start_and_the_others_from_the_state_before(
        graph: dg.AssetGraph) -> None:
    papi_run = frozenset(selection.assets_downstream_of(["papi"], False, graph))  # what the sensor selects
    files, why = run_state.files_to_record(start(papi_run, state()), graph)
    assert files is not None and "papi" in why
    assert files[PAPI] == ("new", "") and files[OTHER] == ("a" * 64, "")  # skhcn's change is still to run
    # The conformed step is downstream of every source, so the run listed the files no source reads.
    assert run_state.LANDING_FILES in papi_run and files[STRAY] == ("s2", "unmatched")


@pytest.mark.parametrize("case, reason", [
    ("no_state", "no state recorded"),
    ("code_changed", "the pipeline changed"),
    ("written_since", "another run wrote the build file"),
    ("part_of_downstream", "leaves out assets downstream"),
])
def test_a_run_that_leaves_the_build_file_unknown_records_nothing(graph: dg.AssetGraph, case: str,
                                                                  reason: str) -> None:
    papi_run = frozenset(selection.assets_downstream_of(["papi"], False, graph))
    snapshot = {
        "no_state": start(papi_run, None),
        "code_changed": start(papi_run, state("e" * 64)),
        "written_since": start(papi_run, state(), log_rows=(6, 7)),
        "part_of_downstream": start(frozenset({dg.AssetKey(["raw", "papi"]), dg.AssetKey(["staging", "papi"])}),
                                    state()),
    }[case]
    files, why = run_state.files_to_record(snapshot, graph)
    assert files is None and reason in why


def test_runs_of_pii_materialize_take_no_snapshot_others_do(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    (landing / "2025" / "papi").mkdir(parents=True)
    (landing / "2025" / "papi" / "papi_2025.csv").write_text("synthetic\n")
    build = tmp_path / "build.duckdb"
    cli = create_run_for_test(dg.DagsterInstance.ephemeral(), tags={run_state.CLI_TAG: run_state.CLI_VALUE})
    assert run_state.snapshot_at_start(cli, build, landing) is None
    assert run_state.snapshot_at_start(None, build, landing) is None
    nightly = create_run_for_test(dg.DagsterInstance.ephemeral(), tags={"dagster/schedule_name": "nightly_refresh"})
    snapshot = run_state.snapshot_at_start(nightly, build, landing)
    assert snapshot is not None and snapshot.previous is None and snapshot.selection is None
    assert snapshot.files == selection.current_files(landing)
    assert snapshot.fingerprint == selection.pipeline_fingerprint()


NIGHTLY = """
import dagster as dg
from pipelines.definitions import defs
with dg.DagsterInstance.ephemeral() as instance:
    result = defs.resolve_job_def("pii_refresh").execute_in_process(
        instance=instance, tags={"dagster/schedule_name": "nightly_refresh"}, raise_on_error=False)
print(result.run_id if result.success else "FAILED")
"""


@pytest.mark.e2e
def test_a_scheduled_run_records_the_state_so_pii_materialize_has_nothing_to_do(
        tmp_path: Path, graph: dg.AssetGraph) -> None:
    """The nightly run is `pii_refresh` without the CLI's tag, in a process of its own (the definitions read
    the PII_* variables when they load); after it, the plan of `pii materialize` is empty."""
    from pii.sample import generate_sample

    landing = tmp_path / "landing"
    generate_sample(landing)  # every data year: the index's checks need them all
    published, build = tmp_path / "wh" / "pii_warehouse.duckdb", tmp_path / "wh" / "build" / "b.duckdb"
    env = {**os.environ, "PII_LANDING_DIR": str(landing), "PII_DUCKDB_PATH": str(published),
           "PII_BUILD_DUCKDB_PATH": str(build), "PII_STATE_DIR": str(tmp_path / "state")}
    env.pop("DAGSTER_HOME", None)
    out = subprocess.run([sys.executable, "-c", NIGHTLY], cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=600, check=False)
    run_id = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
    assert out.returncode == 0 and run_id != "FAILED", out.stdout[-2000:] + out.stderr[-3000:]
    recorded, _, why = build_state.read_build_state(build)
    assert recorded is not None and recorded.run_id == run_id, why
    plan, _, _ = selection.plan_for_build(build, landing, published, lambda: graph)
    assert plan.nothing_to_do, plan.reason
