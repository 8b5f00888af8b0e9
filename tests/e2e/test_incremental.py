"""Re-ingesting an unchanged file changes nothing; a corrected file replaces its rows; meta keeps the history."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from assets.raw.sources import sync_raw_table
from pii.catalog import load_sources
from pii.ingest.landing import find_files


def test_unchanged_files_are_skipped_and_corrections_replace_rows(landing: Path, tmp_path: Path) -> None:
    source = load_sources()["papi"]
    work = tmp_path / "landing"
    shutil.copytree(landing, work)
    con = duckdb.connect(str(tmp_path / "build.duckdb"))
    try:
        first = sync_raw_table(con, source, find_files(work, source), "run-1")
        assert first == {"added": 4, "replaced": 0, "removed": 0, "unchanged": 0}
        before = con.execute("SELECT * FROM raw.papi").fetchall()

        again = sync_raw_table(con, source, find_files(work, source), "run-2")
        assert again == {"added": 0, "replaced": 0, "removed": 0, "unchanged": 4}
        assert con.execute("SELECT * FROM raw.papi").fetchall() == before
        assert con.execute("SELECT count(*) FROM meta.file_versions").fetchall()[0][0] == 4

        corrected = work / "2024" / "papi" / "papi_2024.csv"
        old_sha = con.execute("SELECT DISTINCT file_sha256 FROM raw.papi WHERE file_path = '2024/papi/papi_2024.csv'"
                              ).fetchall()[0][0]
        text = corrected.read_text(encoding="utf-8-sig").splitlines()
        text[2] = text[2] + ""  # same row count; change one value below
        cells = text[2].split(",")
        cells[-1] = "9.99"
        text[2] = ",".join(cells)
        corrected.write_text("\ufeff" + "\n".join(text) + "\n", encoding="utf-8")
        third = sync_raw_table(con, source, find_files(work, source), "run-3")
        assert third == {"added": 0, "replaced": 1, "removed": 0, "unchanged": 3}
        history = con.execute("""
            SELECT event, superseded_sha256, run_id FROM meta.file_versions
            WHERE file_path = '2024/papi/papi_2024.csv' ORDER BY recorded_at
        """).fetchall()
        assert [h[0] for h in history] == ["added", "replaced"]
        assert history[1][1] == old_sha and history[1][2] == "run-3"
        rows = con.execute("SELECT DISTINCT file_sha256 FROM raw.papi WHERE file_path = '2024/papi/papi_2024.csv'"
                           ).fetchall()
        assert len(rows) == 1 and rows[0][0] != old_sha  # old rows gone, in the same transaction
        assert "9.99" in con.execute("SELECT cells FROM raw.papi WHERE file_path = '2024/papi/papi_2024.csv' "
                                     "AND row_number = 3").fetchall()[0][0]

        (work / "2022" / "papi" / "papi_2022.csv").unlink()
        fourth = sync_raw_table(con, source, find_files(work, source), "run-4")
        assert fourth["removed"] == 1
        assert con.execute("SELECT count(*) FROM raw.papi WHERE file_path LIKE '2022/%'").fetchall()[0][0] == 0
    finally:
        con.close()
