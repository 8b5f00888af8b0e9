"""The readable data-quality summary of one run, written from ``meta.dq_results`` after every run.

It opens with the run's outcome: published, or not published and what blocked it (critical checks, failed
steps), so a reader of ``dq_latest.md`` never mistakes the previous publication for this run's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import duckdb

from pii.summary import publication_time

CheckRow = tuple[str, str, str, str, bool, int, str, str]


def _check_rows(conn: duckdb.DuckDBPyConnection, run_id: str) -> list[CheckRow]:
    exists = conn.execute("SELECT count(*) FROM information_schema.tables "
                          "WHERE table_schema = 'meta' AND table_name = 'dq_results'").fetchall()[0][0]
    if not exists:  # the run stopped before any check ran
        return []
    return conn.execute("""
        SELECT table_name, check_name, kind, severity, passed, unexpected_count, examples, description
        FROM meta.dq_results WHERE run_id = ?
        ORDER BY passed, CASE severity WHEN 'critical' THEN 0 ELSE 1 END, table_name, check_name
    """, [run_id]).fetchall()


def outcome_lines(rows: list[CheckRow], published: Path, published_now: bool,
                  failed_steps: Mapping[str, str]) -> list[str]:
    """The report's opening: published by this run, or not, with what blocked publication."""
    when = publication_time(published)
    if published_now:
        return [f"**Published** {when} to `{published}`.", ""]
    previous = (f"`{published}` still holds the previous publication ({when})." if when
                else f"Nothing has been published to `{published}` yet.")
    blockers = [f"- critical check **{t} · {c}** (details below)"
                for t, c, _, s, p, _, _, _ in rows if not p and s == "critical"]
    blockers += [f"- step **{step}** failed: {message}" for step, message in sorted(failed_steps.items())]
    return [f"**Not published.** {previous}", "",
            "Blocked by:" if blockers else "Nothing failed, but this run did not reach the publish step.", "",
            *blockers, ""]


def dq_summary_markdown(conn: duckdb.DuckDBPyConnection | None, run_id: str, published: Path,
                        published_now: bool, failed_steps: Mapping[str, str] | None = None) -> str:
    """The report for ``run_id``; ``conn`` None when the build file could not be opened (outcome only)."""
    rows = _check_rows(conn, run_id) if conn is not None else []
    failed = [r for r in rows if not r[4] and r[3] == "critical"]
    warned = [r for r in rows if not r[4] and r[3] == "warning"]
    lines = [
        f"# Data-quality summary — run {run_id}",
        "",
        *outcome_lines(rows, published, published_now, failed_steps or {}),
        f"{len(rows)} checks: {len(rows) - len(failed) - len(warned)} passed, {len(failed)} failed (critical), "
        f"{len(warned)} warnings. Critical failures stop the tables downstream of the checked table.",
        "",
    ]
    if conn is None:
        lines += ["The check results could not be read from the build file (see the run's log).", ""]
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


def write_dq_report(reports_dir: Path, run_id: str, markdown: str) -> Path:
    """Write ``dq_<run_id>.md`` and replace ``dq_latest.md`` (atomically: readers never see half a report)."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    (reports_dir / f"dq_{run_id}.md").write_text(markdown, encoding="utf-8")
    latest = reports_dir / "dq_latest.md"
    tmp = latest.with_name(latest.name + ".writing")
    tmp.write_text(markdown, encoding="utf-8")
    tmp.replace(latest)
    return latest
