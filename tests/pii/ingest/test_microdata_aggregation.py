"""Microdata aggregation in SQL (pii/ingest/microdata.py) on raw tables built by hand: every aggregation
against a hand-computed value, filters, weights, bad values quarantined per row, row conservation."""

import dataclasses

import duckdb
import pytest

from pii.catalog import Source, load_measures, revalidated
from pii.ingest.microdata import conform_microdata, remove_files, store_microdata
from pii.provinces import ProvinceRegistry

FILE = "2024/gso/lfs_2024.csv"
COLUMNS = {"ma_ho": "text", "stt_nguoi": "text", "ma_tinh": "text",
           "tuoi": {"type": "number", "min": 0, "max": 120}, "co_viec_lam": {"type": "number", "min": 0, "max": 1},
           "trinh_do_cmkt": {"type": "number", "min": 0, "max": 6}, "quyen_so": "number"}
# (row, household, person, province, age, employed, training level, weight)
ROWS = [
    (1, None, None, None, None, None, None, None),  # the CSV header, as the loader stores it
    (2, "h1", "1", "01", "30", "1", "2", "100"),
    (3, "h1", "2", "01", "40", "1", "0", "300"),
    (4, "h2", "1", "1", "12", "1", "5", "50"),     # '1' is Hà Nội too; under 15: outside the filter
    (5, "h3", "1", "Hải Phòng", "25", "1", "4", "200"),
    (6, "h3", "2", "31", "60", "0", "6", "80"),     # not employed
]
REGISTRY = ProvinceRegistry.load()


def source(measures: dict, weight: str | None = "quyen_so") -> Source:
    codes = {m: "labour_force_survey" for m in measures}
    catalog = {k: dataclasses.replace(v, source_id=codes.get(k, v.source_id)) for k, v in load_measures().items()}
    spec = {"province_column": "ma_tinh", "record_id_columns": ["ma_ho", "stt_nguoi"], "columns": COLUMNS,
            "measures": measures, **({"weight_column": weight} if weight else {})}
    src = revalidated(Source("labour_force_survey", "microdata", "GSO", "LFS", "csv", "{year}/gso/lfs_{year}.csv",
                             spec), catalog)
    assert src.spec_error is None, src.spec_error
    return src


def raw(rows: list[tuple], read_error: str | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for schema in ("raw", "staging", "quarantine", "meta"):
        con.execute(f"CREATE SCHEMA {schema}")
    con.execute("""CREATE TABLE raw.labour_force_survey (source_id VARCHAR, data_year INTEGER, file_path VARCHAR,
        file_sha256 VARCHAR, row_number BIGINT, ma_ho VARCHAR, stt_nguoi VARCHAR, ma_tinh VARCHAR, tuoi VARCHAR,
        co_viec_lam VARCHAR, trinh_do_cmkt VARCHAR, quyen_so VARCHAR, read_error VARCHAR, read_error_code VARCHAR)""")
    con.executemany("INSERT INTO raw.labour_force_survey VALUES ('labour_force_survey', 2024, ?, 'ab', "
                    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [[FILE, *r, read_error, "unreadable_file" if read_error else None] for r in rows])
    return con


def values(con: duckdb.DuckDBPyConnection, measure: str) -> dict[str, float]:
    return dict(con.execute("SELECT province_code, value FROM _md_observations WHERE measure_code = ?",
                            [measure]).fetchall())


@pytest.mark.parametrize(("rule", "expected_01", "expected_31"), [
    ({"aggregation": "count"}, 3.0, 2.0),
    ({"aggregation": "count", "filter": "co_viec_lam = 1 AND tuoi >= 15"}, 2.0, 1.0),
    ({"aggregation": "weighted_count", "filter": "co_viec_lam = 1"}, 450.0, 200.0),
    ({"aggregation": "sum", "value": "tuoi"}, 82.0, 85.0),
    ({"aggregation": "weighted_sum", "value": "tuoi", "filter": "tuoi >= 15", "scale": 0.001}, 30.0 * 0.1 + 40 * 0.3,
     25 * 0.2 + 60 * 0.08),
    ({"aggregation": "weighted_share", "filter": "co_viec_lam = 1 AND tuoi >= 15", "share_filter": "trinh_do_cmkt >= 1",
      "scale": 100}, 25.0, 100.0),
    ({"aggregation": "ratio_of_sums", "numerator": "trinh_do_cmkt", "denominator": "tuoi"},
     (100 * 2 + 300 * 0 + 50 * 5) / (100 * 30 + 300 * 40 + 50 * 12), (200 * 4 + 80 * 6) / (200 * 25 + 80 * 60)),
])
def test_each_aggregation_matches_the_hand_computed_value(rule: dict, expected_01: float, expected_31: float) -> None:
    con = raw(ROWS)
    conform_microdata(con, source({"trained_labour_share": rule}), REGISTRY)
    got = values(con, "trained_labour_share")
    assert got["01"] == pytest.approx(expected_01, rel=1e-12)
    assert got["31"] == pytest.approx(expected_31, rel=1e-12)
    additive = rule["aggregation"] in ("count", "weighted_count", "sum", "weighted_sum")
    assert ("02" in got) == additive and len(got) == (63 if additive else 2)  # zero counts; no share of nothing
    if additive:
        assert got["02"] == 0.0


def test_unweighted_ratio_and_evidence() -> None:
    con = raw(ROWS)
    rule = {"aggregation": "ratio_of_sums", "numerator": "trinh_do_cmkt", "denominator": "tuoi", "filter": "tuoi >= 15"}
    conform_microdata(con, source({"trained_labour_share": rule}, weight=None), REGISTRY)
    assert values(con, "trained_labour_share")["01"] == pytest.approx(2 / 70)
    ((ref, evidence, sheet, row),) = con.execute("SELECT DISTINCT column_ref, evidence, sheet, row_number "
                                                 "FROM _md_observations").fetchall()
    assert (ref, sheet, row) == ("tuoi,trinh_do_cmkt", "", 0)
    assert evidence == "microdata ratio_of_sums: Σ trinh_do_cmkt / Σ tuoi, over records where tuoi >= 15"


SHARE = {"trained_labour_share": {"aggregation": "weighted_share", "filter": "co_viec_lam = 1 AND tuoi >= 15",
                                  "share_filter": "trinh_do_cmkt >= 1", "scale": 100}}


def test_bad_values_are_quarantined_per_row_and_excluded() -> None:
    bad = [
        (7, "h4", "1", "01", "KXĐ", "1", "0", "100"),     # age not a number
        (8, "h4", "2", "01", "30", "1", "0", "-5"),       # negative weight
        (9, "h4", "3", "99", "30", "1", "0", "100"),      # unknown province code
        (10, "h4", "4", "Hà Nọi", "30", "1", "0", "100"),  # misspelt name: suggestions
        (11, "h4", "5", "01", "30", "1", "9", "100"),     # training level above its maximum
        (12, "h4", "6", "01", "", "1", "0", "100"),       # age missing
        (13, "h1", "2", "01", "40", "1", "0", "300"),     # repeats row 3: counted once
        (14, "h5", "1", "01", "40", "1", "0", "300"),     # h5/1 twice with different values: neither counts
        (15, "h5", "1", "01", "41", "1", "0", "300"),
    ]
    con = raw(ROWS + bad)
    outcome = conform_microdata(con, source(SHARE), REGISTRY)
    assert values(con, "trained_labour_share")["01"] == pytest.approx(25.0)  # as without the bad rows
    held = con.execute("SELECT row_number, column_ref, raw_value, reason_code, reason, suggestions FROM _md_quarantine "
                       "ORDER BY row_number, column_ref").fetchall()
    codes = [(r[0], r[1], r[3]) for r in held]
    assert codes == [(7, "tuoi", "not_a_number"), (8, "quyen_so", "out_of_range"),
                     (9, "ma_tinh", "unknown_province_code"), (10, "ma_tinh", "unknown_province"),
                     (11, "trinh_do_cmkt", "out_of_range"), (12, "tuoi", "missing_value"),
                     (13, "ma_ho, stt_nguoi", "duplicate_row"), (14, "ma_ho, stt_nguoi", "conflicting_duplicate"),
                     (15, "ma_ho, stt_nguoi", "conflicting_duplicate")]
    reasons = {r[0]: r[4] for r in held}
    assert reasons[7] == f"{FILE}, row 7, column tuoi: 'KXĐ' is not a number"
    assert reasons[8] == f"{FILE}, row 8, column quyen_so: -5 is below the minimum 0"
    assert reasons[11] == f"{FILE}, row 11, column trinh_do_cmkt: 9 is above the maximum 6"
    assert reasons[13].endswith("record h1, 2 repeats row 3 with the same values; counted once (row 3)")
    assert "rows 14, 15 with different values" in reasons[14]
    assert held[3][5].startswith("Hà Nội")
    # one disposition per row: counted (5 persons), structural (the header) or quarantined (9)
    assert (outcome.rows, outcome.counted) == (15, 5)
    assert con.execute("SELECT disposition, count(*) FROM _md_dispositions GROUP BY 1 ORDER BY 1").fetchall() == [
        ("quarantined", 9), ("structural", 1)]
    assert con.execute("SELECT disposition, rows FROM _md_disposition_counts").fetchall() == [("counted", 5)]


def test_an_unreadable_file_is_one_file_level_entry() -> None:
    con = raw([(0, None, None, None, None, None, None, None)], read_error=f"{FILE}, line 7: unterminated quote")
    outcome = conform_microdata(con, source(SHARE), REGISTRY)
    assert (outcome.observations, outcome.counted) == (0, 0)
    assert con.execute("SELECT reason_code, reason FROM _md_quarantine").fetchall() == [
        ("unreadable_file", f"{FILE}, line 7: unterminated quote")]
    assert con.execute("SELECT row_number, disposition FROM _md_dispositions").fetchall() == [(0, "quarantined")]


def test_a_disabled_source_rejects_its_files_without_reading_them() -> None:
    con = raw(ROWS)
    src = dataclasses.replace(source(SHARE), spec_error="sources.yaml: source 'labour_force_survey': broken")
    conform_microdata(con, src, REGISTRY)
    assert con.execute("SELECT reason_code FROM _md_quarantine").fetchall() == [("invalid_source_spec",)]
    assert con.execute("SELECT disposition, rows FROM _md_disposition_counts").fetchall() == [("quarantined", 6)]


def test_store_replaces_only_the_changed_files_rows() -> None:
    con = raw(ROWS)
    src = source(SHARE)
    conform_microdata(con, src, REGISTRY)
    store_microdata(con, src)
    con.execute("INSERT INTO raw.labour_force_survey SELECT * REPLACE ('2023/gso/lfs_2023.csv' AS file_path, "
                "2023 AS data_year) FROM raw.labour_force_survey")
    conform_microdata(con, src, REGISTRY, file_paths=["2023/gso/lfs_2023.csv"])
    store_microdata(con, src, file_paths=["2023/gso/lfs_2023.csv"])
    by_year = con.execute("SELECT year, count(*) FROM staging.microdata_observations GROUP BY 1 ORDER BY 1")
    assert by_year.fetchall() == [(2023, 2), (2024, 2)]
    remove_files(con, src, [FILE])  # the file left the landing folder
    files = con.execute("SELECT DISTINCT file_path FROM meta.disposition_counts").fetchall()
    assert files == [("2023/gso/lfs_2023.csv",)]
