"""Every file under the landing folder is accounted for: a source's file (read or refused with a reason),
an unrecognised file (quarantined, closest source file suggested), or the sample's notes."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import duckdb
import polars as pl
import pytest

from assets.raw.sources import sync_raw_table
from pii.catalog import load_sources
from pii.ingest.conform import conform_raw, read_raw
from pii.ingest.file_register import landing_register
from pii.ingest.inventory import closest_pattern, quarantine_entries, take_inventory
from pii.ingest.landing import SUPPORTED_YEARS, find_files, landing_paths
from pii.provinces import boundary_for_year, default_registry
from pii.quality.gx_suite import load_suite, suite_path

SOURCES = load_sources()
PAPI = SOURCES["papi"]
CSV = "PAPI {year}\nSTT,Tỉnh/Thành phố,Quản trị môi trường\n1,Hà Nội,6.1\n2,Hải Phòng,5.2\n"


def _put(root: Path, rel: str, text: str | None = None) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CSV.format(year=2024) if text is None else text, encoding="utf-8")


def _found(root: Path) -> list[tuple[str, int, str | None]]:
    return [(f.rel_path, f.data_year, f.error_code if f.error else None) for f in find_files(root, PAPI)]


def test_a_copy_is_unrecognised_with_the_original_suggested(tmp_path: Path) -> None:
    """Defect: `papi_2024 (1).csv` was ignored without a word."""
    _put(tmp_path, "2024/papi/papi_2024.csv")
    _put(tmp_path, "2024/papi/papi_2024 (1).csv", CSV.format(year=2024).replace("6.1", "6.3"))
    inventory = take_inventory(tmp_path, SOURCES.values())
    assert [f.rel_path for f in inventory.matched] == ["2024/papi/papi_2024.csv"]
    [copy] = inventory.unmatched
    assert (copy.rel_path, copy.status, copy.suggestion, copy.suggested_source) == (
        "2024/papi/papi_2024 (1).csv", "unrecognised_file", "2024/papi/papi_2024.csv", "papi")
    assert "2024/papi/papi_2024.csv is present and read, this file is not" in copy.reason
    [entry] = quarantine_entries(inventory)
    assert (entry["reason_code"], entry["file_path"], entry["source_id"], entry["row_number"]) == (
        "unrecognised_file", "2024/papi/papi_2024 (1).csv", None, 0)
    assert entry["reason"].startswith("2024/papi/papi_2024 (1).csv: ") and entry["file_sha256"]


@pytest.mark.parametrize(("rel", "suggestion"), [
    ("2024/vcci/pci_2024.xls", "2024/vcci/pci_2024.xlsx"),  # saved in the old Excel format
    ("2024/agencies/SKHCN 2024.xlsx", "2024/agencies/SKHCN_2024.xlsx"),
    ("2025/papi_2025.csv", "2025/papi/papi_2025.csv"),  # the source's folder left out
    ("papi/papi.csv", "{year}/papi/papi_{year}.csv"),  # no year written: the pattern itself
    (".DS_Store", ""),  # nothing like any source file: no suggestion
])
def test_closest_source_file_is_suggested(rel: str, suggestion: str) -> None:
    found = closest_pattern(rel, SOURCES.values())
    assert (found[0] if found else "") == suggestion


def test_folder_year_and_name_year_must_agree(tmp_path: Path) -> None:
    """Defect: a file under 2024/ named for 2023 counted as 2024."""
    _put(tmp_path, "2024/papi/papi_2023.csv", CSV.format(year=2023))
    _put(tmp_path, "2023/papi/papi_2023.csv", CSV.format(year=2023))
    assert _found(tmp_path) == [("2023/papi/papi_2023.csv", 2023, None),
                                ("2024/papi/papi_2023.csv", 2024, "path_year_mismatch")]
    refused = find_files(tmp_path, PAPI)[1]
    assert refused.error == (
        "2024/papi/papi_2023.csv: the folder says 2024 but the file name says 2023; the pipeline does not guess "
        "which data year is meant — nothing is read. File it as 2024/papi/papi_2024.csv or 2023/papi/papi_2023.csv")
    assert refused.sha256 == ""


def test_two_files_for_one_source_and_year_are_both_refused_naming_each_other(tmp_path: Path) -> None:
    """Defect: two files for one source and year were settled by path order."""
    _put(tmp_path, "2024/papi/papi_2024.csv")
    _put(tmp_path, "2024/PAPI/Papi_2024.CSV", CSV.format(year=2024).replace("6.1", "7.1"))
    found = find_files(tmp_path, PAPI)
    assert [(f.rel_path, f.error_code) for f in found] == [("2024/PAPI/Papi_2024.CSV", "duplicate_file"),
                                                          ("2024/papi/papi_2024.csv", "duplicate_file")]
    assert "also present: 2024/papi/papi_2024.csv (different contents)" in (found[0].error or "")
    assert "also present: 2024/PAPI/Papi_2024.CSV (different contents)" in (found[1].error or "")
    _put(tmp_path, "2024/PAPI/Papi_2024.CSV")  # now a byte-for-byte copy: still refused, said to be identical
    assert all("(identical contents)" in (f.error or "") for f in find_files(tmp_path, PAPI))


def test_names_match_ignoring_letter_case(tmp_path: Path) -> None:
    _put(tmp_path, "2024/Agencies/skhcn_2024.XLSX", "x")
    [found] = find_files(tmp_path, SOURCES["skhcn_submission"])
    assert (found.rel_path, found.data_year, found.error) == ("2024/Agencies/skhcn_2024.XLSX", 2024, None)


@pytest.mark.parametrize("year", [2005, 2014, 2031])
def test_a_year_outside_the_supported_years_is_refused_not_a_crash(tmp_path: Path, year: int) -> None:
    _put(tmp_path, f"{year}/papi/papi_{year}.csv", CSV.format(year=year))
    [found] = find_files(tmp_path, PAPI)
    assert (found.data_year, found.error_code) == (year, "unsupported_year")
    assert f"data year {year} is outside the supported years 2015-2030" in (found.error or "")
    raw = read_raw(PAPI, found)
    result = conform_raw(PAPI, raw, default_registry())  # no adapter runs: no boundary is asked for
    assert [(q["reason_code"], q["row_number"]) for q in result.quarantine] == [("unsupported_year", 0)]
    assert [d["disposition"] for d in result.dispositions] == ["quarantined"] and raw.height == 1


def test_supported_years_have_a_boundary_and_equal_the_staging_year_check() -> None:
    assert SUPPORTED_YEARS[0] == 2015 and SUPPORTED_YEARS[-1] == 2030
    assert {boundary_for_year(y) for y in SUPPORTED_YEARS} == {"p63", "p34"}
    suite = load_suite(suite_path("staging.measure_values"))
    [check] = [e for e in suite.expectations if e.id == "year_plausible"]
    assert (check.kwargs["min_value"], check.kwargs["max_value"]) == (SUPPORTED_YEARS[0], SUPPORTED_YEARS[-1])


def test_links_and_special_entries_are_listed_not_skipped(tmp_path: Path) -> None:
    root = tmp_path / "landing"
    _put(root, "2024/papi/readme.txt", "notes")
    (root / "2023" / "papi").mkdir(parents=True)
    (root / "2023" / "papi" / "papi_2023.csv").symlink_to(root / "missing.csv")  # a broken link
    (root / "2024" / "loop").symlink_to(root, target_is_directory=True)  # must not be walked forever
    assert landing_paths(root) == ["2023/papi/papi_2023.csv", "2024/loop", "2024/papi/readme.txt"]
    [broken] = find_files(root, PAPI)
    assert broken.error_code == "unreadable_file" and "cannot be opened" in (broken.error or "")
    loop = next(u for u in take_inventory(root, SOURCES.values()).unmatched if u.rel_path == "2024/loop")
    assert "a link to a folder it is in (a loop); not followed" in loop.reason


def test_sample_notes_are_listed_not_quarantined(tmp_path: Path) -> None:
    _put(tmp_path, "README.txt", "synthetic")
    _put(tmp_path, "manifest.json", "{}")
    _put(tmp_path, "2024/manifest.json", "{}")  # only at the top of the folder
    inventory = take_inventory(tmp_path, SOURCES.values())
    assert [(u.rel_path, u.status) for u in inventory.unmatched] == [
        ("2024/manifest.json", "unrecognised_file"), ("README.txt", "notes"), ("manifest.json", "notes")]
    assert [q["file_path"] for q in quarantine_entries(inventory)] == ["2024/manifest.json"]


def test_register_lists_every_file_with_its_status(tmp_path: Path) -> None:
    for rel in ("2024/papi/papi_2024.csv", "2024/papi/papi_2024 (1).csv", "2005/papi/papi_2005.csv",
                "2031/dti/dti_2031.csv", "README.txt"):
        _put(tmp_path, rel)
    _put(tmp_path, "2023/papi/papi_2023.csv", CSV.format(year=2023))
    inventory = take_inventory(tmp_path, SOURCES.values(), fingerprint=True)
    read = [f for f in inventory.matched if f.rel_path != "2023/papi/papi_2023.csv"]  # 2023 not loaded yet
    raw = pl.concat([read_raw(SOURCES[f.source_id], f) for f in read])
    quarantine = [q for f in read for q in conform_raw(SOURCES[f.source_id], read_raw(SOURCES[f.source_id], f),
                                                       default_registry()).quarantine]
    register = landing_register(raw, quarantine + quarantine_entries(inventory), inventory)
    rows = {r["file_path"]: r for r in register.to_dicts()}
    assert {p: (r["status"], r["boundary"], r["conformed_ok"]) for p, r in rows.items()} == {
        "2005/papi/papi_2005.csv": ("unsupported_year", None, False),
        "2023/papi/papi_2023.csv": ("not_loaded", "p63", False),
        "2024/papi/papi_2024 (1).csv": ("unrecognised_file", None, False),
        "2024/papi/papi_2024.csv": ("conformed", "p63", True),
        "2031/dti/dti_2031.csv": ("unsupported_year", None, False),
        "README.txt": ("notes", None, False),
    }
    assert rows["2024/papi/papi_2024 (1).csv"]["suggestion"] == "2024/papi/papi_2024.csv"
    assert rows["2024/papi/papi_2024.csv"]["raw_rows"] == 4 and rows["2024/papi/papi_2024.csv"]["reason"] is None
    assert "outside the supported years" in rows["2031/dti/dti_2031.csv"]["reason"]


def test_a_file_refused_later_replaces_its_loaded_rows(tmp_path: Path) -> None:
    """A loaded file that becomes one of a duplicate pair is re-judged, though its own bytes did not change."""
    _put(tmp_path, "2024/papi/papi_2024.csv")
    with duckdb.connect() as con:
        assert sync_raw_table(con, PAPI, find_files(tmp_path, PAPI), "run-1")["added"] == 1
        _put(tmp_path, "2024/papi/PAPI_2024.csv")
        counts = sync_raw_table(con, PAPI, find_files(tmp_path, PAPI), "run-2")
        assert (counts["added"], counts["replaced"]) == (1, 1)
        codes = con.execute("SELECT file_path, read_error_code FROM raw.papi ORDER BY 1").fetchall()
        assert codes == [("2024/papi/PAPI_2024.csv", "duplicate_file"), ("2024/papi/papi_2024.csv", "duplicate_file")]
        again = sync_raw_table(con, PAPI, find_files(tmp_path, PAPI), "run-3")
        assert again["unchanged"] == 2  # refused for the same reason: nothing rewritten
        (tmp_path / "2024/papi/PAPI_2024.csv").unlink()
        sync_raw_table(con, PAPI, find_files(tmp_path, PAPI), "run-4")
        rows = Counter(r[0] for r in con.execute("SELECT read_error_code FROM raw.papi").fetchall())
        assert rows == Counter({None: 4})  # the one file left is read again


def test_a_file_name_that_is_not_utf8_is_listed_with_escapes(tmp_path: Path) -> None:
    """Found by attack: a name with a byte that is not UTF-8 crashed the conformed step on writing the quarantine."""
    _put(tmp_path, "2024/papi/papi_2024.csv")
    (tmp_path / "2024" / "papi").joinpath(os.fsdecode(b"b\xe1o c\xe1o.csv")).write_bytes(b"x")
    inventory = take_inventory(tmp_path, SOURCES.values())
    [odd] = inventory.unmatched
    assert odd.rel_path == "2024/papi/b\\xe1o c\\xe1o.csv" and odd.status == "unrecognised_file"
    assert "the file name is not valid UTF-8" in odd.reason and odd.sha256
    frame = pl.DataFrame(quarantine_entries(inventory))  # the crash was here: polars refuses lone surrogates
    assert frame["file_path"].to_list() == ["2024/papi/b\\xe1o c\\xe1o.csv"]
