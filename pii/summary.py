"""A short text summary of the published warehouse, for the command line."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pii.warehouse import connect_readonly

TABLES = (
    "staging.measure_values", "core.indicator_values", "core.pii_input", "quarantine.rows", "meta.landing_files",
)
INDEX_TABLES = ("pii.scores", "pii.rank_uncertainty", "pii.whatif")


def publication_time(path: Path) -> str | None:
    """When ``path`` was published (local time with offset), None if nothing is published there.

    Publishing replaces the file with a fresh copy (see assets/publish/warehouse.py), so its mtime is the time
    of publication.
    """
    if not path.exists():
        return None
    return datetime.fromtimestamp(path.stat().st_mtime).astimezone().strftime("%Y-%m-%d %H:%M:%S %z")


def warehouse_summary(path: Path, heading: str | None = None) -> str:
    """Row counts of the published warehouse, under ``heading`` (default: its path and publication time)."""
    conn = connect_readonly(path)
    try:
        lines = [heading or f"warehouse: {path} (published {publication_time(path)})"]
        for table in TABLES:
            n = conn.execute(f"SELECT count(*) FROM {table}").fetchall()[0]
            lines.append(f"  {table:<28} {n[0] if n else 0:>8} rows")
        present = {f"{s}.{t}" for s, t in conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema = 'pii'").fetchall()}
        for table in (t for t in INDEX_TABLES if t in present):  # absent after a partial materialization
            n = conn.execute(f"SELECT count(*) FROM {table}").fetchall()[0]
            lines.append(f"  {table:<28} {n[0] if n else 0:>8} rows")
        per_year = conn.execute("""
            SELECT framework_year, count(DISTINCT province_code), count(DISTINCT indicator_code), count(value), count(*)
            FROM core.indicator_values GROUP BY 1 ORDER BY 1
        """).fetchall()
        for year, provinces, indicators, with_value, total in per_year:
            lines.append(f"  PII {year}: {provinces} provinces × {indicators} indicators, "
                         f"{with_value}/{total} values present")
        return "\n".join(lines)
    finally:
        conn.close()
