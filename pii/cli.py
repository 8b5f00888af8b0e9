"""The ``pii`` command line: sample data, materialization, summaries, scoring and what-if."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from pii.paths import warehouse_path


def _materialize(args: argparse.Namespace) -> int:
    from pii.summary import warehouse_summary
    from pipelines.run import run_refresh  # Dagster is imported only for commands that need it

    report = run_refresh(args.select, "DEBUG" if args.verbose else "WARNING")
    print(f"run {'succeeded' if report.success else 'FAILED'}")
    print(f"checks: {report.checks_passed} passed, {len(report.checks_failed)} failed, "
          f"{len(report.checks_warned)} warnings")
    for name in report.checks_failed:
        print(f"  FAILED  {name}")
    for name in report.checks_warned:
        print(f"  warning {name}")
    for step in report.failed_steps:
        print(f"  step failed: {step}")
    if warehouse_path().exists():
        print(warehouse_summary(warehouse_path()))
    return 0 if report.success and not report.checks_failed else 1


def _summary(args: argparse.Namespace) -> int:
    from pii.summary import warehouse_summary

    if not warehouse_path().exists():
        print(f"no warehouse at {warehouse_path()}: run `pii materialize` first", file=sys.stderr)
        return 1
    print(warehouse_summary(warehouse_path()))
    return 0


def _templates(args: argparse.Namespace) -> int:
    from pii.templates import generate_templates

    for path in generate_templates(Path(args.out), args.year, args.province):
        print(path)
    return 0


def _fmt(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _whatif(args: argparse.Namespace) -> int:
    from pii.provinces import ProvinceRegistry
    from pii.warehouse import connect_readonly, framework_boundary, province_index, province_whatif

    path = warehouse_path()
    if not path.exists():
        print(f"no warehouse at {path}: run `pii materialize` first", file=sys.stderr)
        return 1
    conn = connect_readonly(path)
    try:
        boundary = framework_boundary(conn, args.year)
        registry = ProvinceRegistry.load()
        codes = {p.code for p in registry.provinces(boundary)}
        query = args.province.strip()
        if query in codes:
            code = query
        else:
            found = registry.resolve(query, boundary=boundary)
            if not found.ok or found.code is None:
                print(f"error: {found.message}", file=sys.stderr)
                return 2
            code = found.code
        name = registry.province(boundary, code).name_vi
        index = province_index(conn, args.year, code)
        table = province_whatif(conn, args.year, code)
    finally:
        conn.close()
    if index is None or table.is_empty():
        print(f"error: no PII {args.year} scores for {name} ({code}) in {path}", file=sys.stderr)
        return 1
    print(f"PII {args.year} — {name} ({code}, boundary {boundary}): score {_fmt(index['score'])}, "
          f"rank {index['rank']} of {index['n']}")
    print("points/unit = PII points per unit of raw improvement; +k ranks = raw improvement needed "
          "(— = not reachable within the observed range)")
    header = ("indicator", "name", "dir", "current", "points/unit", "+1 rank", "+3 ranks", "+5 ranks")
    rows = [(r["indicator_code"], (r["indicator"] or "")[:40], f"{r['direction']:+d}", _fmt(r["current_value"]),
             _fmt(r["points_per_unit"]), _fmt(r["gain_1_rank"]), _fmt(r["gain_3_ranks"]), _fmt(r["gain_5_ranks"]))
            for r in table.head(args.top).iter_rows(named=True)]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    for line in (header, *rows):
        print("  ".join(str(x).ljust(w) if k < 2 else str(x).rjust(w)
                        for k, (x, w) in enumerate(zip(line, widths, strict=True))))
    return 0


def build_parser() -> argparse.ArgumentParser:
    from pii.sample.cli import add_sample_command
    from pii.scoring.cli import add_score_command

    parser = argparse.ArgumentParser(prog="pii", description="PII data pipeline")
    sub = parser.add_subparsers(dest="command", required=True)
    add_sample_command(sub)
    add_score_command(sub)
    mat = sub.add_parser("materialize", help="run the pii_refresh job: ingest, conform, compute, check, publish")
    mat.add_argument("--select", help="comma-separated asset keys (e.g. core/pii_input); default: all")
    mat.add_argument("--verbose", action="store_true", help="print every Dagster event, not only warnings")
    mat.set_defaults(func=_materialize)
    tpl = sub.add_parser("templates", help="write blank agency submission templates to fill")
    tpl.add_argument("--year", type=int, required=True, help="data year the departments report on")
    tpl.add_argument("--province", help="one province (code or name); default: every province of the year")
    tpl.add_argument("--out", default="templates", help="output folder (default: templates/)")
    tpl.set_defaults(func=_templates)
    summ = sub.add_parser("summary", help="print row counts of the published warehouse")
    summ.set_defaults(func=_summary)
    wif = sub.add_parser("whatif", help="what improving each indicator buys a province (from the published warehouse)")
    wif.add_argument("--province", required=True, help="province code ('01') or name ('Hà Nội', 'Ha Noi')")
    wif.add_argument("--year", type=int, default=2025, help="framework year (default 2025, boundary p34)")
    wif.add_argument("--top", type=int, default=10, help="rows to show, best points per unit first (default 10)")
    wif.set_defaults(func=_whatif)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
