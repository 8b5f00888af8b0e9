"""Whether two computations of staging.measure_values agree (scripts/benchmark.py), key by key."""

from __future__ import annotations

from pathlib import Path

REL_TOL = 1e-9
KEY = ("province_code", "boundary", "year", "measure_code")


def compare(pipeline: Path, other: Path, name: str, warehouse: Path | None) -> list[str]:
    """Differences between two measure_values files, one line each (empty: they agree)."""
    import duckdb

    con = duckdb.connect()
    diff = con.execute(f"""
        WITH a AS (SELECT * FROM read_parquet('{pipeline}')), b AS (SELECT * FROM read_parquet('{other}'))
        SELECT province_code, boundary, year, measure_code, a.value, b.value, a.source_id,
               CASE WHEN a.value IS NULL THEN 'only in ' || '{name}'
                    WHEN b.value IS NULL THEN 'only in the pipeline' ELSE 'values differ' END
        FROM a FULL JOIN b USING (province_code, boundary, year, measure_code)
        WHERE a.value IS NULL OR b.value IS NULL
           OR abs(a.value - b.value) > {REL_TOL} * greatest(abs(a.value), abs(b.value))
        ORDER BY measure_code, boundary, year, province_code""").fetchall()
    if not diff:
        return []
    lines = [f"{len(diff)} key(s) differ between the pipeline and {name}:"]
    reasons = _quarantine_reasons(warehouse) if warehouse else {}
    for prov, bnd, year, measure, va, vb, _src, what in diff[:40]:
        why = ""
        if va is None:
            why = "; pipeline quarantine for that measure/year: " + (reasons.get((measure, year)) or "none found")
        lines.append(f"  {measure} {bnd} {year} {prov}: pipeline {va!r}, {name} {vb!r} ({what}{why})")
    if len(diff) > 40:
        lines.append(f"  … and {len(diff) - 40} more")
    return lines


def _quarantine_reasons(warehouse: Path) -> dict[tuple[str, int], str]:
    import duckdb

    try:
        con = duckdb.connect(str(warehouse), read_only=True)
        rows = con.execute("""
            SELECT m.measure_code, f.data_year::INTEGER, string_agg(DISTINCT q.reason_code, ', ')
            FROM quarantine.rows q JOIN meta.landing_files f USING (file_path)
            JOIN meta.measures m ON m.source_id = q.source_id GROUP BY ALL""").fetchall()
    except Exception as exc:  # an explanation only: never fail the comparison on it
        return {("?", 0): f"(quarantine not readable: {exc})"}
    return {(m, y): r for m, y, r in rows}
