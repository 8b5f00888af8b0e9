"""The landing sensor asks for a run of what new, changed or removed landing files feed, once per change; and the
nightly schedule asks for the whole refresh."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from dagster._core.test_utils import create_run_for_test
from dagster_duckdb import DuckDBResource

from pii.errors import UsageError
from pipelines import build_state, selection, sensors
from pipelines.jobs import WRITER_TAGS
from pipelines.schedules import nightly_refresh
from pipelines.sensors import interval_seconds, landing_sensor, load_cursor

BOOK = "2025/agencies/SKHCN_2025.xlsx"  # read by source skhcn_submission


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    from pipelines.definitions import defs

    return defs


@pytest.fixture
def paths(sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A copy of the sample as the landing folder; build and published files under tmp_path (not created)."""
    found = {"landing": Path(shutil.copytree(sample, tmp_path / "landing")),
             "published": tmp_path / "wh" / "pii_warehouse.duckdb",
             "build": tmp_path / "wh" / "build" / "pii_warehouse_build.duckdb"}
    monkeypatch.setenv("PII_LANDING_DIR", str(found["landing"]))
    monkeypatch.setenv("PII_DUCKDB_PATH", str(found["published"]))
    monkeypatch.setenv("PII_BUILD_DUCKDB_PATH", str(found["build"]))
    return found


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.ephemeral() as instance:
        yield instance


def tick(defs: dg.Definitions, instance: dg.DagsterInstance, cursor: str | None):
    """One evaluation as the daemon runs it: (run requests, skip message, cursor after the tick)."""
    context = dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs,
                                      sensor_name="landing_sensor")
    data = landing_sensor.evaluate_tick(context)
    return data.run_requests or [], data.skip_message, data.cursor


def names(request: dg.RunRequest) -> set[str]:
    assert request.asset_selection is not None
    return {k.to_user_string() for k in request.asset_selection}


def built(paths: dict[str, Path]) -> None:
    """What a successful `pii materialize` leaves: a published file and the build state of these landing files."""
    paths["published"].parent.mkdir(parents=True, exist_ok=True)
    paths["published"].write_bytes(b"")
    paths["build"].parent.mkdir(parents=True, exist_ok=True)
    build_state.record_build_state(paths["build"], "run-1", selection.pipeline_fingerprint(),
                                 str(paths["published"]), selection.current_files(paths["landing"]))


def touch(path: Path) -> None:
    path.write_bytes(path.read_bytes() + b"\0")  # any change of content is a new sha256


# -- the definition ------------------------------------------------------------------------------------------
def test_sensor_is_registered_running_on_pii_refresh(defs: dg.Definitions) -> None:
    sensor = defs.resolve_sensor_def("landing_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert sensor.job_name == "pii_refresh"
    assert sensor.minimum_interval_seconds == interval_seconds()
    assert defs.resolve_job_def("pii_refresh").tags["duckdb_writer"] == "true"


def test_interval_comes_from_the_environment() -> None:
    assert interval_seconds({}) == 60
    assert interval_seconds({"PII_SENSOR_INTERVAL_SECONDS": " 5 "}) == 5
    for bad in ("0", "-3", "1.5", "soon"):
        with pytest.raises(UsageError, match="PII_SENSOR_INTERVAL_SECONDS"):
            interval_seconds({"PII_SENSOR_INTERVAL_SECONDS": bad})


# -- first tick (no cursor) ----------------------------------------------------------------------------------
def test_first_tick_without_build_state_requests_one_full_run(defs, instance, paths) -> None:
    requests, skipped, cursor = tick(defs, instance, None)
    assert skipped is None and len(requests) == 1
    request = requests[0]
    assert request.asset_selection is None  # the whole job
    assert request.job_name == "pii_refresh"
    assert request.tags["duckdb_writer"] == "true" and request.tags["pii/trigger"] == "landing_sensor"
    assert "full run" in request.tags["pii/reason"]
    state = load_cursor(cursor)
    assert state is not None and state["seq"] == 1 and state["base"] is None
    assert state["files"] == selection.current_files(paths["landing"])
    assert request.run_key == state["run_key"] and request.run_key.startswith("landing-1-")


def test_first_tick_after_a_successful_build_of_the_same_files_starts_nothing(defs, instance, paths) -> None:
    built(paths)
    requests, skipped, cursor = tick(defs, instance, None)
    assert requests == []
    assert "nothing changed" in skipped
    assert load_cursor(cursor)["files"] == selection.current_files(paths["landing"])


def test_first_tick_after_a_build_selects_the_sources_changed_since(defs, instance, paths) -> None:
    built(paths)
    touch(paths["landing"] / BOOK)
    (requests,), _, cursor = tick(defs, instance, None)
    selected = names(requests)
    assert {"raw/skhcn_submission", "meta/published_warehouse", "core/pii_input"} <= selected
    assert "raw/papi" not in selected and "meta/provinces" not in selected
    assert load_cursor(cursor)["base"] is not None


def test_first_tick_on_an_empty_landing_folder_starts_nothing(defs, instance, paths) -> None:
    shutil.rmtree(paths["landing"])
    paths["landing"].mkdir()
    requests, skipped, cursor = tick(defs, instance, None)
    assert requests == [] and "holds no file" in skipped
    assert load_cursor(cursor)["files"] == {}


# -- ticks with a cursor -------------------------------------------------------------------------------------
@pytest.fixture
def seen(defs, instance, paths) -> str:
    """The cursor after a first tick on a built warehouse: the landing files as they are now."""
    built(paths)
    _, _, cursor = tick(defs, instance, None)
    return cursor


def test_nothing_changed_starts_nothing_and_keeps_the_cursor(defs, instance, paths, seen) -> None:
    requests, skipped, cursor = tick(defs, instance, seen)
    assert requests == [] and skipped.startswith("no landing file changed")
    assert cursor == seen


def test_changed_file_selects_its_source_and_downstream_once(defs, instance, paths, seen) -> None:
    touch(paths["landing"] / BOOK)
    (request,), skipped, cursor = tick(defs, instance, seen)
    assert skipped is None
    graph = defs.resolve_asset_graph()
    downstream = dg.AssetSelection.assets(dg.AssetKey(["raw", "skhcn_submission"])).downstream().resolve(graph)
    assert {k.to_user_string() for k in downstream} <= names(request)
    assert "raw/papi" not in names(request)
    assert request.tags["pii/changes"] == f"{BOOK} (skhcn_submission): changed"
    assert request.tags["duckdb_writer"] == "true"
    # The same tick evaluated again (daemon restarted before storing the cursor) asks for the same run key ...
    (again,), _, _ = tick(defs, instance, seen)
    assert again.run_key == request.run_key
    # ... and the next tick, from the stored cursor, asks for nothing.
    requests, skipped, after = tick(defs, instance, cursor)
    assert requests == [] and skipped.startswith("no landing file changed") and after == cursor


def test_new_file_no_source_reads_selects_the_conformed_step(defs, instance, paths, seen) -> None:
    (paths["landing"] / "2025" / "ghi_chu.txt").write_text("ghi chú", encoding="utf-8")
    (request,), _, _ = tick(defs, instance, seen)
    assert "meta/landing_files" in names(request)
    assert not any(n.startswith("raw/") for n in names(request))
    assert request.tags["pii/changes"] == "2025/ghi_chu.txt (read by no source): new"


def test_new_file_of_a_source_selects_that_source(defs, instance, paths, seen) -> None:
    (paths["landing"] / "2023" / "papi").mkdir(parents=True)
    shutil.copy(paths["landing"] / "2024" / "papi" / "papi_2024.csv", paths["landing"] / "2023/papi/papi_2023.csv")
    (request,), _, _ = tick(defs, instance, seen)
    assert "raw/papi" in names(request) and "raw/skhcn_submission" not in names(request)
    assert "2023/papi/papi_2023.csv (papi): new" in request.tags["pii/changes"]


def test_removed_file_selects_its_source(defs, instance, paths, seen) -> None:
    (paths["landing"] / "2024" / "papi" / "papi_2024.csv").unlink()
    (request,), _, _ = tick(defs, instance, seen)
    assert "raw/papi" in names(request)
    assert request.tags["pii/changes"] == "2024/papi/papi_2024.csv (papi): removed"


def test_without_a_build_file_a_change_runs_everything(defs, instance, paths, seen) -> None:
    paths["build"].unlink()
    touch(paths["landing"] / BOOK)
    (request,), _, cursor = tick(defs, instance, seen)
    assert request.asset_selection is None and "no build file" in request.tags["pii/reason"]
    assert load_cursor(cursor)["base"] is None


def test_after_a_failed_run_the_next_change_selects_its_sources_again(defs, instance, paths, seen) -> None:
    touch(paths["landing"] / BOOK)
    (first,), _, cursor = tick(defs, instance, seen)
    create_run_for_test(instance, job_name="pii_refresh", status=dg.DagsterRunStatus.FAILURE,
                        tags={"dagster/run_key": first.run_key})
    requests, skipped, _ = tick(defs, instance, cursor)  # a failed run alone is not retried
    assert requests == [] and skipped.startswith("no landing file changed")

    (paths["landing"] / "2024" / "papi" / "papi_2024.csv").unlink()
    (second,), _, after = tick(defs, instance, cursor)
    assert {"raw/papi", "raw/skhcn_submission"} <= names(second)
    assert "failed" in second.tags["pii/reason"]
    assert load_cursor(after)["base"] == load_cursor(cursor)["base"]  # still the files before the failed run


def test_an_unreadable_cursor_is_a_first_tick(defs, instance, paths) -> None:
    built(paths)
    requests, skipped, cursor = tick(defs, instance, json.dumps({"v": 0}))
    assert requests == [] and skipped.startswith("first tick")
    assert load_cursor(cursor)["seq"] == 0


# -- the nightly schedule ------------------------------------------------------------------------------------
def test_nightly_refresh_requests_the_whole_refresh_at_0130_vietnam_time(defs, instance) -> None:
    schedule = defs.resolve_schedule_def("nightly_refresh")
    assert schedule is nightly_refresh or schedule.name == nightly_refresh.name
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("30 1 * * *", "Asia/Ho_Chi_Minh")
    when = datetime(2026, 12, 2, 1, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    context = dg.build_schedule_context(instance=instance, scheduled_execution_time=when)
    data = schedule.evaluate_tick(context)
    assert len(data.run_requests) == 1
    request = data.run_requests[0]
    assert request.asset_selection is None  # everything, not only what changed
    job = defs.resolve_job_def(schedule.job_name)
    assert job.name == "pii_refresh" and WRITER_TAGS.items() <= job.tags.items()
    assert sensors.TRIGGER_TAG not in request.tags


# -- runs the daemon launches ----------------------------------------------------------------------------------
def test_every_run_through_the_duckdb_resource_drops_the_recorded_build_state(tmp_path: Path) -> None:
    """Daemon runs (sensor, schedule, UI) never pass through `pii materialize`, which drops the state itself:
    left in place, it would describe a file the run changed, and analyst/comments would fail on its tables."""
    from pipelines.resources import build_resource

    build = tmp_path / "build" / "pii_warehouse_build.duckdb"
    build.parent.mkdir()
    build_state.record_build_state(build, "run-1", "f" * 64, str(tmp_path / "pii_warehouse.duckdb"), {})
    assert selection.read_build_state(build)[0] is not None

    @dg.asset
    def writes(duckdb: DuckDBResource) -> None:
        with duckdb.get_connection() as conn:
            conn.execute("CREATE OR REPLACE TABLE t AS SELECT 1 AS x")

    with dg.DagsterInstance.ephemeral() as instance:
        assert dg.materialize([writes], resources={"duckdb": build_resource(build)}, instance=instance).success
    state, _, why = selection.read_build_state(build)
    assert state is None and "did not finish" in why
