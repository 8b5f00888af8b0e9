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
from pii.catalog import Source, load_sources
from pii.ingest.conform import RAW_SCHEMA, conform_raw
from pii.ingest.file_register import landing_register
from pii.ingest.inventory import Inventory, quarantine_entries, take_inventory
from pii.ingest.isolation import exception_text, quarantine_source, unreadable_source
from pii.ingest.results import ConformResult
from pii.paths import landing_dir
from pii.provinces import ProvinceRegistry

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


def _landing_files(raw: pl.DataFrame, result: ConformResult, inventory: Inventory) -> pl.DataFrame:
    """One row per file under the landing folder, read or not (pii/ingest/file_register.py)."""
    return landing_register(raw, result.quarantine, inventory)


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
                     description="Every file under the landing folder: source, year, sha256, rows, status, reason."),
    ],
    check_specs=[spec("meta.row_dispositions", ROW_CONSERVATION, "critical",
                      "every raw row of every file has exactly one disposition")],
)
def conformed(context: dg.AssetExecutionContext, duckdb: DuckDBResource):
    registry = ProvinceRegistry.load()
    result = ConformResult()
    raws = []
    with duckdb.get_connection() as conn:
        for source in load_sources().values():  # one source failing never stops the others
            raw = _conform_source(context, conn, source, registry, result)
            if raw is not None:
                raws.append(raw)
        inventory = take_inventory(landing_dir(), load_sources().values())
        result.quarantine += quarantine_entries(inventory)  # files no source reads: one entry each
        frames = result.frames()
        for table, (key, order) in OUTPUTS.items():
            write_frame(conn, table, frames[key], order)
        all_raw = pl.concat(raws) if raws else pl.DataFrame(schema=RAW_SCHEMA)
        write_frame(conn, "meta.landing_files", _landing_files(all_raw, result, inventory), ["file_path"])
        for table in [*OUTPUTS, "meta.landing_files"]:
            yield dg.MaterializeResult(asset_key=table.split("."), metadata=table_metadata(conn, table))
        yield _conservation_check(conn, context.run_id, [str(r["source_id"][0]) for r in raws if r.height])
    quarantined = frames["quarantine"]
    if quarantined.height:
        context.log.warning(f"{quarantined.height} cells quarantined; see quarantine.rows")


def _conform_source(
    context: dg.AssetExecutionContext, conn: duckdb.DuckDBPyConnection, source: Source, registry: ProvinceRegistry,
    result: ConformResult,
) -> pl.DataFrame | None:
    """Conform one source into ``result``; returns its raw rows, or None when its raw table cannot be read.

    Failures of single files are contained in conform_raw; this catches what is left (the raw table missing
    or unreadable, a failure outside any one file) so the other sources still conform.
    """
    try:
        raw = conn.sql(f"SELECT * FROM raw.{source.source_id}").pl()
    except Exception as exc:  # a missing or unreadable raw table: name it, keep the traceback
        context.log.error(f"raw.{source.source_id} could not be read; source skipped", exc_info=exc)
        unreadable_source(result, source, exc)
        return None
    try:
        result.extend(conform_raw(source, raw, registry, log=context.log))
    except Exception as exc:
        context.log.error(f"conforming {source.source_id} failed; its files are quarantined", exc_info=exc)
        quarantine_source(result, source, raw, "adapter_error",
                          f"conforming source '{source.source_id}' failed ({exception_text(exc)}); "
                          "nothing from this file is staged, the other sources go on")
    return raw


def _conservation_check(conn: duckdb.DuckDBPyConnection, run_id: str, sources: list[str]) -> dg.AssetCheckResult:
    """Raw rows = dispositions per file, over the raw tables read this run (``sources``)."""
    raw_counts = " UNION ALL ".join(
        f"SELECT file_path, count(*) AS raw_rows FROM raw.{s} GROUP BY file_path" for s in sources
    ) or "SELECT NULL::VARCHAR AS file_path, 0 AS raw_rows WHERE false"
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
