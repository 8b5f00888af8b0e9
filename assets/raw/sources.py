"""One raw asset per source in reference/sources.yaml: every row of every landing file, as text.

Raw tables keep the file exactly as it was (cells as text with their types) plus provenance: file path,
sha256, sheet and row number. Nothing is interpreted here; conforming happens in staging.
"""


import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from assets._warehouse import table_metadata, write_frame
from pii.catalog import Source, load_sources
from pii.ingest.conform import RAW_SCHEMA, read_raw
from pii.ingest.landing import find_files
from pii.paths import landing_dir

GROUP = "raw"


def _build(source: Source) -> dg.AssetsDefinition:
    table = f"raw.{source.source_id}"

    @dg.asset(
        key=["raw", source.source_id], group_name=GROUP, kinds={"duckdb", source.format},
        description=f"{source.title} — every row of `{source.file_pattern}` (agency {source.agency}).",
        metadata={"file_pattern": source.file_pattern, "adapter": source.kind},
    )
    def _asset(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
        landing = landing_dir()
        files = find_files(landing, source)
        if not files:
            context.log.warning(f"no files for {source.source_id} under {landing} ({source.file_pattern})")
        frames = [read_raw(source, f) for f in files]
        frame = pl.concat(frames) if frames else pl.DataFrame(schema=RAW_SCHEMA)
        errors = frame.filter(pl.col("read_error").is_not_null())
        for err in errors.iter_rows(named=True):
            context.log.error(f"{err['file_path']}: {err['read_error']}")
        with duckdb.get_connection() as conn:
            write_frame(conn, table, frame, ["file_path", "sheet", "row_number"])
            meta = table_metadata(conn, table)
        listing = [{"path": f.rel_path, "sha256": f.sha256, "bytes": f.size} for f in files]
        meta["files"] = dg.MetadataValue.json(listing)
        meta["unreadable_files"] = dg.MetadataValue.int(errors.height)
        return dg.MaterializeResult(metadata=meta)

    return _asset


raw_assets = [_build(s) for s in load_sources().values()]
