"""The readable data-quality summary of one run, written from ``meta.dq_results``."""

from __future__ import annotations

import json

import duckdb


def dq_summary_markdown(conn: duckdb.DuckDBPyConnection, run_id: str) -> str:
    rows = conn.execute("""
        SELECT table_name, check_name, kind, severity, passed, unexpected_count, examples, description
        FROM meta.dq_results WHERE run_id = ?
        ORDER BY passed, CASE severity WHEN 'critical' THEN 0 ELSE 1 END, table_name, check_name
    """, [run_id]).fetchall()
    failed = [r for r in rows if not r[4] and r[3] == "critical"]
    warned = [r for r in rows if not r[4] and r[3] == "warning"]
    lines = [
        f"# Data-quality summary — run {run_id}",
        "",
        f"{len(rows)} checks: {len(rows) - len(failed) - len(warned)} passed, {len(failed)} failed (critical), "
        f"{len(warned)} warnings. Critical failures stop the tables downstream of the checked table.",
        "",
    ]
    for title, group in (("Critical failures", failed), ("Warnings", warned)):
        if not group:
            continue
        lines += [f"## {title}", ""]
        for table, check, kind, _, _, unexpected, examples, description in group:
            lines.append(f"- **{table} · {check}** ({kind}): {description} — {unexpected} unexpected")
            for example in json.loads(examples or "[]")[:5]:
                lines.append(f"  - `{json.dumps(example, ensure_ascii=False, default=str)}`")
        lines.append("")
    lines += ["## All checks", "", "| table | check | severity | passed | unexpected |", "|---|---|---|---|---|"]
    lines += [f"| {t} | {c} | {s} | {'yes' if p else 'NO'} | {u} |" for t, c, _, s, p, u, _, _ in rows]
    return "\n".join(lines) + "\n"
