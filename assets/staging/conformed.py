"""Conform every raw table: resolve provinces, parse numbers, map to measures, quarantine the rest.

Writes five tables in one step because they come from one pass over the raw rows: the observations,
record rows, quarantined cells, a disposition for every raw row, and the file register.
"""


import dagster as dg
import duckdb
import polars as pl
from dagster_duckdb import DuckDBResource

from assets._quality import result as check_result
from assets._quality import spec
from assets._warehouse import table_metadata, write_frame
from pii.catalog import load_sources
from pii.ingest.conform import conform_raw
from pii.ingest.results import FILE_LEVEL_REASONS, ConformResult
from pii.provinces import ProvinceRegistry, boundary_for_year

GROUP = "staging"
ROW_CONSERVATION = "row_conservation"

OUTPUTS = {
    "staging.cell_observations": ("observations", ["measure_code", "boundary", "year", "province_code", "file_path",
                                                   "sheet", "row_number", "column_ref"]),
    "staging.record_rows": ("records", ["file_path", "sheet", "row_number"]),
    "quarantine.rows": ("quarantine", ["file_path", "sheet", "row_number", "column_ref", "reason_code"]),
    "meta.row_dispositions": ("dispositions", ["file_path", "sheet", "row_number"]),
    "staging.reported_totals": ("totals", ["measure_code", "year", "file_path", "sheet", "row_number", "column_ref"]),
}


def _landing_files(raw: pl.DataFrame, result: ConformResult) -> pl.DataFrame:
    """One row per landing file: fingerprint, row count, and whether it conformed as a whole."""
    file_level = {q["file_path"] for q in result.quarantine if q["reason_code"] in FILE_LEVEL_REASONS}
    files = raw.group_by("source_id", "data_year", "file_path", "file_sha256").agg(
        pl.len().alias("raw_rows"), pl.col("read_error").drop_nulls().first().alias("read_error"),
    )
    return files.with_columns(
        pl.col("data_year").map_elements(boundary_for_year, return_dtype=pl.String).alias("boundary"),
        (~pl.col("file_path").is_in(sorted(file_level))).alias("conformed_ok"),
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["staging", "cell_observations"], group_name=GROUP, kinds={"duckdb", "polars"},
                     deps=[["raw", s] for s in load_sources()],
                     description="Every value read from a landing cell, with provenance (file, sheet, row, column)."),
        dg.AssetSpec(["staging", "record_rows"], group_name=GROUP, kinds={"duckdb"},
                     description="Administrative records resolved to a province and measure, before counting."),
        dg.AssetSpec(["quarantine", "rows"], group_name="quarantine", kinds={"duckdb"},
                     description="Rejected cells and rows: file, sheet, row, column, raw value, reason, suggestions."),
        dg.AssetSpec(["meta", "row_dispositions"], group_name="meta", kinds={"duckdb"},
                     description="What happened to every raw row: staged, partial, quarantined, structural, counted."),
        dg.AssetSpec(["staging", "reported_totals"], group_name=GROUP, kinds={"duckdb"},
                     description="National and region totals printed in the sources, for reconciliation."),
        dg.AssetSpec(["meta", "landing_files"], group_name="meta", kinds={"duckdb"},
                     description="Landing files read: source, data year, boundary, sha256, raw rows, read errors."),
    ],
    check_specs=[spec("meta.row_dispositions", ROW_CONSERVATION, "critical",
                      "every raw row of every file has exactly one disposition")],
)
def conformed(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    registry = ProvinceRegistry.load()
    result = ConformResult()
    raws = []
    with duckdb.get_connection() as conn:
        for source in load_sources().values():
            raw = conn.sql(f"SELECT * FROM raw.{source.source_id}").pl()
            raws.append(raw)
            result.extend(conform_raw(source, raw, registry))
        frames = result.frames()
        for table, (key, order) in OUTPUTS.items():
            write_frame(conn, table, frames[key], order)
        all_raw = pl.concat(raws)
        write_frame(conn, "meta.landing_files", _landing_files(all_raw, result), ["file_path"])
        for table in [*OUTPUTS, "meta.landing_files"]:
            yield dg.MaterializeResult(asset_key=table.split("."), metadata=table_metadata(conn, table))
        yield _conservation_check(conn, context.run_id)
    quarantined = frames["quarantine"]
    if quarantined.height:
        context.log.warning(f"{quarantined.height} cells quarantined; see quarantine.rows")


def _conservation_check(conn: duckdb.DuckDBPyConnection, run_id: str) -> dg.AssetCheckResult:
    sources = list(load_sources())
    raw_counts = " UNION ALL ".join(
        f"SELECT file_path, count(*) AS raw_rows FROM raw.{s} GROUP BY file_path" for s in sources
    )
    bad = conn.execute(f"""
        WITH raw_counts AS ({raw_counts}),
        disposed AS (SELECT file_path, count(*) AS disposed, count(DISTINCT (sheet, row_number)) AS distinct_rows
                     FROM meta.row_dispositions GROUP BY file_path)
        SELECT r.file_path, r.raw_rows, coalesce(d.disposed, 0) AS disposed,
               coalesce(d.distinct_rows, 0) AS distinct_rows
        FROM raw_counts r LEFT JOIN disposed d USING (file_path)
        WHERE r.raw_rows <> coalesce(d.disposed, 0) OR coalesce(d.disposed, 0) <> coalesce(d.distinct_rows, 0)
        ORDER BY r.file_path
    """).fetchall()
    summary = conn.execute(
        "SELECT disposition, count(*) FROM meta.row_dispositions GROUP BY disposition ORDER BY disposition"
    ).fetchall()
    failing = [{"file": f, "raw_rows": r, "dispositions": d, "distinct_rows": n} for f, r, d, n in bad]
    return check_result(
        conn, run_id, "meta.row_dispositions", ROW_CONSERVATION, "critical", not bad,
        "every raw row of every file has exactly one disposition", len(bad), failing,
        {"dispositions": dg.MetadataValue.json({d: n for d, n in summary})},
    )
