"""GX validation in its worker process: the run's process loads definitions without GX, the worker answers as
GX in the process would, a mistyped expectation still fails naming the file and expectation, and a worker
that dies fails one validation, not the next."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from pii.quality import gx_worker
from pii.quality.gx_suite import SuiteError, load_suite, validate

REPO = Path(__file__).resolve().parents[2]


def _suite_file(tmp_path: Path, kind: str = "expect_column_values_to_be_between") -> Path:
    path = tmp_path / "t.values.json"
    path.write_text(json.dumps({"name": "t.values", "expectations": [
        {"type": kind, "kwargs": {"column": "value", "min_value": 0, "max_value": 100},
         "meta": {"id": "value_range", "severity": "critical"}},
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "province_code"},
         "meta": {"id": "province_present", "severity": "warning"}},
    ]}), encoding="utf-8")
    return path


def _frame() -> pd.DataFrame:
    frame = pd.DataFrame({"province_code": ["01", None, "79", "92"], "value": [5.0, 250.0, -1.0, 40.0]})
    frame.index.name = "table_row"
    return frame


def _table() -> pa.Table:
    return pa.Table.from_pandas(_frame(), preserve_index=False)


def test_definitions_load_without_great_expectations_or_pandas() -> None:
    code = ("import sys, pipelines.definitions; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('great_expectations', 'pandas')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
                         env={**os.environ, "PII_ENV": "local"})
    assert out.stdout.strip() == "[]"


def test_worker_frame_is_the_one_duckdb_gives(tmp_path: Path) -> None:
    """The worker validates DuckDB's pandas conversion of the Arrow table: the frame ``relation.df()`` gives."""
    from pii.quality.gx_suite import pandas_frame

    conn = duckdb.connect()
    relation = conn.sql("SELECT * FROM (VALUES ('01', 1.5::DOUBLE, 2022::INTEGER, NULL::BIGINT, true, "
                        "DATE '2024-01-31', 1.25::DECIMAL(9, 2)), (NULL, NULL, NULL, 7, NULL, NULL, NULL)) "
                        "t(province_code, value, year, row_number, flag, day, amount)")
    expected = relation.df()
    expected.index.name = "table_row"
    pd.testing.assert_frame_equal(pandas_frame(relation.to_arrow_table()), expected, check_exact=True)


def test_worker_answers_as_gx_in_process(tmp_path: Path) -> None:
    suite = load_suite(_suite_file(tmp_path))
    here, there = validate(suite, _frame()), gx_worker.validate(suite, _table())
    assert there == here
    by_id = {o.id: o for o in there}
    assert not by_id["value_range"].success and by_id["value_range"].unexpected_count == 2
    assert sorted(by_id["value_range"].examples) == [-1.0, 250.0]
    assert not by_id["province_present"].success and by_id["province_present"].unexpected_count == 1


def test_mistyped_expectation_fails_in_the_worker_naming_it(tmp_path: Path) -> None:
    path = _suite_file(tmp_path, kind="expect_column_values_to_be_betwen")
    with pytest.raises(SuiteError, match=r"t\.values\.json: expectations\[0\] \(value_range\): field 'type' "
                                         r"'expect_column_values_to_be_betwen' is not a GX expectation"):
        load_suite(path)
    suite = load_suite(path, types=False)  # how the definitions load it: no GX in the run's process
    with pytest.raises(SuiteError, match=r"t\.values\.json: expectations\[0\] \(value_range\): field 'type'"):
        gx_worker.validate(suite, _table())


def test_dead_worker_fails_one_validation_and_the_next_starts_another(tmp_path: Path) -> None:
    suite = load_suite(_suite_file(tmp_path))
    gx_worker.validate(suite, _table())
    pool = gx_worker._pool
    assert pool is not None
    for process in list(pool._processes.values()):
        os.kill(process.pid, signal.SIGKILL)
    with pytest.raises(RuntimeError, match=r"t\.values\.json: the GX validation process died before answering"):
        gx_worker.validate(suite, _table())
    assert [o.id for o in gx_worker.validate(suite, _table())] == ["value_range", "province_present"]


def test_stopped_worker_exits_cleanly_and_leaks_nothing(tmp_path: Path) -> None:
    """stop() ends the worker through multiprocessing's own exit (semaphores given back), then at once."""
    script = tmp_path / "use_worker.py"
    script.write_text(
        "import sys, time\n"
        "import pyarrow as pa\n"
        "from pii.quality import gx_worker\n"
        "from pii.quality.gx_suite import load_suite\n"
        "if __name__ == '__main__':\n"
        "    frame = pa.table({'province_code': ['01'], 'value': [5.0]})\n"
        f"    outcomes = gx_worker.validate(load_suite(__import__('pathlib').Path({str(_suite_file(tmp_path))!r}),"
        " types=False), frame)\n"
        "    process = next(iter(gx_worker._pool._processes.values()))\n"
        "    started = time.perf_counter()\n"
        "    gx_worker.stop()\n"
        "    print(len(outcomes), process.exitcode, round(time.perf_counter() - started, 3))\n",
        encoding="utf-8")
    out = subprocess.run([sys.executable, str(script)], cwd=REPO, capture_output=True, text=True, check=True,
                         timeout=120)
    count, exitcode, seconds = out.stdout.split()
    assert (count, exitcode) == ("2", "0")
    assert float(seconds) < 0.8  # no teardown of GX's modules (about a second) before the worker is gone
    assert "leaked" not in out.stderr and "Traceback" not in out.stderr, out.stderr


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="needs process priorities")
def test_worker_yields_the_cpu_to_the_run() -> None:
    gx_worker.prestart()
    assert gx_worker._started is not None
    gx_worker._started.result(timeout=120)  # the initializer has run
    pool = gx_worker._pool
    assert pool is not None
    [pid] = list(pool._processes)
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, pid) == min(19, mine + gx_worker.NICENESS)
