"""The code location loads, and its shape (asset keys, groups, checks, jobs) is what analysts rely on."""

from pathlib import Path

import dagster as dg

from pii.catalog import load_sources
from pii.paths import EXPECTATIONS_DIR, SQL_DIR


def _defs() -> dg.Definitions:
    from pipelines.definitions import defs

    return defs


CONTRACT_TABLES = {
    "staging/measure_values", "core/indicator_values", "core/pii_input", "quarantine/rows", "meta/provinces",
    "meta/framework_indicators", "meta/landing_files", "meta/row_dispositions",
}


def test_definitions_load_with_contract_tables_and_one_raw_asset_per_source() -> None:
    graph = _defs().resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys >= CONTRACT_TABLES
    assert {f"raw/{s}" for s in load_sources()} <= keys
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        schema = key.path[0]
        assert len(key.path) == 2, key
        expected_group = {"meta": None, "raw": "raw", "staging": "staging", "core": "core", "quarantine": "quarantine",
                          "pii": "pii", "analyst": "analyst"}
        if expected_group.get(schema):
            assert node.group_name == expected_group[schema], key
        assert node.group_name in {"reference", "raw", "staging", "quarantine", "meta", "core", "pii", "publish",
                                   "analyst"}


def test_every_sql_file_has_an_asset_and_every_suite_has_checks() -> None:
    graph = _defs().resolve_asset_graph()
    keys = {tuple(k.path) for k in graph.get_all_asset_keys()}
    sql_files = {(p.parent.name, p.stem) for p in Path(SQL_DIR).glob("*/*.sql")}
    assert sql_files, "no SQL files found"
    assert sql_files <= keys, sql_files - keys
    check_assets = {tuple(k.asset_key.path) for k in graph.asset_check_keys}
    suites = {tuple(p.stem.split(".")) for p in Path(EXPECTATIONS_DIR).glob("*.json")}
    assert suites == {("staging", "measure_values"), ("core", "indicator_values"), ("core", "pii_input")}
    assert suites <= check_assets


def test_gx_checks_one_per_expectation_and_critical_ones_block() -> None:
    import json

    graph = _defs().resolve_asset_graph()
    specs = {(tuple(k.asset_key.path), k.name): graph.get_check_spec(k) for k in graph.asset_check_keys}
    for path in Path(EXPECTATIONS_DIR).glob("*.json"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        key = tuple(path.stem.split("."))
        for e in doc["expectations"]:
            spec = specs[(key, e["meta"]["id"])]
            assert spec.blocking == (e["meta"]["severity"] == "critical"), e["meta"]["id"]
    assert specs[(("meta", "row_dispositions"), "row_conservation")].blocking
    assert specs[(("core", "indicator_values"), "grid_complete")].blocking


def test_refresh_job_schedule_and_single_process_executor() -> None:
    defs = _defs()
    job = defs.resolve_job_def("pii_refresh")
    assert job.tags.get("duckdb_writer") == "true"
    assert job.executor_def.name == "in_process"
    schedule = defs.resolve_schedule_def("nightly_refresh")
    assert schedule.cron_schedule == "30 1 * * *"
    assert schedule.execution_timezone == "Asia/Ho_Chi_Minh"


def test_index_assets_depend_on_the_pii_input_and_carry_blocking_checks() -> None:
    graph = _defs().resolve_asset_graph()
    tables = {"scores", "strengths_weaknesses", "treatment_log", "efficiency", "rank_uncertainty", "whatif"}
    keys = {dg.AssetKey(["pii", t]) for t in tables}
    assert keys <= graph.get_all_asset_keys()
    for key in keys:
        parents = {p.to_user_string() for p in graph.get(key).parent_keys}
        assert {"core/pii_input", "meta/framework_indicators", "meta/framework_nodes"} <= parents, key
    assert {dg.AssetKey(["pii", "scores"])} <= graph.get(dg.AssetKey(["pii", "whatif"])).parent_keys
    assert keys <= graph.get(dg.AssetKey(["meta", "published_warehouse"])).parent_keys
    specs = {(k.asset_key.to_user_string(), k.name): graph.get_check_spec(k) for k in graph.asset_check_keys}
    for name in ("scores_in_range", "ranks_consistent", "provinces_scored", "identities_hold"):
        assert specs[("pii/scores", name)].blocking, name
    assert specs[("pii/rank_uncertainty", "rank_bounds_ordered")].blocking
