"""The analyst views and the comment coverage check: their Dagster wiring, the SQL they read, and what
they return on a full materialization of the synthetic sample (the end-to-end fixture)."""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.analyst.comments import COMMENTS, COMPLETE
from assets.analyst.views import SCHEMA, VIEWS
from pii.dictionary import Dictionary, TableDoc, apply_comments, comment_gaps
from pii.paths import SQL_DIR
from tests.e2e.conftest import Materialized, landing, warehouse  # noqa: F401 (fixtures)

TABLE_REF = re.compile(r"\b(raw|staging|core|quarantine|meta|pii)\.([a-z_]+)\b")


def _sql(view: str) -> str:
    return (SQL_DIR / SCHEMA / f"{view}.sql").read_text(encoding="utf-8")


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_view_deps_are_the_tables_its_sql_reads(view: str) -> None:
    body = re.sub(r"--[^\n]*", "", _sql(view))
    read = {f"{s}.{t}" for s, t in TABLE_REF.findall(body)}
    assert read == set(VIEWS[view]), f"sql/analyst/{view}.sql reads {sorted(read)}; deps say {sorted(VIEWS[view])}"
    # Two-part names only: a catalog name would break readers that open the file under another name.
    assert not re.search(r"\b(warehouse|pii_warehouse|pii_build|memory)\.", body)


def test_analyst_assets_sit_between_the_index_and_publish() -> None:
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    publish = dg.AssetKey(["meta", "published_warehouse"])
    comments = dg.AssetKey(COMMENTS.split("."))
    views = {dg.AssetKey([SCHEMA, v]) for v in VIEWS}
    for key in views:
        assert graph.get(key).group_name == "analyst"
        assert key in graph.get(comments).parent_keys
    assert {dg.AssetKey(["pii", "scores"]), dg.AssetKey(["meta", "province_crosswalk"])} <= \
        graph.get(dg.AssetKey([SCHEMA, "rank_changes"])).parent_keys
    assert comments in graph.get(publish).parent_keys
    everything_else = {k for k in graph.get_all_asset_keys()
                       if k not in (publish, comments) and graph.get(k).is_materializable}
    assert everything_else <= graph.get(comments).parent_keys  # comments come after the last table is written
    check = graph.get_check_spec(dg.AssetCheckKey(comments, COMPLETE))
    assert check.blocking


def _relation_with_columns(path: Path, n: int) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect(str(path))
    conn.execute("CREATE SCHEMA core")
    conn.execute(f"CREATE TABLE core.t ({', '.join(f'c{i} INTEGER' for i in range(n))})")
    conn.execute("CREATE VIEW core.v AS SELECT c0 FROM core.t")
    return conn


def test_comment_gaps_name_the_uncommented_columns(tmp_path: Path) -> None:
    conn = _relation_with_columns(tmp_path / "w.duckdb", 10)
    eight = Dictionary("", {}, {}, {"core.t": TableDoc("T.", "one row", {f"c{i}": "x" for i in range(8)})}, {})
    apply_comments(conn, eight)
    gaps = {g.relation: g for g in comment_gaps(conn)}
    assert set(gaps) == {"core.t", "core.v"}
    assert gaps["core.t"].has_comment and gaps["core.t"].uncommented == ["c8", "c9"]
    assert gaps["core.t"].text() == "core.t: 80% of columns commented, missing: c8, c9"
    assert not gaps["core.v"].has_comment and gaps["core.v"].uncommented == ["c0"]
    # 9 of 10 columns is the 90 % floor; shared column names cover the view.
    nine = Dictionary("", {}, {"c0": "shared"}, {
        "core.t": TableDoc("T.", "one row", {f"c{i}": "x" for i in range(1, 9)}), "core.v": TableDoc("V.")}, {})
    assert apply_comments(conn, nine) == 4  # only what changed: v, t.c0 (shared), t.c8 and v.c0
    assert comment_gaps(conn) == []
    assert apply_comments(conn, nine) == 0  # comments already as described: no catalog write
    assert conn.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 't'").fetchall() == \
        [("T. Grain: one row",)]


def test_every_published_relation_is_described(warehouse: Materialized) -> None:  # noqa: F811
    with warehouse.connect() as conn:
        assert comment_gaps(conn) == []
        outcome = conn.execute("SELECT passed, severity FROM meta.dq_results WHERE check_name = ?",
                               [COMPLETE]).fetchall()
        indicator = conn.execute("""SELECT comment FROM duckdb_columns() WHERE schema_name = 'core'
                                    AND table_name = 'pii_input' AND column_name = 'ind_3_1_3'""").fetchall()
    assert outcome == [(True, "critical")]
    assert indicator[0][0].startswith("Indicator 3.1.3 Fixed broadband subscriptions")


def test_views_return_names_ranks_and_provenance(warehouse: Materialized) -> None:  # noqa: F811
    with warehouse.connect() as conn:
        q = lambda sql: conn.execute(sql).fetchall()  # noqa: E731
        assert q("SELECT count(*) FROM analyst.indicator_values") == q("SELECT count(*) FROM core.indicator_values")
        assert q("SELECT count(*) FROM analyst.scores") == q("SELECT count(*) FROM pii.scores")
        # rank_of is 'rank/n' with n the provinces ranked on the year's boundary.
        assert q("""SELECT DISTINCT framework_year, n_ranked FROM analyst.scores
                    WHERE level = 'index' ORDER BY 1""") == [(2023, 63), (2024, 63), (2025, 34)]
        assert q("SELECT count(*) FROM analyst.scores WHERE rank_of <> rank || '/' || n_ranked") == [(0,)]
        assert q("""SELECT count(*) FROM analyst.indicator_values
                    WHERE value IS NOT NULL AND (source_files IS NULL OR source_ids IS NULL
                          OR indicator_name_en IS NULL OR province_name IS NULL)""") == [(0,)]
        assert q("""SELECT count(*) FROM analyst.scores WHERE name_en IS NULL""") == [(0,)]
        assert q("SELECT DISTINCT kind FROM analyst.strengths_weaknesses ORDER BY 1") == [("strength",), ("weakness",)]


def test_rank_changes_compare_on_one_boundary(warehouse: Materialized) -> None:  # noqa: F811
    with warehouse.connect() as conn:
        q = lambda sql: conn.execute(sql).fetchall()  # noqa: E731
        index = """FROM analyst.rank_changes WHERE level = 'index' AND from_year = {} GROUP BY ALL"""
        assert q("SELECT boundary, count(*), max(from_rank), max(to_rank), bool_or(is_approximation) "
                 + index.format(2023)) == [("p63", 63, 63, 63, False)]
        assert q("SELECT boundary, count(*), max(from_rank), max(to_rank), bool_and(is_approximation) "
                 + index.format(2024)) == [("p34", 34, 34, 34, True)]
        # 2023 -> 2024: the published 2023 rank; rank_change = from_rank - to_rank.
        assert q("""SELECT count(*) FROM analyst.rank_changes c JOIN pii.scores s
                    ON s.framework_year = 2023 AND s.level = c.level AND s.code = c.code
                   AND s.province_code = c.province_code
                    WHERE c.from_year = 2023 AND (s.rank <> c.from_rank OR c.rank_change <> c.from_rank - c.to_rank)
                 """) == [(0,)]
        # A merged unit's 2024 score is the mean of its predecessors' published 2024 scores.
        merged = q("""SELECT province_code, predecessors, from_score FROM analyst.rank_changes
                      WHERE from_year = 2024 AND level = 'index' AND n_predecessors > 1
                      ORDER BY province_code LIMIT 1""")[0]
        codes = merged[1].split(",")
        mean = q(f"""SELECT avg(score) FROM pii.scores WHERE framework_year = 2024 AND level = 'index'
                     AND province_code IN ({', '.join(f"'{c}'" for c in codes)})""")[0][0]
        assert len(codes) > 1 and merged[2] == pytest.approx(mean)


def test_data_quality_views_account_for_every_quarantined_row(warehouse: Materialized) -> None:  # noqa: F811
    with warehouse.connect() as conn:
        q = lambda sql: conn.execute(sql).fetchall()  # noqa: E731
        assert q("SELECT sum(quarantined_rows) FROM analyst.dq_quarantine") == q("SELECT count(*) FROM quarantine.rows")
        # The sample lands every file the framework needs from 2022; the 2021 figures that PII 2023's growth
        # indicators read come from the 2022 yearbook's previous-year column.
        assert q("""SELECT min(data_year), max(data_year), count(DISTINCT source_id) FROM analyst.dq_expected_files
                    WHERE status = 'conformed'""") == [(2022, 2025, 17)]
        assert q("""SELECT source_id, data_year, status FROM analyst.dq_expected_files WHERE status <> 'conformed'
                 """) == [("gso_yearbook", 2021, "covered_by_other_edition")]
        assert q("""SELECT count(*) FROM analyst.dq_coverage
                    WHERE unit_kind = 'province' AND name IS NULL""") == [(0,)]


def test_comments_check_fails_on_an_undescribed_table(tmp_path: Path) -> None:
    from dagster_duckdb import DuckDBResource

    from assets.analyst.comments import comments

    db = tmp_path / "w.duckdb"
    with duckdb.connect(str(db)) as conn:
        conn.execute("CREATE SCHEMA core; CREATE SCHEMA meta")  # meta: the check records its outcome there
        conn.execute("CREATE TABLE core.indicator_values (framework_year INTEGER, not_in_the_dictionary INTEGER)")
        conn.execute("CREATE TABLE core.scratch (x INTEGER)")
    result = dg.materialize([comments], resources={"duckdb": DuckDBResource(database=str(db))},
                            raise_on_error=False)
    [evaluation] = result.get_asset_check_evaluations()
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    examples = evaluation.metadata["examples"].value["examples"]
    assert [(e["relation"], e["has_comment"], e["uncommented"]) for e in examples] == [
        ("core.indicator_values", True, ["not_in_the_dictionary"]), ("core.scratch", False, ["x"])]
