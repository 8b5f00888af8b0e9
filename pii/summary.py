"""A short text summary of the published warehouse, for the command line."""

from __future__ import annotations

from pathlib import Path

from pii.warehouse import connect_readonly

TABLES = (
    "staging.measure_values", "core.indicator_values", "core.pii_input", "quarantine.rows", "meta.landing_files",
)
INDEX_TABLES = ("pii.scores", "pii.rank_uncertainty", "pii.whatif")


def warehouse_summary(path: Path) -> str:
    conn = connect_readonly(path)
    try:
        lines = [f"warehouse: {path}"]
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
