"""A file loaded into a table of its own (file_table_ddl: provenance as generated constants, records numbered
from row ids) holds exactly the rows the raw table gets (provenance, row numbers, values), good file or bad."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pii.catalog import load_sources
from pii.ingest.landing import find_files
from pii.ingest.set_based import raw_columns_for
from pii.ingest.tabular import file_table_ddl, load_tabular

SOURCE = load_sources()["ipvn_applications"]
HEADER = "Số đơn,Loại đơn,Ngày nộp đơn,Người nộp đơn,Tỉnh/Thành phố"
GOOD = ("Danh sách đơn 2024\n\nGhi chú: số liệu thử\n" + HEADER + "\n"
        + "".join(f"1-2024-{i:05d},Nhãn hiệu,05/01/2024,Công ty {i},Hà Nội\n" for i in range(1, 3001))
        + "\n\n1-2024-09999,Sáng chế,06/01/2024,Công ty Z,Huế\n")  # blank lines are not records
BROKEN = HEADER + "\n1-2024-00001,Nhãn hiệu,05/01/2024,\"Công ty A,Hà Nội\n1-2024-00002,Nhãn hiệu,05/01/2024,B,Huế\n"


def _rows(conn: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    return conn.execute(f"SELECT * FROM {table} ORDER BY row_number").fetchall()


@pytest.mark.parametrize("text", [GOOD, BROKEN], ids=["good", "broken_quote"])
def test_one_file_table_equals_the_raw_table(tmp_path: Path, text: str) -> None:
    path = tmp_path / "landing" / SOURCE.path_for(2024)
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    [f] = find_files(tmp_path / "landing", SOURCE)
    columns = raw_columns_for(SOURCE)
    conn = duckdb.connect()
    raw = load_tabular(conn, SOURCE, f, columns)  # raw.ipvn_applications: row_number() OVER ()
    conn.execute(f"CREATE TEMP TABLE one ({file_table_ddl(SOURCE, f, columns)})")
    conn.execute("INSERT INTO one (row_number) VALUES (NULL)")  # a table that held rows before: ids do not
    conn.execute("DELETE FROM one")                             # start at 0, numbering still starts at 1
    one = load_tabular(conn, SOURCE, f, columns, table="one")
    assert (one.rows, one.read_error, one.read_error_code) == (raw.rows, raw.read_error, raw.read_error_code)
    expected = _rows(conn, "raw.ipvn_applications")
    assert _rows(conn, "one") == expected
    if text is GOOD:
        assert len(expected) == 4 + 3001  # title, blank, note, header lines; the records
        assert [r[4] for r in expected[-2:]] == [3004, 3005]  # the blank lines before the last are not rows
        assert expected[-1][5] == "1-2024-09999"
    else:
        assert one.read_error is not None and "line 2" in one.read_error
        assert expected == [("ipvn_applications", 2024, f.rel_path, f.sha256, 0, *[None] * len(columns),
                             one.read_error, one.read_error_code)]
