"""The set-based reader (pii/ingest/tabular.py) and record-list conform (tabular_records.py) against the
cell-level adapter they replace for CSV/Parquet record lists: the same records, quarantine entries (codes,
places, messages) and dispositions; bad files become one error row, never an exception."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pii.catalog import load_sources
from pii.ingest.conform import conform_raw, read_raw
from pii.ingest.landing import LandingFile, find_files, sha256_of
from pii.ingest.set_based import is_set_based, raw_columns_for
from pii.ingest.tabular import load_tabular
from pii.ingest.tabular_records import conform_record_files, store_records
from pii.parsing.encodings import encode_cp1258
from pii.provinces import default_registry

SOURCE = load_sources()["ipvn_applications"]
HEADER = "Số đơn,Loại đơn,Ngày nộp đơn,Người nộp đơn,Tỉnh/Thành phố"
BODY = [
    "1-2024-00001,Sáng chế,05/01/2024,Công ty A,Hà Nội",
    "1-2024-00002,Nhãn hiệu,31/02/2024,Công ty B,Hải Phòng",  # bad date
    "1-2024-00003,Quyền tác giả,12/03/2024,Công ty C,Huế",  # unknown category
    "1-2024-00004,Nhãn hiệu,12/03/2023,Công ty D,Đà Nẵng",  # wrong year
    "1-2024-00005,Nhãn hiệu,2024-04-01,Công ty E,Hà Nộii",  # unknown province (suggestions)
    "1-2024-00001,Sáng chế,05/01/2024,CÔNG TY A (bản sao),Hà Nội",  # duplicate of row 3 (applicant not read)
    "1-2024-00006,Nhãn hiệu,7/3/2024,Công ty F,Long An",
    "1-2024-00006,Kiểu dáng công nghiệp,7/3/2024,Công ty F,Long An",  # conflicting with the row above
    ",,,,",  # blank record
    "1-2024-00007, Nhãn hiệu ,01.12.2024,Công ty G,  Cần Thơ ",
    "1-2024-00008,Nhãn hiệu,05/01/24,Công ty H,Hà Nội",  # two-digit year: not a date
    "1-2024-00009,Nha\u0303n hie\u0323\u0302u,05/01/2024,Công ty I,Tha\u0300nh pho\u0302\u0301 Hô\u0300 Chi\u0301 Minh",
    "1-2024-00010,Nhãn hiệu,05/01/2024,Công ty K,Ha\u0300 Nô\u0323i\u0323",  # NFD, with a stray mark: unknown
]


def _landing(tmp_path: Path, data: bytes, year: int = 2024) -> Path:
    landing = tmp_path / "landing"
    path = landing / SOURCE.path_for(year)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return landing


def _text(lines: list[str]) -> str:
    return "\n".join(["Danh sách đơn đăng ký 2024 – kiểm thử", HEADER, *lines]) + "\n"


def _set_based(landing: Path) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    for schema in ("raw", "staging", "quarantine", "meta"):
        conn.execute(f"CREATE SCHEMA {schema}")
    for f in find_files(landing, SOURCE):
        load_tabular(conn, SOURCE, f, raw_columns_for(SOURCE))
    conform_record_files(conn, SOURCE, default_registry())
    store_records(conn, SOURCE)
    return conn


def _frame(conn: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> pl.DataFrame:
    return conn.sql(f"SELECT {', '.join(columns)} FROM {table}").pl().sort(columns, nulls_last=True)


def test_ipvn_csv_is_set_based_and_the_xlsx_registry_is_not() -> None:
    assert is_set_based(SOURCE)
    assert not is_set_based(load_sources()["most_st_organisations"])


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1258", "utf-16"])
def test_same_outcome_as_the_cell_level_adapter(tmp_path: Path, encoding: str) -> None:
    text = _text(BODY)
    data = encode_cp1258(text) if encoding == "cp1258" else text.encode(encoding)
    landing = _landing(tmp_path, data)
    old = conform_raw(SOURCE, pl.concat([read_raw(SOURCE, f) for f in find_files(landing, SOURCE)]),
                      default_registry()).frames()
    conn = _set_based(landing)
    for key, table in (("records", "staging.record_rows"), ("quarantine", "quarantine.rows")):
        columns = old[key].columns
        assert _frame(conn, table, columns).equals(old[key].sort(columns, nulls_last=True)), key
    columns = old["dispositions"].columns
    per_row = old["dispositions"].filter(pl.col("disposition") != "counted").sort(columns, nulls_last=True)
    assert _frame(conn, "meta.row_dispositions", columns).equals(per_row)
    counted = old["dispositions"].filter(pl.col("disposition") == "counted").height
    assert conn.execute("SELECT sum(rows) FROM meta.disposition_counts WHERE disposition = 'counted'").fetchall() == [
        (counted,)]
    raw_rows = conn.execute("SELECT count(*) FROM raw.ipvn_applications").fetchall()[0][0]
    assert raw_rows == counted + per_row.height  # row conservation with counts


@pytest.mark.parametrize(("text", "code", "message"), [
    (_text([*BODY[:2], '1-2024-00009,Nhãn hiệu,"12/03/2024,Công ty,Hà Nội']), "unreadable_file",
     "line 5: cannot read the CSV record starting on this line"),
    (_text(BODY[:2]) + "1-2024-00009;Nhãn hiệu;12/03/2024;Công ty;Hà Nội\n", "unreadable_file",
     "line 5: cannot read the CSV record starting on this line (Expected Number of Columns: 5 Found: 1)"),
    (_text(BODY[:2]) + "1-2024-00009,Nhãn hiệu", "unreadable_file", "line 5:"),
    ("Số đơn,Loại đơn,Ngày nộp đơn\n1,Nhãn hiệu,12/03/2024\n", "missing_column", "missing columns: Tỉnh/Thành phố"),
    ("Số đơn,Loại đơn,Ngày nộp đơn,Tỉnh/Thành phố,Số đơn\n", "duplicate_header",
     "the header label 'Số đơn' appears in columns A, E"),
    ("", "unreadable_file", "empty file"),
    (_text(BODY[:2]) + "1-2024-9,Nhãn hiệu,12/03/2024," + "x" * 500_000 + ",Hà Nội\n", "limit_exceeded",
     "line 5: cannot read the CSV record starting on this line (Maximum line size"),
])
def test_a_bad_file_is_one_error_row_naming_file_and_line(tmp_path: Path, text: str, code: str, message: str) -> None:
    conn = _set_based(_landing(tmp_path, text.encode("utf-8")))
    raw = conn.execute("SELECT row_number, read_error, read_error_code FROM raw.ipvn_applications").fetchall()
    assert len(raw) == 1 and raw[0][0] == 0 and raw[0][2] == code
    assert raw[0][1].startswith(SOURCE.path_for(2024)) and message in raw[0][1], raw[0][1]
    assert conn.execute("SELECT reason_code, row_number FROM quarantine.rows").fetchall() == [(code, 0)]
    assert conn.execute("SELECT disposition FROM meta.row_dispositions").fetchall() == [("quarantined",)]


def test_a_mixed_encoding_file_names_the_first_bad_line(tmp_path: Path) -> None:
    head = _text([f"1-2024-{n:05d},Nhãn hiệu,12/03/2024,Công ty,Hà Nội" for n in range(2000)]).encode("utf-8")
    conn = _set_based(_landing(tmp_path, head + encode_cp1258("1-2024-99999,Nhãn hiệu,12/03/2024,Công ty,Đà Nẵng\n")))
    (error,), = conn.execute("SELECT read_error FROM raw.ipvn_applications").fetchall()
    assert "line 2003" in error and "not utf-8" in error


def test_parquet_record_list_reads_typed_columns_as_text(tmp_path: Path) -> None:
    table = pa.table({"Số đơn": ["1-2024-1", "1-2024-2"], "Loại đơn": ["Sáng chế", "Nhãn hiệu"],
                      "Ngày nộp đơn": ["2024-01-05", "2024-02-01"], "Tỉnh/Thành phố": ["Hà Nội", "Huế"],
                      "so": [1, 2]})
    path = tmp_path / "list.parquet"
    pq.write_table(table, path)
    f = LandingFile(SOURCE.source_id, 2024, "2024/ipvn/list.parquet", path, sha256_of(path), path.stat().st_size)
    conn = duckdb.connect()
    load = load_tabular(conn, SOURCE, f, raw_columns_for(SOURCE))
    assert load.ok and load.rows == 2
    assert conn.execute("SELECT row_number, record_id, province FROM raw.ipvn_applications ORDER BY 1").fetchall() == [
        (2, "1-2024-1", "Hà Nội"), (3, "1-2024-2", "Huế")]
    assert conn.execute("SELECT column_ref FROM meta.tabular_columns WHERE name = 'province'").fetchall() == [
        ("Tỉnh/Thành phố",)]


def test_replacing_one_file_replaces_only_its_rows(tmp_path: Path) -> None:
    landing = _landing(tmp_path, _text(BODY).encode("utf-8"))
    _landing(tmp_path, _text([b.replace("2024", "2023") for b in BODY]).encode("utf-8"), year=2023)
    conn = _set_based(landing)
    before = conn.execute("SELECT file_path, count(*) FROM quarantine.rows GROUP BY 1 ORDER BY 1").fetchall()
    (landing / SOURCE.path_for(2024)).write_text(_text(BODY[:1]), encoding="utf-8")
    f = next(f for f in find_files(landing, SOURCE) if f.data_year == 2024)
    load_tabular(conn, SOURCE, f, raw_columns_for(SOURCE))
    conform_record_files(conn, SOURCE, default_registry(), [f.rel_path])
    store_records(conn, SOURCE, [f.rel_path])
    after = conn.execute("SELECT file_path, count(*) FROM quarantine.rows GROUP BY 1 ORDER BY 1").fetchall()
    assert after == [before[0]]  # the 2023 file's entries kept; the 2024 file has no problem left
    assert conn.execute("SELECT count(*) FROM staging.record_rows WHERE year = 2024").fetchall() == [(1,)]


def test_transcoding_in_chunks_keeps_tone_marks_with_their_letters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                                   ) -> None:
    """cp1258 writes tone marks as combining characters after the letter: a chunk boundary between them must
    not split a name (NFC is applied to whole characters)."""
    monkeypatch.setattr("pii.ingest.tabular_files.TRANSCODE_CHUNK", 7)
    lines = [f"1-2024-{n:05d},Nhãn hiệu,12/03/2024,Công ty,Thừa Thiên Huế" for n in range(300)]
    conn = _set_based(_landing(tmp_path, encode_cp1258(_text(lines))))
    assert conn.execute("SELECT DISTINCT province, category FROM raw.ipvn_applications WHERE row_number > 2"
                        ).fetchall() == [("Thừa Thiên Huế", "Nhãn hiệu")]
    assert conn.execute("SELECT count(*) FROM staging.record_rows").fetchall() == [(300,)]
