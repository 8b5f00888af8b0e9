"""Lineage from the SQL: every asset that runs sql/<schema>/<table>.sql has exactly the upstream assets the file
reads (pii/sql_lineage.py), and the parser finds what a DuckDB statement reads.

Equality, not inclusion: a dep the SQL does not read is an edge that is not lineage (it orders steps and
shows a wrong graph), so the only extra deps allowed are the blocking-check gates listed in
assets/_lineage.py (GATES), each checked to be a gate. The expected deps are computed here from the file
text, independently of the ``sql_deps`` the assets call; only the two declarative tables (GATES, the shared
tables' writers) are shared.
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import dagster as dg
import pytest

from assets._lineage import GATES, table_writers
from pii.paths import SQL_DIR
from pii.sql_lineage import SqlLineageError, file_tables_read, tables_read

SQL_FILES = sorted(SQL_DIR.glob("*/*.sql"))


def _defs() -> dg.Definitions:
    from pipelines.definitions import defs

    return defs


def _name(key: dg.AssetKey) -> str:
    return ".".join(key.path)


def defined_keys(defs: dg.Definitions) -> set[str]:
    """Assets the definitions name, materialized by a step or not (a dep on any other key is a stub)."""
    out: set[str] = set()
    for item in defs.assets or []:
        out.update(_name(k) for k in (item.keys if isinstance(item, dg.AssetsDefinition) else [item.key]))
    return out


def lineage_problems(
    defs: dg.Definitions, sql_dir: Path, writers: Mapping[str, tuple[str, ...]],
    gates: Mapping[str, Mapping[str, str]],
) -> list[str]:
    """Each disagreement between the SQL files under ``sql_dir`` and the deps of the assets running them."""
    graph = defs.resolve_asset_graph()
    keys = defined_keys(defs)
    problems = []
    for path in sorted(sql_dir.glob("*/*.sql")):
        table = f"{path.parent.name}.{path.stem}"
        if table not in keys:
            problems.append(f"{table}: no asset runs {path.name}")
            continue
        expected = set(gates.get(table, {}))
        for read in tables_read(path.read_text(encoding="utf-8")):
            if read != table:
                expected.update(writers.get(read, (read,)))
        declared = {_name(k) for k in graph.get(dg.AssetKey(table.split("."))).parent_keys}
        if undeclared := sorted(expected - declared):
            problems.append(f"{table}: the SQL reads {undeclared}, not declared as deps")
        if extra := sorted(declared - expected):
            problems.append(f"{table}: deps {extra} are not read by the SQL (and are not a gate in GATES)")
        if unknown := sorted(expected - keys):
            problems.append(f"{table}: reads {unknown}, which is no asset of the definitions")
    return problems


# --- the real definitions ---------------------------------------------------------------------------------------

def test_every_sql_asset_declares_exactly_the_tables_its_sql_reads() -> None:
    assert len(SQL_FILES) >= 16
    assert lineage_problems(_defs(), SQL_DIR, table_writers(), GATES) == []


@pytest.mark.parametrize(("table", "dep"), [
    ("core.indicator_values", "meta.framework_formula_terms"),
    ("staging.reconciliation", "staging.measure_observations"),
    ("core.pii_input", "meta.provinces"),
    ("staging.cross_checks", "staging.measure_observations"),
])
def test_the_disagreements_issue_11_found_are_fixed(table: str, dep: str) -> None:
    parents = _defs().resolve_asset_graph().get(dg.AssetKey(table.split("."))).parent_keys
    assert dg.AssetKey(dep.split(".")) in parents


def test_gates_are_blocking_checks_the_sql_does_not_read() -> None:
    graph = _defs().resolve_asset_graph()
    for table, gate_deps in GATES.items():
        schema, name = table.split(".")
        reads = file_tables_read(SQL_DIR / schema / f"{name}.sql")
        for gate, why in gate_deps.items():
            assert gate not in reads, f"{gate} is read by {table}'s SQL: an ordinary dep, not a gate"
            gate_key = dg.AssetKey(gate.split("."))
            blocking = [c for c in graph.asset_check_keys
                        if c.asset_key == gate_key and graph.get_check_spec(c).blocking]
            assert blocking, f"{gate} has no blocking check, so it gates nothing for {table}"
            assert why.strip()


def test_shared_tables_have_no_asset_of_their_own_and_existing_writers() -> None:
    keys = defined_keys(_defs())
    for table, writers in table_writers().items():
        assert table not in keys, f"{table} is an asset: map it to its own key"
        assert writers and set(writers) <= keys, (table, writers)


def _sql_strings(fn: Callable[..., object]) -> list[str]:
    """String literals in ``fn``'s body; in an f-string, a name of a module-level str constant is filled in."""
    module = sys.modules[fn.__module__]
    out = []
    for node in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(fn)))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.append(node.value)
        elif isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                if isinstance(value, ast.Constant):
                    parts.append(str(value.value))
                elif isinstance(value.value, ast.Name) and isinstance(getattr(module, value.value.id, None), str):
                    parts.append(getattr(module, value.value.id))
                else:
                    parts.append("unresolved_")  # such a table name is skipped below
            out.append("".join(parts))
    return [s for s in out if "SELECT" in s.upper() and "FROM" in s.upper()]


def test_inline_sql_in_asset_bodies_reads_only_upstream_tables() -> None:
    """SQL written in an asset's own function (mostly its checks' queries) reads the asset itself or a table
    materialized before it (an ancestor: a check query orders the step, it is not the table's lineage).
    SQL in helpers those functions call (pii/, assets/_inputs.py, …) is not seen here."""
    defs = _defs()
    graph = defs.resolve_asset_graph()
    keys = {_name(k) for k in graph.get_all_asset_keys()}
    seen = 0
    problems = []
    for asset in defs.assets or []:
        if not isinstance(asset, dg.AssetsDefinition) or not asset.is_executable:
            continue
        own = {_name(k) for k in asset.keys}
        before = own | {_name(a) for k in asset.keys for a in graph.upstream_key_iterator(k)}
        for text in _sql_strings(asset.op.compute_fn.decorated_fn):
            try:
                reads = tables_read(text)
            except SqlLineageError:
                continue  # a fragment, not a statement
            for table in reads:
                if "unresolved_" in table or table not in keys:
                    continue
                seen += 1
                if table not in before:
                    problems.append(f"{sorted(own)[0]} reads {table}, which is not upstream of it")
    assert seen >= 10  # the scan found the checks' queries
    assert problems == []


# --- the check itself fails on an undeclared table (a small graph and SQL folder) ------------------------------

def _defs_with(deps_of_indicator_values: list[str]) -> dg.Definitions:
    specs = [dg.AssetSpec(["meta", "provinces"]), dg.AssetSpec(["meta", "framework_formula_terms"]),
             dg.AssetSpec(["core", "indicator_values"], deps=[d.split(".") for d in deps_of_indicator_values])]

    @dg.multi_asset(specs=specs)
    def tables():  # never run: only the graph is read
        raise NotImplementedError

    return dg.Definitions(assets=[tables])


@pytest.fixture
def small_sql(tmp_path: Path) -> Path:
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "indicator_values.sql").write_text(
        "CREATE OR REPLACE TABLE core.indicator_values AS\n"
        "WITH grid AS (SELECT * FROM meta.provinces)\n"
        "SELECT g.*, t.role FROM grid g JOIN meta.framework_formula_terms t USING (province_code);\n",
        encoding="utf-8")
    return tmp_path


def test_lineage_check_passes_when_deps_equal_the_sql(small_sql: Path) -> None:
    defs = _defs_with(["meta.provinces", "meta.framework_formula_terms"])
    assert lineage_problems(defs, small_sql, {}, {}) == []


def test_lineage_check_fails_on_an_undeclared_table(small_sql: Path) -> None:
    defs = _defs_with(["meta.provinces"])  # the bug issue 11 found: formula terms read, not declared
    assert lineage_problems(defs, small_sql, {}, {}) == [
        "core.indicator_values: the SQL reads ['meta.framework_formula_terms'], not declared as deps"]


def test_lineage_check_fails_on_a_dep_the_sql_does_not_read_and_on_a_table_no_asset_writes(small_sql: Path) -> None:
    (small_sql / "core" / "indicator_values.sql").write_text(
        "CREATE OR REPLACE TABLE core.indicator_values AS SELECT * FROM meta.provinces JOIN staging.gone USING (k)",
        encoding="utf-8")
    defs = _defs_with(["meta.provinces", "meta.framework_formula_terms", "staging.gone"])
    problems = lineage_problems(defs, small_sql, {}, {})
    assert problems == [
        "core.indicator_values: deps ['meta.framework_formula_terms'] are not read by the SQL (and are not a gate "
        "in GATES)",
        "core.indicator_values: reads ['staging.gone'], which is no asset of the definitions",
    ]
    # A gate makes the extra dep expected; a shared table maps to the assets writing it.
    defs = _defs_with(["meta.provinces", "meta.framework_formula_terms"])
    assert lineage_problems(defs, small_sql, {"staging.gone": ("meta.provinces",)},
                            {"core.indicator_values": {"meta.framework_formula_terms": "why"}}) == []


def test_lineage_check_fails_on_a_sql_file_without_an_asset(small_sql: Path) -> None:
    (small_sql / "core" / "orphan.sql").write_text("CREATE TABLE core.orphan AS SELECT 1", encoding="utf-8")
    defs = _defs_with(["meta.provinces", "meta.framework_formula_terms"])
    assert lineage_problems(defs, small_sql, {}, {}) == ["core.orphan: no asset runs orphan.sql"]


# --- the parser ---------------------------------------------------------------------------------------------------

def test_ctes_are_not_tables_but_what_they_read_is() -> None:
    sql = """
        WITH a AS (SELECT * FROM staging.measure_values),
             b AS (SELECT * FROM a JOIN meta.provinces p USING (province_code))
        SELECT * FROM b JOIN a USING (province_code)
    """
    assert tables_read(sql) == ("meta.provinces", "staging.measure_values")


def test_subqueries_joins_and_set_operations() -> None:
    sql = """
        SELECT v.*, (SELECT max(year) FROM meta.framework_indicators) AS latest
        FROM core.indicator_values v
        LEFT JOIN (SELECT * FROM meta.provinces WHERE boundary = ?) p USING (province_code)
        WHERE v.indicator_code IN (SELECT indicator_code FROM meta.framework_formula_terms)
          AND EXISTS (SELECT 1 FROM staging.measure_values s WHERE s.province_code = v.province_code)
        UNION ALL SELECT * FROM core.indicator_values ANTI JOIN pii.scores USING (province_code)
    """
    assert tables_read(sql) == ("core.indicator_values", "meta.framework_formula_terms", "meta.framework_indicators",
                                "meta.provinces", "pii.scores", "staging.measure_values")


def test_created_and_written_tables_are_not_reads() -> None:
    assert tables_read("CREATE OR REPLACE TABLE core.pii_input AS SELECT * FROM core.indicator_values") == (
        "core.indicator_values",)
    assert tables_read("CREATE OR REPLACE VIEW analyst.scores AS SELECT * FROM pii.scores") == ("pii.scores",)
    assert tables_read("CREATE TABLE IF NOT EXISTS meta.dq_results (run_id VARCHAR)") == ()
    assert tables_read("INSERT INTO meta.dq_results SELECT * FROM staging.reconciliation") == (
        "staging.reconciliation",)
    assert tables_read("DELETE FROM raw.papi WHERE file_path IN (SELECT file_path FROM meta.file_versions)") == (
        "meta.file_versions",)
    assert tables_read("DROP TABLE IF EXISTS staging.old; COPY raw.papi FROM 'papi.csv'") == ()
    assert tables_read("COPY core.pii_input TO 'pii_input.csv'") == ("core.pii_input",)  # an export reads
    # A table an earlier statement created is internal; one a statement both reads and writes is read.
    assert tables_read("CREATE TEMP TABLE t AS SELECT * FROM meta.provinces; SELECT * FROM t") == ("meta.provinces",)
    assert tables_read("INSERT INTO meta.log SELECT * FROM meta.log") == ("meta.log",)


def test_table_functions_files_and_system_catalogs_are_not_tables() -> None:
    sql = """
        SELECT * FROM read_csv('reference/provinces.csv') r
        JOIN read_parquet(?) q USING (k) JOIN 'landing/x.csv' f USING (k) JOIN range(3) n ON true
        JOIN information_schema.tables i ON i.table_name = r.k
        JOIN meta.provinces p USING (province_code)
    """
    assert tables_read(sql) == ("meta.provinces",)


def test_names_are_normalised_and_unqualified_names_are_kept() -> None:
    assert tables_read("SELECT * FROM Meta.Provinces JOIN warehouse.core.pii_input USING (k)") == (
        "core.pii_input", "meta.provinces")
    assert tables_read("SELECT * FROM _frame") == ("_frame",)  # a registered frame: no asset can be upstream


def test_duckdb_syntax_and_parameters_parse() -> None:
    sql = """
        CREATE OR REPLACE TABLE core.pii_input AS
        WITH wide AS (PIVOT (SELECT * FROM core.indicator_values) ON column_name USING first(value)
                      GROUP BY framework_year)
        FROM wide w SELECT w.* EXCLUDE (framework_year), $limit AS lim
        QUALIFY row_number() OVER (PARTITION BY 1 ORDER BY 1) = 1
    """
    assert tables_read(sql) == ("core.indicator_values",)


def test_a_parse_error_is_reported_with_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sql"
    bad.write_text("SELECT FROM WHERE (", encoding="utf-8")
    with pytest.raises(SqlLineageError, match=r"bad\.sql"):
        file_tables_read(bad)


def test_every_sql_file_parses_deterministically() -> None:
    for path in SQL_FILES:
        text = path.read_text(encoding="utf-8")
        first = tables_read(text)
        assert first and first == tables_read(text) == tuple(sorted(set(first))), path
