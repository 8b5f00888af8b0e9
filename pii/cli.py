"""The ``pii`` command line: sample data, materialization, summaries (and, as they land, scoring)."""

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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
