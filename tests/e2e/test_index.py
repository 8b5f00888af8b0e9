"""The index computed in the pipeline: pii.scores and the tables beside it, on the full sample materialization."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import polars as pl
import pytest
from dagster_duckdb import DuckDBResource

from pii.scoring.config import load_method_config
from pii.scoring.index import score_year
from pii.scoring.inputs import framework_idata, framework_imeta
from pii.warehouse import connect_readonly

from .conftest import Materialized

REPO = Path(__file__).resolve().parents[2]
YEARS = {2023: ("p63", 63), 2024: ("p63", 63), 2025: ("p34", 34)}
CODES_PER_LEVEL = {"indicator": 52, "sub_pillar": 18, "pillar": 7, "sub_index": 2, "index": 1}

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def conn(warehouse: Materialized) -> Iterator[duckdb.DuckDBPyConnection]:
    c = connect_readonly(warehouse.published)
    yield c
    c.close()


def frame(conn: duckdb.DuckDBPyConnection, sql: str) -> pl.DataFrame:
    return conn.sql(sql).pl()


def rescore(conn: duckdb.DuckDBPyConnection, year: int, change: dict[tuple[str, str], float] | None = None):
    """Score a year with the engine from the published inputs, optionally with changed raw values."""
    ind = frame(conn, f"SELECT * FROM meta.framework_indicators WHERE framework_year = {year}")
    nodes = frame(conn, f"SELECT * FROM meta.framework_nodes WHERE framework_year = {year}")
    idata = framework_idata(frame(conn, f"SELECT * FROM core.pii_input WHERE framework_year = {year}"), ind)
    for (province, code), value in (change or {}).items():
        idata = idata.with_columns(pl.when(pl.col("uCode") == province).then(pl.lit(value)).otherwise(pl.col(code))
                                   .alias(code))
    return score_year(year, idata, framework_imeta(ind, nodes), load_method_config())


def test_index_steps_and_checks_succeeded(warehouse: Materialized, conn: duckdb.DuckDBPyConnection) -> None:
    assert warehouse.result.success
    checks = {(e.asset_key.to_user_string(), e.check_name): e.passed
              for e in warehouse.result.get_asset_check_evaluations() if e.asset_key.path[0] == "pii"}
    assert len(checks) == 8 and all(checks.values()), checks
    recorded = frame(conn, "SELECT table_name, check_name, passed FROM meta.dq_results WHERE table_name LIKE 'pii.%'")
    assert recorded.height == 8 and recorded["passed"].all()


def test_every_province_of_every_year_scored_at_every_level(conn: duckdb.DuckDBPyConnection) -> None:
    counts = frame(conn, """
        SELECT framework_year, level, count(DISTINCT province_code) AS provinces, count(DISTINCT code) AS codes,
               count(*) AS n, count(score) AS scored
        FROM pii.scores GROUP BY ALL ORDER BY ALL
    """)
    assert counts.height == 3 * 5
    for r in counts.iter_rows(named=True):
        n = YEARS[r["framework_year"]][1]
        assert (r["provinces"], r["codes"]) == (n, CODES_PER_LEVEL[r["level"]]), r
        assert r["n"] == r["scored"] == n * r["codes"], r
    expected = frame(conn, """
        SELECT i.framework_year, p.province_code FROM (SELECT DISTINCT framework_year, boundary
        FROM meta.framework_indicators) i JOIN meta.provinces p USING (boundary) ORDER BY ALL
    """)
    got = frame(conn, "SELECT framework_year, province_code FROM pii.scores WHERE level = 'index' ORDER BY ALL")
    assert got.equals(expected)
    codes_2023 = set(frame(conn, "SELECT code FROM pii.scores WHERE framework_year = 2023")["code"])
    assert "6.1.3" in codes_2023 and "6.3.4" not in codes_2023


def test_ranks_follow_scores_with_shared_ties(conn: duckdb.DuckDBPyConnection) -> None:
    s = frame(conn, "SELECT framework_year, code, province_code, score, rank FROM pii.scores")
    expected = s.with_columns(pl.col("score").rank("min", descending=True).over("framework_year", "code")
                              .cast(pl.Int32).alias("expected"))
    assert (expected["rank"] == expected["expected"]).all()
    assert s.group_by("framework_year", "code").agg(pl.col("rank").min())["rank"].to_list() == [1] * s.select(
        "framework_year", "code").unique().height
    # the indicator scores are min-max of the raw values (direction +1): 0 at the minimum, 100 at the maximum
    ind = frame(conn, """SELECT framework_year, code, min(score), max(score), min(raw_value), max(raw_value)
                         FROM pii.scores WHERE level = 'indicator' GROUP BY ALL""")
    assert set(ind["min(score)"]) == {0.0} and set(ind["max(score)"]) == {100.0}


def test_identities_input_output_pii(conn: duckdb.DuckDBPyConnection) -> None:
    wide = frame(conn, """
        PIVOT (SELECT framework_year, province_code, code, score FROM pii.scores WHERE level <> 'indicator')
        ON code USING first(score) GROUP BY framework_year, province_code
    """)
    inp = wide.select([str(k) for k in range(1, 6)]).mean_horizontal().to_numpy()
    out = wide.select(["6", "7"]).mean_horizontal().to_numpy()
    np.testing.assert_allclose(wide["INPUT"].to_numpy(), inp, rtol=0, atol=1e-9)
    np.testing.assert_allclose(wide["OUTPUT"].to_numpy(), out, rtol=0, atol=1e-9)
    np.testing.assert_allclose(wide["PII"].to_numpy(), (inp + out) / 2, rtol=0, atol=1e-9)
    eff = frame(conn, "SELECT * FROM pii.efficiency").join(wide, on=["framework_year", "province_code"])
    np.testing.assert_allclose(eff["efficiency"].to_numpy(), (eff["OUTPUT"] / eff["INPUT"]).to_numpy(), rtol=1e-12)
    assert eff.height == 160


def test_strengths_and_weaknesses_five_each(conn: duckdb.DuckDBPyConnection) -> None:
    sw = frame(conn, "SELECT * FROM pii.strengths_weaknesses")
    per = sw.group_by("framework_year", "province_code", "kind").agg(pl.len(), pl.col("position").sort())
    assert per.height == 2 * 160 and set(per["len"]) == {5}
    assert all(p == [1, 2, 3, 4, 5] for p in per["position"].to_list())
    joined = sw.join(frame(conn, "SELECT framework_year, province_code, code AS indicator_code, rank AS r, score AS s "
                                 "FROM pii.scores WHERE level = 'indicator'"),
                     on=["framework_year", "province_code", "indicator_code"])
    assert (joined["rank"] == joined["r"]).all() and (joined["score"] == joined["s"]).all()
    worst_strength = joined.filter(pl.col("kind") == "strength").group_by("framework_year", "province_code").agg(
        pl.col("rank").max().alias("worst_strength"))
    best_weakness = joined.filter(pl.col("kind") == "weakness").group_by("framework_year", "province_code").agg(
        pl.col("rank").min().alias("best_weakness"))
    both = worst_strength.join(best_weakness, on=["framework_year", "province_code"])
    assert (both["worst_strength"] <= both["best_weakness"]).all()
    log = frame(conn, "SELECT step, count(*) AS n FROM pii.treatment_log GROUP BY ALL ORDER BY ALL")
    assert log.rows() == [("normalise", 156), ("treat", 156)]


def test_uncertainty_bounds(conn: duckdb.DuckDBPyConnection) -> None:
    u = frame(conn, "SELECT * FROM pii.rank_uncertainty")
    cfg = load_method_config().uncertainty
    assert u.height == 160 and set(u["replications"]) == {cfg.replications} and set(u["seed"]) == {cfg.seed}
    n = u["framework_year"].replace_strict({y: v[1] for y, v in YEARS.items()})
    assert ((u["p05_rank"] <= u["median_rank"]) & (u["median_rank"] <= u["p95_rank"])).all()
    assert (u["p05_rank"] >= 1).all() and (u["p95_rank"] <= n).all()
    nominal = frame(conn, "SELECT framework_year, province_code, rank FROM pii.scores WHERE level = 'index'")
    joined = u.join(nominal, on=["framework_year", "province_code"])
    assert (joined["nominal_rank"] == joined["rank"]).all()
    assert (u["p95_rank"] > u["p05_rank"]).any()  # weights, treatment and aggregation do move ranks


def test_whatif_complete_and_consistent(conn: duckdb.DuckDBPyConnection) -> None:
    w = frame(conn, "SELECT * FROM pii.whatif")
    assert w.height == 2 * 63 * 52 + 34 * 52
    ranks = frame(conn, "SELECT framework_year, province_code, rank FROM pii.scores WHERE level = 'index'")
    joined = w.join(ranks, on=["framework_year", "province_code"])
    assert (joined["current_rank"] == joined["rank"]).all()
    assert (w["points_per_unit"] >= 0).all()
    firsts = w.filter(pl.col("current_rank") == 1)
    assert firsts["gain_1_rank"].null_count() == firsts.height
    assert w["gain_1_rank"].drop_nulls().len() > 1000 and w["gain_5_ranks"].drop_nulls().len() > 100
    # published to 6 significant digits (the same on every CPU): each gain is its own 6-digit rounding
    gains = [g for c in ("gain_1_rank", "gain_3_ranks", "gain_5_ranks") for g in w[c].drop_nulls().to_list()]
    assert all(g == pytest.approx(float(f"{g:.6g}"), rel=1e-12) for g in gains)


def test_whatif_gains_are_real_when_rescored(conn: duckdb.DuckDBPyConnection) -> None:
    w = frame(conn, "SELECT * FROM pii.whatif WHERE gain_1_rank IS NOT NULL")
    rng = np.random.default_rng(5)
    picks = w[rng.choice(w.height, size=24, replace=False).tolist()]
    for r in picks.iter_rows(named=True):
        year, province, code = r["framework_year"], r["province_code"], r["indicator_code"]
        for k, col in ((1, "gain_1_rank"), (3, "gain_3_ranks"), (5, "gain_5_ranks")):
            if r[col] is None:
                continue
            new = r["current_value"] + r["direction"] * r[col]
            res = rescore(conn, year, {(province, code): new}).result
            rank = int(res.score()["rank"][res.units.index(province)])
            assert rank <= r["current_rank"] - k, (r, k, rank)
    # points_per_unit: a small improvement of an interior value moves the PII by exactly that slope
    inner = frame(conn, """
        SELECT w.* FROM pii.whatif w JOIN pii.scores s ON s.framework_year = w.framework_year
            AND s.province_code = w.province_code AND s.code = w.indicator_code
        WHERE s.score > 1 AND s.score < 99 AND w.framework_year = 2024 ORDER BY w.province_code, w.indicator_code
        LIMIT 3
    """)
    base = rescore(conn, 2024).result
    for r in inner.iter_rows(named=True):
        step = 1e-6 * max(abs(r["current_value"]), 1e-3)
        res = rescore(conn, 2024, {(r["province_code"], r["indicator_code"]): r["current_value"] + step}).result
        i = res.units.index(r["province_code"])
        gained = (res.scores["PII"][i] - base.scores["PII"][i]) / step
        assert gained == pytest.approx(r["points_per_unit"], rel=1e-4)


def test_whatif_command_prints_the_province_table(warehouse: Materialized) -> None:
    env = {**os.environ, "PII_DUCKDB_PATH": str(warehouse.published)}
    run = subprocess.run([sys.executable, "-m", "pii.cli", "whatif", "--province", "Ha Noi", "--year", "2025",
                          "--top", "4"], cwd=REPO, env=env, text=True, capture_output=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("PII 2025 — Hà Nội (01, boundary p34)") and "of 34" in lines[0]
    assert lines[2].split()[:2] == ["indicator", "name"] and len(lines) == 3 + 4
    bad = subprocess.run([sys.executable, "-m", "pii.cli", "whatif", "--province", "Long An", "--year", "2025"],
                         cwd=REPO, env=env, text=True, capture_output=True, timeout=120, check=False)
    assert bad.returncode == 2 and "Tây Ninh" in bad.stderr


def test_uncertainty_replications_from_run_config(warehouse: Materialized, tmp_path: Path) -> None:
    from assets.pii.uncertainty import rank_uncertainty

    build = tmp_path / "copy.duckdb"
    shutil.copyfile(warehouse.build, build)
    result = dg.materialize(
        [rank_uncertainty], resources={"duckdb": DuckDBResource(database=str(build))},
        run_config={"ops": {"pii__rank_uncertainty": {"config": {"replications": 20, "seed": 7}}}},
    )
    assert result.success
    with duckdb.connect(str(build), read_only=True) as c:
        rows = c.execute("SELECT DISTINCT replications, seed FROM pii.rank_uncertainty").fetchall()
    assert rows == [(20, 7)]


def test_checks_catch_broken_tables(warehouse: Materialized, tmp_path: Path) -> None:
    from assets.pii import checks

    build = tmp_path / "broken.duckdb"
    shutil.copyfile(warehouse.build, build)
    cfg = load_method_config()
    with duckdb.connect(str(build)) as c:
        c.execute("UPDATE pii.scores SET score = score + 1e-6 WHERE code = 'INPUT' AND province_code = '01'")
        c.execute("UPDATE pii.scores SET score = 100.5, rank = 1 WHERE code = '1.1.1' AND province_code = '02'")
        c.execute("DELETE FROM pii.scores WHERE code = '2.1' AND province_code = '04' AND framework_year = 2023")
        c.execute("DELETE FROM pii.strengths_weaknesses WHERE province_code = '04' AND position = 5")
        assert not checks.identities_hold(c, cfg)[0]
        assert not checks.scores_in_range(c, cfg)[0]
        assert checks.provinces_scored(c)[1] == 1
        assert checks.five_and_five(c, cfg)[1] == 3
        c.execute("UPDATE pii.scores SET rank = rank + 1 WHERE code = '1.1.2' AND province_code = '02'")
        assert not checks.ranks_consistent(c)[0]
