"""The filter language of microdata measures: what it accepts, how it renders, what it refuses (and why)."""

import duckdb
import pytest

from pii.ingest.microdata_filter import FilterError, parse_filter

COLUMNS = {"tuoi": "number", "co_viec_lam": "number", "nganh_vsic": "text", "tinh_trang": "number"}


@pytest.mark.parametrize(("text", "sql"), [
    ("co_viec_lam = 1 AND tuoi >= 15", '(("co_viec_lam" = 1) AND ("tuoi" >= 15))'),
    ("tinh_trang = 1 and prefix(nganh_vsic, 2) between '69' and '75'",
     "((\"tinh_trang\" = 1) AND (left(\"nganh_vsic\", 2) BETWEEN '69' AND '75'))"),
    ("NOT (tuoi < 15 OR tuoi IN (1, 2.5))", '(NOT ((("tuoi" < 15) OR ("tuoi" IN (1, 2.5)))))'),
    ("nganh_vsic NOT IN ('a''b', 'c')", "(\"nganh_vsic\" NOT IN ('a''b', 'c'))"),
    ("tuoi != 3", '("tuoi" <> 3)'),
    ("left(nganh_vsic, 1) = 'M' OR tuoi NOT BETWEEN -1 AND 2",
     "((left(\"nganh_vsic\", 1) = 'M') OR (\"tuoi\" NOT BETWEEN -1 AND 2))"),
])
def test_rendered_with_quoted_identifiers(text: str, sql: str) -> None:
    assert parse_filter(text, COLUMNS).sql == sql


def test_columns_read_are_listed_once_in_order() -> None:
    assert parse_filter("tuoi >= 15 AND co_viec_lam = 1 AND tuoi < 65", COLUMNS).columns == ("tuoi", "co_viec_lam")


@pytest.mark.parametrize(("text", "message"), [
    ("tuoi >= 15; DROP TABLE x", "unexpected character ';'"),
    ("tuoi >= 15 -- comment", "unexpected character '-'"),
    ("foo = 1", "unknown column 'foo' (declared columns: co_viec_lam, nganh_vsic, tinh_trang, tuoi)"),
    ("tuoi = '15'", "compares a number with a text"),
    ("nganh_vsic BETWEEN 69 AND 75", "compares a text with a number"),
    ("tuoi", "expected a comparison"),
    ("upper(nganh_vsic) = 'A'", "unknown function 'upper'"),
    ("prefix(tuoi, 2) = '1'", "takes a text column"),
    ("prefix(nganh_vsic, 0) = '1'", "whole number ≥ 1"),
    ("(tuoi > 1", "expected ')'"),
    ("tuoi > 1 tuoi", "unexpected 'tuoi'"),
    ("", "non-empty"),
    ('"tuoi" > 1', "unexpected character '\"'"),
])
def test_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(FilterError, match=None) as err:
        parse_filter(text, COLUMNS)
    assert message in str(err.value)


def test_the_sql_runs_in_duckdb() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (tuoi DOUBLE, co_viec_lam DOUBLE, nganh_vsic VARCHAR, tinh_trang DOUBLE)")
    con.execute("INSERT INTO t VALUES (30, 1, '70100', 1), (14, 1, '70100', 1), (40, 0, '47110', 1), (50, 1, '69', 2)")
    f = parse_filter("tinh_trang = 1 AND prefix(nganh_vsic, 2) BETWEEN '69' AND '75' AND tuoi >= 15", COLUMNS)
    assert con.execute(f"SELECT count(*) FROM t WHERE {f.sql}").fetchall() == [(1,)]
