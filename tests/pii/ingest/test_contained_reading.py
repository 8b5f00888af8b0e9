"""Contained reading: limits checked before a reader allocates, and a reader that crashes costs one file only.

The crash tests run the real reader process (isolated_read.py) with a reader that aborts, allocates past the
memory limit, raises or hangs (contained_reading_readers.py), and the real calamine on the XFD1048576 file.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pyarrow as pa
import pytest
from dagster_duckdb import DuckDBResource

from assets.raw.sources import raw_assets
from pii.catalog import load_sources
from pii.ingest import read_limits
from pii.ingest.conform import conform_raw, read_raw
from pii.ingest.grid import GridError, read_csv, read_grid
from pii.ingest.isolated_read import ReadFailure, read_isolated, reader_replaced
from pii.ingest.landing import find_files
from pii.ingest.read_limits import LimitExceeded, range_cells, scan_sheet
from pii.provinces import default_registry
from pipelines.resources import PiiPaths
from tests.corpus.build_corpus import FILES_DIR
from tests.pii.ingest import contained_reading_readers as readers

PAPI_OK = "Chỉ số PAPI 2024\nSTT,Tỉnh/Thành phố,Quản trị môi trường\n1,Hà Nội,6.12\n2,Đà Nẵng,5.5\n3,Cần Thơ,4.9\n"
PAPI_BAD = PAPI_OK.replace("Chỉ số PAPI 2024", "BAD Chỉ số PAPI 2023")
DTI_OK = "Chỉ số DTI 2024\nSTT,Tỉnh/Thành phố,Hạ tầng số,Chính quyền số,DTI\n1,Hà Nội,0.61,0.58,0.6\n"


def _file(tmp_path: Path, rel: str, text: str) -> Path:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_reader_that_aborts_costs_one_file_and_the_run_goes_on(tmp_path: Path, monkeypatch) -> None:
    landing = tmp_path / "landing"
    _file(landing, "2023/papi/papi_2023.csv", PAPI_BAD)
    _file(landing, "2024/papi/papi_2024.csv", PAPI_OK)
    _file(landing, "2024/dti/dti_2024.csv", DTI_OK)
    monkeypatch.setenv("PII_LANDING_DIR", str(landing))
    db = tmp_path / "build.duckdb"
    assets = [a for a in raw_assets if a.key.path[-1] in ("papi", "dti")]
    with reader_replaced(readers.aborting):
        paths = PiiPaths(landing_dir=str(landing), warehouse_path=str(tmp_path / "w.duckdb"))
        result = dg.materialize(assets, resources={"duckdb": DuckDBResource(database=str(db)), "paths": paths},
                                raise_on_error=False)
    assert result.success
    with duckdb.connect(str(db), read_only=True) as con:
        papi = con.sql("SELECT * FROM raw.papi ORDER BY file_path, row_number").pl()
        dti_rows = con.execute("SELECT count(*) FROM raw.dti WHERE read_error IS NULL").fetchone()
    died = papi.row(0, named=True)
    assert (died["file_path"], died["row_number"], died["read_error_code"]) == ("2023/papi/papi_2023.csv", 0,
                                                                                  "unreadable_file")
    assert died["read_error"].startswith("2023/papi/papi_2023.csv: reader process died (signal 6 SIGABRT)")
    assert papi.filter(pl.col("file_path") == "2024/papi/papi_2024.csv")["row_number"].to_list() == [1, 2, 3, 4, 5]
    assert dti_rows == (3,)
    conformed = conform_raw(load_sources()["papi"], papi, default_registry())
    assert [(q["file_path"], q["reason_code"]) for q in conformed.quarantine] == [("2023/papi/papi_2023.csv",
                                                                                   "unreadable_file")]
    assert len(conformed.observations) == 3


def test_an_allocation_past_the_memory_limit_fails_that_file_only(tmp_path: Path) -> None:
    bad, ok = _file(tmp_path, "bad.csv", PAPI_BAD), _file(tmp_path, "ok.csv", PAPI_OK)
    with reader_replaced(readers.allocating):
        failed = read_isolated(bad, "csv", "2023/papi/papi_2023.csv")
        after = read_isolated(ok, "csv", "2024/papi/papi_2024.csv")
    assert failed == ReadFailure(f"2023/papi/papi_2023.csv: exceeded the reader memory limit of "
                                 f"{read_limits.MAX_READER_MEMORY_MIB} MiB", "unreadable_file")
    assert isinstance(after, pa.Table) and after.num_rows == 5


def test_calamine_given_a_cell_at_xfd1048576_dies_alone_and_the_limits_stop_it_first() -> None:
    far = FILES_DIR / "agency_cell_beyond_dimension.xlsx"
    label = "2024/agencies/SKHCN_2024.xlsx"
    with reader_replaced(readers.calamine_unchecked):  # the reading before limits: calamine allocates 512 GiB
        died = read_isolated(far, "xlsx", label)
        after = read_isolated(FILES_DIR / "agency_out_of_range.xlsx", "xlsx", label)
    assert isinstance(died, ReadFailure) and died.code == "unreadable_file"
    assert died.message.startswith(f"{label}: reader process died (signal 6 SIGABRT) while reading the file")
    assert isinstance(after, pa.Table) and after.num_rows > 4
    refused = read_isolated(far, "xlsx", label)
    assert isinstance(refused, ReadFailure) and refused.code == "limit_exceeded"
    assert "cells reach XFD1048576 = 17,179,869,184 cells from A1" in refused.message


def test_any_other_reader_error_names_the_file_and_the_error(tmp_path: Path) -> None:
    with reader_replaced(readers.raising):
        failed = read_isolated(_file(tmp_path, "bad.csv", PAPI_BAD), "csv", "2023/papi/papi_2023.csv")
    assert failed == ReadFailure("2023/papi/papi_2023.csv: the reader failed: zlib.error: Error -3 while "
                                 "decompressing data: invalid stored block lengths", "unreadable_file")


def test_a_read_past_the_timeout_is_stopped(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(read_limits, "READ_TIMEOUT_S", 2)
    with reader_replaced(readers.sleeping):
        failed = read_isolated(_file(tmp_path, "bad.csv", PAPI_BAD), "csv", "2023/papi/papi_2023.csv")
        after = read_isolated(_file(tmp_path, "ok.csv", PAPI_OK), "csv", "2024/papi/papi_2024.csv")
    assert failed == ReadFailure("2023/papi/papi_2023.csv: reading took longer than 2 s; the reader process was "
                                 "stopped", "unreadable_file")
    assert isinstance(after, pa.Table) and after.num_rows == 5


def test_read_raw_through_the_reader_process_keeps_every_cell_and_type(tmp_path: Path) -> None:
    source = load_sources()["skhcn_submission"]
    target = tmp_path / source.path_for(2024)
    target.parent.mkdir(parents=True)
    target.write_bytes((FILES_DIR / "agency_formula_no_value.xlsx").read_bytes())
    landing_file = find_files(tmp_path, source)[0]
    raw = read_raw(source, landing_file)
    rows = read_grid(target, "xlsx", landing_file.rel_path)
    assert raw.select("sheet", "row_number", "cells", "cell_types").rows() == [
        (r.sheet, r.row_number, list(r.cells), list(r.types)) for r in rows]
    assert raw["read_error"].null_count() == raw.height and set(raw["file_sha256"]) == {landing_file.sha256}
    assert "f" in {t for types in raw["cell_types"] for t in types}


def test_csv_cells_are_counted_while_parsing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(read_limits, "MAX_FILE_CELLS", 10)
    path = _file(tmp_path, "p.csv", PAPI_OK)  # 1 + 3 + 3 + 3 + 3 cells: line 5 passes 10
    with pytest.raises(LimitExceeded, match=r"^p\.csv, line 5: more than 10 cells \(fields\) by this line"):
        read_csv(path, "p.csv")


def test_line_length_counts_characters_not_the_line_break(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(read_limits, "MAX_ROW_CHARS", 20)
    exact = "a" * 20
    path = tmp_path / "crlf.csv"
    path.write_bytes(f"{exact}\r\n{exact}\r\nb,c\r\n".encode())
    assert len(read_csv(path, "crlf.csv")) == 3
    path.write_bytes(f"{exact}\r\n{exact}x\r\nb,c\r\n".encode())
    with pytest.raises(LimitExceeded, match=r"^crlf\.csv, line 2: 21 characters on one line, limit 20"):
        read_csv(path, "crlf.csv")
    path.write_bytes(f"{exact}\nb,c\n{exact}x\n".encode())
    with pytest.raises(LimitExceeded, match=r"^crlf\.csv, line 3: 21 characters on one line, limit 20"):
        read_csv(path, "crlf.csv")


def test_a_quote_left_open_is_named_but_a_closed_multiline_cell_is_read(tmp_path: Path) -> None:
    closed = _file(tmp_path, "c.csv", 'Tiêu đề\nSTT,Tỉnh,Giá trị\n1,"Hà\nNội",6.1\n2,Huế,5\n')
    assert [r.cells for r in read_csv(closed, "c.csv")][2:] == [("1", "Hà\nNội", "6.1"), ("2", "Huế", "5")]
    open_at_end = _file(tmp_path, "o.csv", 'Tiêu đề\nSTT,Tỉnh,Giá trị\n1,Hà Nội,6.1\n2,"Huế,5\n')
    with pytest.raises(GridError, match=r"^o\.csv, line 4: a quoted field that starts on this line is never closed"):
        read_csv(open_at_end, "o.csv")


@pytest.mark.parametrize(("ref", "cells"), [("A1:XFD1048576", 17_179_869_184), ("$A$1:$B$2", 4), ("B2", 1),
                                            ("C3:A1", 9), ("", 0), ("A1:B2:C3", 0), ("nonsense", 0)])
def test_range_cells(ref: str, cells: int) -> None:
    assert range_cells(ref) == cells


def test_sheet_scan_is_exact_across_chunk_boundaries() -> None:
    """A sheet XML of several MiB: references cut by a chunk boundary still count, once each."""
    rows = "".join(f'<row r="{r}"><c r="A{r}" t="n"><v>{r}</v></c><c r="AB{r}"><v>1</v></c></row>'
                   for r in range(1, 80_001))
    xml = f'<worksheet><dimension ref="A1:AB80000"/><sheetData>{rows}</sheetData></worksheet>'
    assert len(xml) > 3 * read_limits.CHUNK
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("s.xml", xml)
    with zipfile.ZipFile(out) as zf:
        scan = scan_sheet(zf, "s.xml")
    assert (scan.declared, scan.max_row, scan.max_col, scan.cells, scan.has_formula) == ("A1:AB80000", 80_000, 28,
                                                                                         160_000, False)
