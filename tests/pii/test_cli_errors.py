"""Every subcommand answers a bad argument or bad input with one line on stderr and exit code 2.

The console script runs as a separate process, as a user runs it; a defect (any other exception) must
keep its traceback and exit 1, which the last tests check in-process.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pii import cli
from pii.errors import UsageError
from pii.scoring import read_idata, read_imeta, score_coinr_files, score_coinr_tables
from pii.scoring.inputs import framework_idata
from tests.pii.scoring.test_scoring_cli_results import IDATA_CSV, IMETA_CSV

IDATA, IMETA = IDATA_CSV, IMETA_CSV  # the small COINr-shaped example the scoring CLI tests use
BAD_NUMBERS = ("inf", "-inf", "nan", "NaN", "∞", "Infinity", "khoảng 5", "5 %")


def _with_b_i1(value: str) -> str:
    """IDATA with unit B's indicator i1 (row 3 of the file) replaced."""
    return IDATA.replace("B,Beta,n,10,5,", f'B,Beta,n,10,"{value}",')


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding good and bad inputs; commands run inside it so messages show relative paths."""
    root = tmp_path_factory.mktemp("cli")
    (root / "d.csv").write_text(IDATA, encoding="utf-8")
    (root / "m.csv").write_text(IMETA, encoding="utf-8")
    for k, value in enumerate(BAD_NUMBERS):
        (root / f"bad{k}.csv").write_text(_with_b_i1(value), encoding="utf-8")
    (root / "empty.csv").write_text("", encoding="utf-8")
    (root / "ragged.csv").write_text(IDATA.replace("B,Beta,n,10,5,2,20", "B,Beta,n,10,5,2,20,7"), encoding="utf-8")
    (root / "dup.csv").write_text(IDATA + "A,Again,n,10,1,1,1\n", encoding="utf-8")
    (root / "noi3.csv").write_text("\n".join(r.rsplit(",", 1)[0] for r in IDATA.splitlines()), encoding="utf-8")
    (root / "binary.csv").write_bytes(b"uCode,i1\n\xff\xfe\x00\x81,1\n")
    (root / "m_level.csv").write_text(IMETA.replace("i1,One,1,", "i1,One,inf,"), encoding="utf-8")
    (root / "m_parent.csv").write_text(IMETA.replace("i2,Two,1,P1,", "i2,Two,1,P9,"), encoding="utf-8")
    (root / "a_file").write_text("not a folder", encoding="utf-8")
    (root / "folder").mkdir()
    (root / "junk.duckdb").write_text("not a database", encoding="utf-8")
    duckdb.connect(str(root / "bare.duckdb")).close()
    with duckdb.connect(str(root / "only2024.duckdb")) as con:
        con.execute("CREATE SCHEMA meta")
        con.execute("CREATE TABLE meta.framework_indicators AS SELECT 2024 AS framework_year, 'p63' AS boundary")
    return root


SCORE = ["score", "--meta", "m.csv", "--out", "out"]
# (argv, environment warehouse file or None, what stderr must contain)
CASES: dict[str, tuple[list[str], str | None, str]] = {
    "no command": ([], None, "pii: error: the following arguments are required: command"),
    "unknown command": (["bogus"], None, "pii: error: argument command: invalid choice: 'bogus'"),
    "materialize unknown option": (["materialize", "--bogus"], None, "unrecognized arguments: --bogus"),
    "materialize unknown asset": (["materialize", "--select", "core/pii_inputs"], None,
                                  "pii materialize: error: --select: no asset 'core/pii_inputs'; did you mean "
                                  "core/pii_input"),
    "materialize years text": (["materialize", "--years", "20x4"], None,
                               "pii materialize: error: argument --years: years must look like 2022-2025"),
    "materialize years with full": (["materialize", "--years", "2025", "--full"], None,
                                    "pii materialize: error: --years cannot be combined with --full"),
    # score: files
    "score args missing": (["score"], None, "pii score: error: the following arguments are required: --data, --meta"),
    "score data missing": ([*SCORE, "--data", "missing.csv"], None,
                           "pii score: error: iData missing.csv: no such file"),
    "score data folder": ([*SCORE, "--data", "folder"], None, "iData folder is a folder, not a file"),
    "score data empty": ([*SCORE, "--data", "empty.csv"], None, "iData empty.csv: cannot read as CSV"),
    "score data ragged": ([*SCORE, "--data", "ragged.csv"], None,
                          "iData ragged.csv: cannot read as CSV: row 3 has 8 fields, the header has 7"),
    "score data binary": ([*SCORE, "--data", "binary.csv"], None, "iData binary.csv: cannot read as CSV"),
    "score data duplicate unit": ([*SCORE, "--data", "dup.csv"], None,
                                  "dup.csv: column 'uCode' has duplicates: 'A' on rows [2, 6]"),
    "score data indicator column missing": ([*SCORE, "--data", "noi3.csv"], None,
                                            "noi3.csv has no column for indicator(s): i3"),
    "score meta missing": (["score", "--data", "d.csv", "--meta", "nope.csv", "--out", "o"], None,
                           "iMeta nope.csv: no such file"),
    "score meta swapped": (["score", "--data", "m.csv", "--meta", "d.csv", "--out", "o"], None,
                           "d.csv: iMeta is missing required column(s): iCode, Level"),
    "score meta level inf": (["score", "--data", "d.csv", "--meta", "m_level.csv", "--out", "o"], None,
                             "m_level.csv: column 'Level' is not numeric: row 2 (iCode 'i1') holds 'inf'"),
    "score meta bad parent": (["score", "--data", "d.csv", "--meta", "m_parent.csv", "--out", "o"], None,
                              "m_parent.csv: iCode 'i2': field 'Parent' = 'P9' is not an Indicator/Aggregate"),
    "score out is a file": (["score", "--data", "d.csv", "--meta", "m.csv", "--out", "a_file"], None,
                            "output folder a_file: a_file is a file, not a folder"),
    "score out under a file": (["score", "--data", "d.csv", "--meta", "m.csv", "--out", "a_file/x"], None,
                               "output folder a_file/x: a_file is a file, not a folder"),
    # score: options
    "score method": ([*SCORE, "--data", "d.csv", "--method", "oecd"], None, "argument --method: invalid choice"),
    "score impute spec": ([*SCORE, "--data", "d.csv", "--impute", "knn"], None, "unknown impute spec 'knn'"),
    "score impute group": ([*SCORE, "--data", "d.csv", "--impute", "group_mean:Group_X"], None,
                           "d.csv has no group column 'Group_X' (group columns: Group_R)"),
    "score screen": ([*SCORE, "--data", "d.csv", "--screen", "1.5"], None,
                     "argument --screen: must be a number between 0 and 1, not '1.5'"),
    "score dat-thresh nan": ([*SCORE, "--data", "d.csv", "--dat-thresh", "nan"], None,
                             "argument --dat-thresh: must be a number between 0 and 1, not 'nan'"),
    "score geometric": ([*SCORE, "--data", "d.csv", "--aggregation", "geometric"], None,
                        "aggregation 'geometric' needs normalised scores above 0"),
    # templates
    "templates year missing": (["templates"], None, "the following arguments are required: --year"),
    "templates year text": (["templates", "--year", "2025a"], None, "argument --year: invalid int value: '2025a'"),
    "templates year old": (["templates", "--year", "1999"], None,
                           "pii templates: error: --year 1999: data years must lie in 2021..2025"),
    "templates year future": (["templates", "--year", "2030"], None, "--year 2030: data years must lie in 2021..2025"),
    "templates province": (["templates", "--year", "2025", "--province", "Atlantis", "--out", "t"], None,
                           "--province 'Atlantis': 'Atlantis' is not a province name on p34; closest: "),
    "templates merged province": (["templates", "--year", "2025", "--province", "Long An", "--out", "t"], None,
                                  "became part of Tây Ninh (80) on 2025-07-01"),
    "templates out is a file": (["templates", "--year", "2025", "--out", "a_file"], None,
                                "--out a_file: a_file is a file, not a folder"),
    # sample
    "sample years old": (["sample", "--years", "1999", "--out", "l"], None,
                         "pii sample: error: --years 1999: data years must lie in 2022..2025"),
    "sample years future": (["sample", "--years", "2024-2026", "--out", "l"], None, "--years 2026: data years"),
    "sample years text": (["sample", "--years", "twenty"], None, "argument --years: years must look like 2022-2025"),
    "sample out is a file": (["sample", "--years", "2025", "--out", "a_file"], None, "--out a_file: a_file is a file"),
    # a folder that permissions allow but the kernel refuses (proc): the mkdir error, not a traceback
    "sample out cannot be made": (["sample", "--years", "2025", "--out", "/proc/pii_nope"], None,
                                  "--out /proc/pii_nope: cannot create the folder"),
    # whatif
    "whatif province missing": (["whatif"], None, "the following arguments are required: --province"),
    "whatif year": (["whatif", "--province", "01", "--year", "2030"], None,
                    "pii whatif: error: --year 2030: no PII framework for that year (reference/framework/ has 2023, "),
    "whatif province": (["whatif", "--province", "Atlantis"], None,
                        "--province 'Atlantis': 'Atlantis' is not a province name on p34; closest: "),
    "whatif province old boundary": (["whatif", "--province", "Long An", "--year", "2025"], None, "Tây Ninh"),
    "whatif top negative": (["whatif", "--province", "01", "--top", "-3"], None,
                            "argument --top: must be a whole number of at least 1, not '-3'"),
    "whatif no warehouse": (["whatif", "--province", "Hà Nội"], "absent.duckdb",
                            "no warehouse at {root}/absent.duckdb: run `pii materialize` first"),
    "whatif junk warehouse": (["whatif", "--province", "01"], "junk.duckdb",
                              "cannot open the warehouse {root}/junk.duckdb: IO Error"),
    "whatif bare warehouse": (["whatif", "--province", "01"], "bare.duckdb",
                              "the warehouse {root}/bare.duckdb lacks a table this command reads"),
    "whatif year not in warehouse": (["whatif", "--province", "01", "--year", "2025"], "only2024.duckdb",
                                     "--year 2025: the warehouse has no PII 2025 (it has 2024)"),
    # summary
    "summary no warehouse": (["summary"], "absent.duckdb", "pii summary: error: no warehouse at {root}/absent.duckdb"),
    "summary junk warehouse": (["summary"], "junk.duckdb", "cannot open the warehouse {root}/junk.duckdb"),
}
CASES.update({  # the console script for a few; the reader itself is tested on every BAD_NUMBERS value below
    f"score data {value}": ([*SCORE, "--data", f"bad{k}.csv"], None,
                            f"score: error: bad{k}.csv: column 'i1' is not numeric: row 3 (uCode 'B') holds {value!r}")
    for k, value in enumerate(BAD_NUMBERS) if value in ("inf", "-inf", "nan", "∞", "khoảng 5")
})


def _pii(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("pii")  # the installed console script
    command = [str(script)] if script.exists() else [sys.executable, "-m", "pii.cli"]
    return subprocess.run([*command, *args], cwd=cwd, env=env, text=True, capture_output=True, timeout=120,
                          check=False)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_usage_is_one_line_and_exit_2(name: str, work: Path) -> None:
    args, warehouse, expected = CASES[name]
    env = {**os.environ, "PII_DUCKDB_PATH": str(work / (warehouse or "absent.duckdb")),
           "PII_LANDING_DIR": str(work / "landing")}
    run = _pii(args, work, env)
    assert "Traceback" not in run.stderr + run.stdout, run.stderr
    assert run.returncode == 2, run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("pii"), lines[0]
    assert expected.format(root=work) in lines[0]
    assert run.stdout == ""


def test_good_usage_still_exits_0(work: Path) -> None:
    run = _pii(["score", "--data", "d.csv", "--meta", "m.csv", "--out", "good"], work, dict(os.environ))
    assert run.returncode == 0, run.stderr
    assert run.stderr == "" and (work / "good" / "scores_wide.csv").is_file()


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_the_idata_reader_refuses_non_finite_and_text(value: str, tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text(_with_b_i1(value), encoding="utf-8")
    with pytest.raises(UsageError, match=r"d\.csv: column 'i1' is not numeric: row 3 \(uCode 'B'\)"):
        read_idata(path)
    (tmp_path / "m.csv").write_text(IMETA, encoding="utf-8")
    with pytest.raises(UsageError, match=r"column 'i1' is not numeric: row 3"):
        score_coinr_files(path, tmp_path / "m.csv")


def test_gaps_stay_missing_and_text_columns_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text(IDATA.replace("C,Gamma,s,10,10,", "C,Gamma,s,10,,").replace("A,Alpha,n,10,0,", "A,NA,n,10, ,"),
                    encoding="utf-8")
    frame = read_idata(path)
    assert frame["i1"].to_list() == [None, 5.0, None, None]
    assert frame["uName"].to_list() == [None, "Beta", "Gamma", "Delta"] and frame["Group_R"].dtype == pl.String


def test_frames_with_infinite_or_nan_values_are_refused() -> None:
    idata = pl.read_csv(IDATA.encode(), null_values="NA")
    imeta = pl.read_csv(IMETA.encode(), infer_schema=False)
    assert score_coinr_tables(idata, imeta).units == ["A", "B", "C", "D"]
    for bad in (float("inf"), float("-inf"), float("nan")):
        broken = idata.with_columns(pl.when(pl.col("uCode") == "C").then(bad).otherwise(pl.col("i2")).alias("i2"))
        with pytest.raises(UsageError, match=r"iData: column 'i2' is not numeric: row 3 \(uCode 'C'\)"):
            score_coinr_tables(broken, imeta)


def test_warehouse_idata_refuses_infinite_indicators() -> None:
    indicators = pl.DataFrame({"framework_year": [2025, 2025], "indicator_code": ["1.1.1", "1.1.2"],
                               "column_name": ["ind_1_1_1", "ind_1_1_2"]})
    pii_input = pl.DataFrame({"province_code": ["01", "02"], "ind_1_1_1": [1.0, 2.0],
                              "ind_1_1_2": [3.0, float("inf")]})
    assert framework_idata(pii_input.head(1), indicators)["1.1.2"].to_list() == [3.0]
    with pytest.raises(UsageError, match=r"core.pii_input \(framework year 2025\): column '1.1.2' .* \(uCode '02'\)"):
        framework_idata(pii_input, indicators)


def test_a_defect_keeps_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(args: argparse.Namespace) -> int:
        raise KeyError("a defect, not bad input")

    monkeypatch.setattr(cli, "_summary", broken)
    with pytest.raises(KeyError, match="a defect"):
        cli.main(["summary"])


def test_usage_errors_are_printed_by_main_on_one_line(monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    def refuses(args: argparse.Namespace) -> int:
        raise UsageError("first line\nsecond line")

    monkeypatch.setattr(cli, "_summary", refuses)
    assert cli.main(["summary"]) == 2
    assert capsys.readouterr().err == "pii summary: error: first line; second line\n"


def test_imeta_reader_parses_numbers(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text(IMETA, encoding="utf-8")
    imeta = read_imeta(tmp_path / "m.csv")
    assert imeta["Weight"].dtype == pl.Float64 and imeta.filter(pl.col("iCode") == "P2")["Weight"].item() == 3.0
