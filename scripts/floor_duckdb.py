"""The floor: staging.measure_values computed straight from the landing files with DuckDB (+ fastexcel).

    .venv/bin/python scripts/floor_duckdb.py --landing DIR --out FILE.parquet

What one person would write to get the same numbers as `pii materialize` puts in staging.measure_values,
with no lineage, no quarantine, no checks: CSV and Parquet files (survey indices, record lists, microdata) are
read and aggregated by DuckDB SQL; workbooks (yearbook, PCI, agency submissions, the S&T registry) are read with
fastexcel (DuckDB's excel extension would be a run-time download) and their few cells are unpivoted in SQL.
It follows reference/sources.yaml and reference/measures.csv (per source kind, see scripts/_floor_common.py),
applies the pipeline's value rules that change numbers on clean files — yearbook scale, newest edition then
final over preliminary, PCI fraction columns × 100, cross-check columns only where the primary source has no
value, repeated rows counted once and conflicting repeats dropped, record lists counted per province with zeros
— and nothing else (no number-convention detection, units typed in cells, range quarantine …).
Output columns: province_code, boundary, year, measure_code, value.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import duckdb
import fastexcel
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _floor_common import (
    OUTPUT_COLUMNS,
    Provinces,
    SourceFiles,
    boundary_for,
    filter_sql,
    fold,
    load_measures,
    load_sources,
    shift,
)

OBS = """CREATE TEMP TABLE obs (province_code VARCHAR, boundary VARCHAR, year INTEGER, measure_code VARCHAR,
    value DOUBLE, priority INTEGER, edition INTEGER, preliminary BOOLEAN, file VARCHAR, ord BIGINT)"""


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


class Floor:
    def __init__(self, landing: Path) -> None:
        self.landing = landing
        self.con = duckdb.connect()
        self.con.execute(OBS)
        self.cells: list[tuple] = []  # workbook observations, inserted into obs in one batch
        self.prov = Provinces()
        self.measures = load_measures()
        rows = [(b, c) for b, codes in self.prov.codes.items() for c in sorted(codes)]
        self.table("provinces", ["boundary", "code"], rows)

    # -- helpers ---------------------------------------------------------------------------------------
    def add(self, rows: list[tuple]) -> None:
        self.cells.extend(rows)

    def table(self, name: str, columns: list[str], rows: list, types: list | None = None) -> None:
        """A small Python-built table (VARCHAR columns unless ``types``) as a DuckDB temp table."""
        types = types or [pa.string()] * len(columns)
        data = pa.table({c: pa.array([r[i] for r in rows], type=t) for i, (c, t) in enumerate(zip(columns, types,
                                                                                                   strict=True))})
        self.con.register("_arrow", data)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _arrow")
        self.con.unregister("_arrow")

    def name_map(self, table: str, names: list[str], year: int) -> None:
        self.table(table, ["name", "code"], self.prov.mapping(names, year))

    @staticmethod
    def grid(path: Path, sheet_hint: str) -> list[list[str | None]] | None:
        reader = fastexcel.read_excel(str(path))
        names = {fold(n): n for n in reader.sheet_names}
        if fold(sheet_hint) not in names:
            return None
        sheet = reader.load_sheet(names[fold(sheet_hint)], header_row=None, dtypes="string", skip_rows=0)
        cols = sheet.to_arrow().to_pydict()
        return [list(r) for r in zip(*cols.values(), strict=True)] if cols else []

    @staticmethod
    def header(grid: list[list[str | None]], label: str) -> int | None:
        for i, row in enumerate(grid):
            if any(c is not None and fold(label) in fold(c) for c in row):
                return i
        return None

    # -- kinds -----------------------------------------------------------------------------------------
    def yearbook(self, src: SourceFiles) -> None:
        spec = src.spec
        for edition, path in src.files:
            boundary = boundary_for(edition)
            for table in spec.get("tables", []):
                grid = self.grid(path, table["sheet"])
                h = None if grid is None else self.header(grid, spec.get("header_row_contains", ""))
                if h is None:
                    continue
                year_cols = []
                for j, label in enumerate(grid[h][1:], start=1):
                    text = (label or "").strip()
                    prelim = fold(text).startswith("so bo")
                    digits = text.split()[-1] if text else ""
                    if digits.isdigit():
                        year_cols.append((j, int(digits), prelim))
                rows = []
                for i, row in enumerate(grid[h + 1:], start=h + 2):
                    code = self.prov.code(row[0], edition)
                    if code is None:
                        continue
                    for j, year, prelim in year_cols:
                        cell = row[j] if j < len(row) else None
                        value = shift(cell, table.get("scale", 1)) if cell is not None else float("nan")
                        if value == value:
                            rows.append((code, boundary, year, table["measure"], value, 1, edition, prelim,
                                         str(path), i))
                self.add(rows)

    def survey_index(self, src: SourceFiles) -> None:
        spec = src.spec
        for year, path in src.files:
            p = lit(str(path))
            names = [r[0] for r in self.con.execute(
                f"SELECT DISTINCT {q(spec['province_column'])} FROM read_csv({p}, skip=1, header=true, "
                "all_varchar=true, delim=',', quote='\"')").fetchall()]
            self.name_map("pm", names, year)
            for label, measure in spec.get("columns", {}).items():
                self.con.execute(f"""
                    INSERT INTO obs
                    SELECT pm.code, {lit(boundary_for(year))}, {year}, {lit(measure)},
                           TRY_CAST(trim(c.{q(label)}) AS DOUBLE), 1, {year}, false, {p}, row_number() OVER ()
                    FROM read_csv({p}, skip=1, header=true, all_varchar=true, delim=',', quote='"') c
                    JOIN pm ON pm.name = c.{q(spec['province_column'])}
                    WHERE TRY_CAST(trim(c.{q(label)}) AS DOUBLE) IS NOT NULL""")

    def survey_workbook(self, src: SourceFiles) -> None:
        spec = src.spec
        for year, path in src.files:
            boundary = boundary_for(year)
            for sheet_spec in spec.get("sheets", []):
                prov_label = sheet_spec.get("province_column", spec.get("province_column"))
                grid = self.grid(path, sheet_spec["sheet"])
                h = None if grid is None else self.header(grid, prov_label)
                if h is None:
                    continue
                labels = {fold(c): j for j, c in enumerate(grid[h]) if c is not None}
                pcol = labels[fold(prov_label)]
                for label, col in sheet_spec.get("columns", {}).items():
                    measure, cross, percent = (col["measure"], col.get("role") == "cross_check",
                                               col.get("percent", "auto")) if isinstance(col, dict) \
                        else (col, False, "auto")
                    j = labels.get(fold(label))
                    if j is None:
                        continue
                    cells = []
                    for i, row in enumerate(grid[h + 1:], start=h + 2):
                        code = self.prov.code(row[pcol], year)
                        text = row[j] if j < len(row) else None
                        if code is None or text is None or shift(text, 1) != shift(text, 1):
                            continue
                        cells.append((code, text, i))
                    as_fraction = percent == "fraction" or (
                        percent == "auto" and "%" in label and all(0 <= shift(t, 1) <= 1 for _, t, _ in cells))
                    self.add([(code, boundary, year, measure, shift(text, 100 if as_fraction else 1),
                               2 if cross else 1, year, False, str(path), i) for code, text, i in cells])

    def agency_submission(self, src: SourceFiles) -> None:
        own = {c for c, m in self.measures.items() if m["source_id"] == src.source_id}
        for year, path in src.files:
            boundary = boundary_for(year)
            grid = self.grid(path, "Số liệu")
            h = None if grid is None else self.header(grid, "Mã chỉ tiêu")
            if h is None:
                continue
            col = {fold(c): j for j, c in enumerate(grid[h]) if c is not None}
            jc, jn, jm, jv = (col[fold(x)] for x in ("Mã tỉnh", "Tỉnh/Thành phố", "Mã chỉ tiêu", "Giá trị"))
            rows = []
            for i, row in enumerate(grid[h + 1:], start=h + 2):
                code, measure, text = (row[jc] or "").strip(), (row[jm] or "").strip(), row[jv]
                if measure not in own or code not in self.prov.codes[boundary] or text is None:
                    continue
                if self.prov.code(row[jn], year) != code:
                    continue
                value = shift(text, 1)
                if value == value:
                    rows.append((code, boundary, year, measure, value, 1, year, False, str(path), i))
            self.add(rows)

    def record_list(self, src: SourceFiles) -> None:
        spec = src.spec
        for year, path in src.files:
            boundary = boundary_for(year)
            read = [spec["record_id_column"], spec["province_column"]]
            read += [spec[k] for k in ("date_column", "category_column", "status_column") if spec.get(k)]
            p = lit(str(path))
            if path.suffix.lower() == ".csv":
                self.con.execute(f"""CREATE OR REPLACE TEMP TABLE rec AS
                    SELECT {', '.join(q(c) for c in read)} FROM read_csv({p}, skip=1, header=true,
                        all_varchar=true, delim=',', quote='"')""")
            else:
                grid = self.grid(path, spec.get("sheet", ""))
                h = None if grid is None else self.header(grid, spec["record_id_column"])
                if h is None:
                    continue
                col = {fold(c): j for j, c in enumerate(grid[h]) if c is not None}
                idx = [col[fold(c)] for c in read]
                self.table("rec", read, [[r[j] for j in idx] for r in grid[h + 1:] if r[idx[0]] is not None])
            names = [r[0] for r in self.con.execute(f"SELECT DISTINCT {q(spec['province_column'])} FROM rec"
                                                    ).fetchall()]
            self.name_map("pm", names, year)
            rid = q(spec["record_id_column"])
            # Repeated ids: an equal repeat counts once, differing repeats count none.
            self.con.execute(f"""CREATE OR REPLACE TEMP TABLE rec1 AS
                SELECT * FROM (SELECT DISTINCT * FROM rec) d QUALIFY count(*) OVER (PARTITION BY {rid}) = 1""")
            if spec.get("categories"):
                cats = ", ".join(f"({lit(k)}, {lit(v)})" for k, v in spec["categories"].items())
                counted = f"""SELECT pm.code, c.measure, count(*) AS n FROM rec1 r
                    JOIN pm ON pm.name = r.{q(spec['province_column'])}
                    JOIN (VALUES {cats}) c(label, measure) ON c.label = r.{q(spec['category_column'])}
                    GROUP BY ALL"""
                measures = list(spec["categories"].values())
            else:
                status = (f"WHERE r.{q(spec['status_column'])} = {lit(spec['counted_status'])}"
                          if spec.get("status_column") else "")
                counted = f"""SELECT pm.code, {lit(spec['measure'])} AS measure, count(*) AS n FROM rec1 r
                    JOIN pm ON pm.name = r.{q(spec['province_column'])} {status} GROUP BY ALL"""
                measures = [spec["measure"]]
            mlist = ", ".join(f"({lit(m)})" for m in measures)
            self.con.execute(f"""
                INSERT INTO obs
                SELECT pr.code, pr.boundary, {year}, m.measure, coalesce(c.n, 0), 1, {year}, false, {p}, 0
                FROM provinces pr CROSS JOIN (VALUES {mlist}) m(measure)
                LEFT JOIN ({counted}) c ON c.code = pr.code AND c.measure = m.measure
                WHERE pr.boundary = {lit(boundary)}""")

    def microdata(self, src: SourceFiles) -> None:
        spec = src.spec
        columns = {n: (c if isinstance(c, dict) else {"type": c}) for n, c in spec.get("columns", {}).items()}
        for year, path in src.files:
            boundary = boundary_for(year)
            p = lit(str(path))
            reader = (f"read_parquet({p})" if path.suffix.lower() == ".parquet" else
                      f"read_csv({p}, header=true, all_varchar=true, delim=',', quote='\"')")
            sel, checks = [], []
            for name, c in columns.items():
                label = q(c.get("label", name))
                if c["type"] == "number":
                    sel.append(f"TRY_CAST({label} AS DOUBLE) AS {q(name)}")
                    checks.append(f"{q(name)} IS NOT NULL")
                    if c.get("min") is not None:
                        checks.append(f"{q(name)} >= {c['min']}")
                    if c.get("max") is not None:
                        checks.append(f"{q(name)} <= {c['max']}")
                else:
                    sel.append(f"NULLIF(trim(CAST({label} AS VARCHAR)), '') AS {q(name)}")
            id_cols = list(spec.get("record_id_columns", []))
            ids = ", ".join(q(c) for c in id_cols)
            pcol = q(spec["province_column"])
            # Repeated ids: one group per id; an exact repeat (every read column equal) counts once, a differing
            # repeat none. min = max per column (and NULLs all or none) is that test, as one hash aggregation.
            others = [n for n in columns if n not in id_cols]
            same = " AND ".join(f"(min({q(n)}) IS NOT DISTINCT FROM max({q(n)}) AND count({q(n)}) IN (0, count(*)))"
                                for n in others) or "TRUE"
            self.con.execute(f"""CREATE OR REPLACE TEMP TABLE md AS
                WITH r AS (SELECT {', '.join(sel)} FROM {reader}),
                ok AS (SELECT {ids}{''.join(f', min({q(n)}) AS {q(n)}' for n in others)} FROM r
                       GROUP BY {ids} HAVING count(*) = 1 OR ({same}))
                SELECT ok.* FROM ok JOIN provinces pr ON pr.boundary = {lit(boundary)} AND pr.code = ok.{pcol}
                WHERE {' AND '.join(checks) or 'TRUE'}""")
            weight = q(spec["weight_column"]) if spec.get("weight_column") else None
            for measure, rule in spec.get("measures", {}).items():
                where = filter_sql(rule.get("filter"))
                agg = rule["aggregation"]
                w = weight or "1"
                if agg == "count":
                    expr = f"count(*) FILTER (WHERE {where})"
                elif agg == "weighted_count":
                    expr = f"sum({w}) FILTER (WHERE {where})"
                elif agg == "sum":
                    expr = f"sum({q(rule['value'])}) FILTER (WHERE {where})"
                elif agg == "weighted_sum":
                    expr = f"sum({w} * {q(rule['value'])}) FILTER (WHERE {where})"
                elif agg == "weighted_share":
                    share = filter_sql(rule.get("share_filter"))
                    expr = (f"sum({w}) FILTER (WHERE ({where}) AND ({share})) / "
                            f"sum({w}) FILTER (WHERE {where})")
                elif agg == "ratio_of_sums":
                    expr = (f"sum({w} * {q(rule['numerator'])}) FILTER (WHERE {where}) / "
                            f"sum({w} * {q(rule['denominator'])}) FILTER (WHERE {where})")
                else:
                    raise SystemExit(f"floor_duckdb: {src.source_id}.{measure}: unknown aggregation {agg!r}")
                # Counts and sums are 0 for a province without records (as record lists count), shares none.
                zero = agg in ("count", "weighted_count", "sum", "weighted_sum")
                value = "coalesce(v.value, 0)" if zero else "v.value"
                self.con.execute(f"""
                    INSERT INTO obs
                    SELECT pr.code, pr.boundary, {year}, {lit(measure)}, {value} * {float(rule.get('scale', 1))},
                           1, {year}, false, {p}, 0
                    FROM provinces pr
                    LEFT JOIN (SELECT {pcol} AS code, {expr} AS value FROM md GROUP BY 1) v ON v.code = pr.code
                    WHERE pr.boundary = {lit(boundary)} AND {'TRUE' if zero else 'v.value IS NOT NULL'}""")

    # -- result ----------------------------------------------------------------------------------------
    def run(self) -> duckdb.DuckDBPyRelation:
        for src in load_sources(self.landing):
            handler = getattr(self, src.kind, None)
            if handler is None:
                raise SystemExit(f"floor_duckdb: source {src.source_id!r}: kind {src.kind!r} is not handled")
            handler(src)
        types = [pa.string(), pa.string(), pa.int32(), pa.string(), pa.float64(), pa.int32(), pa.int32(), pa.bool_(),
                 pa.string(), pa.int64()]
        self.table("cells", ["province_code", "boundary", "year", "measure_code", "value", "priority", "edition",
                             "preliminary", "file", "ord"], self.cells, types)
        self.con.execute("INSERT INTO obs SELECT * FROM cells")
        # Repeated (province, measure) rows within one file: equal values count once, differing ones none.
        return self.con.sql(f"""
            WITH per_file AS (
                SELECT province_code, boundary, year, measure_code, file, priority, edition, preliminary,
                       min(value) AS value, min(ord) AS ord
                FROM obs GROUP BY ALL HAVING count(DISTINCT value) = 1
            )
            SELECT {', '.join(OUTPUT_COLUMNS)} FROM per_file
            QUALIFY row_number() OVER (PARTITION BY province_code, boundary, year, measure_code
                                       ORDER BY priority, edition DESC, preliminary, file, ord) = 1
            ORDER BY measure_code, boundary, year, province_code""")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    floor = Floor(args.landing.resolve())
    result = floor.run()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    result.write_parquet(str(args.out))
    n = floor.con.execute(f"SELECT count(*) FROM read_parquet({lit(str(args.out))})").fetchone()[0]
    print(f"floor_duckdb: {n} values -> {args.out} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
