"""The file register (``meta.landing_files``): one row per file under the landing folder, read or not.

``status`` says what became of each file: ``conformed`` (read; row-level problems may still be in
quarantine), the first file-level reason code it was quarantined under (``duplicate_file``,
``missing_column``, ``unsupported_year``, ...), ``unrecognised_file`` (no source reads it; ``suggestion``
names the closest source file), ``notes`` (the sample's README and manifest), or ``not_loaded`` (a
source's file that is not in its raw table yet: the raw asset has not run since it arrived).
"""

from __future__ import annotations

import polars as pl

from pii.ingest.inventory import Inventory
from pii.ingest.landing import SUPPORTED_YEARS
from pii.ingest.results import FILE_LEVEL_REASONS, QUARANTINE_SCHEMA
from pii.provinces import boundary_for_year

REGISTER_SCHEMA = {
    "source_id": pl.String, "data_year": pl.Int32, "boundary": pl.String, "file_path": pl.String,
    "file_sha256": pl.String, "raw_rows": pl.Int64, "read_error": pl.String, "conformed_ok": pl.Boolean,
    "status": pl.String, "reason": pl.String, "suggestion": pl.String,
}


def landing_register(raw: pl.DataFrame, quarantine: list[dict], inventory: Inventory) -> pl.DataFrame:
    """Files in the raw tables (``raw``: their rows), then the inventory's files missing from them."""
    held = pl.DataFrame(quarantine, schema=QUARANTINE_SCHEMA, orient="row")
    file_level = held.filter(pl.col("reason_code").is_in(FILE_LEVEL_REASONS) & pl.col("source_id").is_not_null()) \
        .group_by("file_path", maintain_order=True) \
        .agg(pl.col("reason_code").first().alias("status"), pl.col("reason").first())
    # ``raw``: raw rows, or one row per file with its count in ``raw_rows`` (the conformed step's listing)
    rows = pl.col("raw_rows").sum() if "raw_rows" in raw.columns else pl.len()
    read = raw.group_by("source_id", "data_year", "file_path", "file_sha256").agg(
        rows.cast(pl.Int64).alias("raw_rows"), pl.col("read_error").drop_nulls().first(),
    ).join(file_level, on="file_path", how="left").with_columns(
        pl.col("status").is_null().alias("conformed_ok"), pl.col("status").fill_null("conformed"),
    )
    loaded = set(read["file_path"])
    not_loaded = [{"source_id": f.source_id, "data_year": f.data_year, "file_path": f.rel_path, "file_sha256": "",
                   "raw_rows": 0, "conformed_ok": False, "status": "not_loaded",
                   "reason": f"{f.rel_path}: a {f.source_id} file not yet in raw.{f.source_id}; materialize "
                             f"raw/{f.source_id} to read it" + (f" (it will be refused: {f.error})" if f.error else "")}
                  for f in inventory.matched if f.rel_path not in loaded]
    unmatched = [{"file_path": u.rel_path, "file_sha256": u.sha256, "raw_rows": 0, "conformed_ok": False,
                  "status": u.status, "reason": u.reason, "suggestion": u.suggestion or None}
                 for u in inventory.unmatched]
    rest = pl.DataFrame(not_loaded + unmatched, schema={k: v for k, v in REGISTER_SCHEMA.items() if k != "boundary"},
                        orient="row")
    boundaries = pl.DataFrame({"data_year": list(SUPPORTED_YEARS),
                               "boundary": [boundary_for_year(y) for y in SUPPORTED_YEARS]},
                              schema={"data_year": pl.Int32, "boundary": pl.String})
    files = pl.concat([read.cast({k: v for k, v in REGISTER_SCHEMA.items() if k in read.columns}), rest],
                      how="diagonal")
    # A year outside SUPPORTED_YEARS (a refused file) has no boundary: NULL, never an exception.
    return files.join(boundaries, on="data_year", how="left").select(list(REGISTER_SCHEMA))
