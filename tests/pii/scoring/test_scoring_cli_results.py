"""CLI round trip through CSV files, ranks and strengths/weaknesses rules."""

import argparse

import numpy as np
import polars as pl
import pytest

from pii.scoring.cli import add_score_command, main
from pii.scoring.coinr_io import read_idata, read_imeta
from pii.scoring.results import efficiency_ratio, rank_desc, strengths_weaknesses

NAN = np.nan

IDATA_CSV = """uCode,uName,Group_R,Pop,i1,i2,i3
A,Alpha,n,10,0,1,10
B,Beta,n,10,5,2,20
C,Gamma,s,10,10,3,30
D,Delta,s,20,NA,5,40
"""
IMETA_CSV = """iCode,iName,Level,Parent,Weight,Direction,Type,Denominator
i1,One,1,P1,1,1,Indicator,
i2,Two,1,P1,1,-1,Indicator,
i3,Three,1,P2,1,1,Indicator,Pop
P1,Pillar 1,2,IDX,1,1,Aggregate,
P2,Pillar 2,2,IDX,3,1,Aggregate,
IDX,Index,3,,1,1,Aggregate,
Pop,Population,,,,,Denominator,
Group_R,Region,,,,,Group,
"""


@pytest.fixture
def csvs(tmp_path):
    (tmp_path / "d.csv").write_text(IDATA_CSV)
    (tmp_path / "m.csv").write_text(IMETA_CSV)
    return tmp_path


def test_cli_writes_wide_long_and_log(csvs):
    out = csvs / "out"
    code = main(
        ["score", "--data", str(csvs / "d.csv"), "--meta", str(csvs / "m.csv"), "--method", "coinr", "--out", str(out)]
    )
    assert code == 0
    wide = pl.read_csv(out / "scores_wide.csv")
    # hand-computed in test_scoring_build.py: IDX = 12.5, 53.125, 93.75, 37.5
    np.testing.assert_allclose(wide["IDX"].to_numpy(), [12.5, 53.125, 93.75, 37.5])
    assert wide.columns == ["uCode", "i1", "i2", "i3", "P1", "P2", "IDX"]
    assert pl.read_csv(out / "ranks_wide.csv")["IDX"].to_list() == [4, 2, 1, 3]
    long = pl.read_csv(out / "scores_long.csv")
    assert long.columns == ["uCode", "level", "code", "raw_value", "treated_value", "score", "rank"]
    assert long.height == 4 * 6
    assert long.filter(pl.col("uCode") == "D", pl.col("code") == "i1")["score"].item() is None
    tlog = pl.read_csv(out / "treatment_log.csv")
    assert tlog["code"].to_list() == ["i1", "i2", "i3"] and "skew_raw" in tlog.columns
    assert (out / "log.csv").exists()


def test_cli_without_subcommand_word_and_with_impute(csvs):
    out = csvs / "out2"
    assert (
        main(
            [
                "--data",
                str(csvs / "d.csv"),
                "--meta",
                str(csvs / "m.csv"),
                "--impute",
                "group_mean:Group_R",
                "--method",
                "none",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    wide = pl.read_csv(out / "scores_wide.csv")
    assert wide["i1"].to_list()[3] == 100.0  # D imputed with C's 10 (group s)


def test_cli_reports_bad_input(csvs, capsys):
    assert (
        main(
            [
                "score",
                "--data",
                str(csvs / "d.csv"),
                "--meta",
                str(csvs / "m.csv"),
                "--impute",
                "knn",
                "--out",
                str(csvs / "o"),
            ]
        )
        == 2
    )
    assert "unknown impute spec" in capsys.readouterr().err


def test_add_score_command_registers_on_foreign_parser():
    parser = argparse.ArgumentParser(prog="pii")
    sub = parser.add_subparsers(dest="command")
    add_score_command(sub)
    args = parser.parse_args(["score", "--data", "d", "--meta", "m", "--method", "gii", "--out", "o"])
    assert args.command == "score" and args.method == "gii" and callable(args.func)


def test_csv_readers_keep_na_and_codes(csvs):
    idata, imeta = read_idata(csvs / "d.csv"), read_imeta(csvs / "m.csv")
    assert idata["i1"].null_count() == 1
    assert imeta.filter(pl.col("iCode") == "IDX")["Parent"].item() is None


def test_rank_desc_min_ties():
    np.testing.assert_array_equal(rank_desc(np.array([10.0, 30.0, 30.0, NAN, 5.0])), [3, 1, 1, NAN, 4])


def test_strengths_weaknesses_rank_rule_ties_by_code():
    # higher = better. Unit 0 ranks: a 1, b 3, c 1 (tie with unit 1), d 2 (of 2 present)
    # Unit 2 ranks: a 3, b 1, c 3, d missing
    values = np.array([[3, 1, 5, 2], [2, 2, 5, 9], [1, 3, 0, NAN]], dtype=float)
    codes = ["a", "b", "c", "d"]
    picks = strengths_weaknesses(values, codes, n=2)
    assert picks[0] == (["a", "c"], ["b", "d"])
    assert picks[2] == (["b", "a"], ["a", "c"])


def test_strengths_weaknesses_gii_percentile_rule():
    values = np.array([[3, 1, 5, 2], [2, 2, 5, 9], [1, 3, 0, NAN]], dtype=float)
    # unit 0 percentile ranks: a (3-1)/2 = 1, b 0, c 1, d (2-2)/1 = 0; top 10% of 4 -> 1 indicator
    picks = strengths_weaknesses(values, ["a", "b", "c", "d"], rule="gii")
    assert picks[0] == (["a"], ["b"])
    with pytest.raises(ValueError):
        strengths_weaknesses(values, ["a", "b", "c", "d"], rule="oecd")


def test_efficiency_ratio():
    np.testing.assert_array_equal(efficiency_ratio(np.array([50.0, 40.0]), np.array([25.0, 0.0])), [2.0, NAN])
