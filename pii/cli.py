"""The ``pii`` command line: sample data, materialization, summaries, scoring and what-if.

Exit codes: 0 done; 1 the run or its checks failed; 2 bad usage or input. Every subcommand raises
:class:`pii.errors.UsageError` for a bad argument or input and :func:`main` prints it as one line,
``pii <subcommand>: error: <message>``; argparse's own errors are one line too. Any other exception is a
defect and keeps its traceback (exit 1).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from pii.errors import UsageError, one_line
from pii.paths import warehouse_path


def _materialize(args: argparse.Namespace) -> int:
    from pii.summary import publication_time, warehouse_summary
    from pipelines.progress import choose_mode
    from pipelines.run import run_refresh  # Dagster is imported only for commands that need it

    # --verbose prints every event already: a status line would be torn by them (plain lines only if asked)
    mode = choose_mode(quiet=args.quiet or (args.verbose and not args.progress), forced=args.progress)
    if args.years is not None and (args.select or args.full):
        given = "--select" if args.select else "--full"
        raise UsageError(f"--years cannot be combined with {given}: --years already chooses what runs (the files "
                         "of those data years and everything downstream of their sources)")
    report = run_refresh(args.select, "DEBUG" if args.verbose else "WARNING", mode, full=args.full,
                         years=args.years)
    print("\n".join(report.lines()))
    if not report.ran:  # nothing changed since the last successful run, or another run kept the writer lock
        return 0 if report.success else 1
    path = warehouse_path()
    dq_report = path.parent / "reports" / f"dq_{report.run_id}.md"
    if dq_report.exists():
        print(f"data-quality report: {dq_report.with_name('dq_latest.md')}")
    if not path.exists():
        print(f"nothing published at {path}: no counts to show")
    elif report.published:
        print(warehouse_summary(path, f"warehouse: {path}, published by this run ({publication_time(path)})"))
    else:  # never let the last publication's counts pass for this run's
        print(warehouse_summary(path, f"warehouse: {path}, not replaced by this run; counts of the previous "
                                      f"publication ({publication_time(path)}):"))
    return 0 if report.success and not report.checks_failed else 1


def _summary(args: argparse.Namespace) -> int:
    from pii.summary import warehouse_summary
    from pii.warehouse import open_warehouse

    open_warehouse(warehouse_path()).close()  # missing or unreadable: a one-line answer, not a traceback
    print(warehouse_summary(warehouse_path()))
    return 0


def _templates(args: argparse.Namespace) -> int:
    from pii.templates import generate_templates

    for path in generate_templates(args.out, args.year, args.province):
        print(path)
    return 0


def _fmt(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _whatif(args: argparse.Namespace) -> int:
    from pii.reference_years import framework_years
    from pii.reports.lookup import framework_province
    from pii.warehouse import framework_boundary, lookup, open_warehouse, province_index, province_whatif

    if args.year is None:
        args.year = framework_years()[-1]
    boundary, code, name = framework_province(args.year, args.province)
    path = warehouse_path()
    conn = open_warehouse(path)
    try:
        lookup(conn, path, lambda c: framework_boundary(c, args.year))
        index = lookup(conn, path, lambda c: province_index(c, args.year, code))
        table = lookup(conn, path, lambda c: province_whatif(c, args.year, code))
    finally:
        conn.close()
    if index is None or table.is_empty():
        print(f"pii whatif: error: no PII {args.year} scores for {name} ({code}) in {path}: "
              "the last run did not score it (see `pii materialize`)", file=sys.stderr)
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


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (subcommand parsers inherit the class): exit 2 as before."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {one_line(message)} (see `{self.prog} --help`)\n")


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not '{text}'")
    return value


def build_parser() -> argparse.ArgumentParser:
    from pii.dictionary import add_dictionary_command
    from pii.exports.cli import add_export_command
    from pii.reports.cli import add_report_command
    from pii.sample.cli import add_sample_command, parse_years
    from pii.scoring.cli import add_score_command
    from pii.snapshots_cli import add_snapshots_command

    parser = _Parser(prog="pii", description="PII data pipeline",
                     epilog="exit codes: 0 done, 1 the run or its checks failed, 2 bad usage or input")
    sub = parser.add_subparsers(dest="command", required=True)
    add_sample_command(sub)
    add_dictionary_command(sub)
    add_score_command(sub)
    add_report_command(sub)
    add_snapshots_command(sub)
    add_export_command(sub)
    mat = sub.add_parser("materialize", help="run the pii_refresh job: ingest, conform, compute, check, publish")
    mat.add_argument("--select", help="comma-separated asset keys (e.g. core/pii_input); default: the sources "
                     "whose landing files changed since the last successful run and everything downstream")
    mat.add_argument("--full", action="store_true",
                     help="run every asset, even when nothing changed (ignored with --select)")
    mat.add_argument("--years", type=parse_years, default=None,
                     help="data years to rebuild, e.g. 2024, 2023-2024 or 2023,2025: their landing files are read "
                     "and conformed again even when unchanged, and everything downstream of their sources runs "
                     "(not with --select or --full)")
    mat.add_argument("--verbose", action="store_true", help="print every Dagster event, not only warnings")
    shown = mat.add_mutually_exclusive_group()
    shown.add_argument("--quiet", action="store_true",
                       help="no progress line (the default when stderr is not a terminal: cron, CI, pipes)")
    shown.add_argument("--progress", action="store_true",
                       help="print one plain progress line per finished step on stderr, terminal or not")
    mat.set_defaults(func=_materialize)
    tpl = sub.add_parser("templates", help="write blank agency submission templates to fill")
    tpl.add_argument("--year", type=int, required=True, help="data year the departments report on")
    tpl.add_argument("--province", help="one province (code or name); default: every province of the year")
    tpl.add_argument("--out", type=Path, default=Path("templates"), help="output folder (default: templates/)")
    tpl.set_defaults(func=_templates)
    summ = sub.add_parser("summary", help="print row counts of the published warehouse")
    summ.set_defaults(func=_summary)
    wif = sub.add_parser("whatif", help="what improving each indicator buys a province (from the published warehouse)")
    wif.add_argument("--province", required=True, help="province code ('01') or name ('Hà Nội', 'Ha Noi')")
    wif.add_argument("--year", type=int, default=None,
                     help="framework year (default: the latest in reference/framework/, e.g. 2025 on boundary p34)")
    wif.add_argument("--top", type=positive_int, default=10,
                     help="rows to show, best points per unit first (default 10)")
    wif.set_defaults(func=_whatif)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; bad usage or input is one line on stderr and exit code 2."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as done:  # --help (0) or an argparse error, already printed on one line (2)
        return 0 if done.code is None else done.code if isinstance(done.code, int) else 2
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"pii {args.command}: error: {one_line(str(exc))}", file=sys.stderr)
        return 2


def run() -> NoReturn:
    """The ``pii`` program: :func:`main`, then the process ends without tearing its modules down.

    Tearing down what a run imports (Dagster, SQLAlchemy, pydantic, polars, DuckDB) took about a second after
    everything was written and closed. Exit handlers still run first (logging, temporary folders, worker pools);
    an exception other than a usage error keeps its traceback and the normal exit, and so does a process under
    a profiler or a coverage tracer (they write their data as the interpreter exits).
    """
    import atexit
    import gc
    import os
    import threading

    code = main()
    if sys.gettrace() is not None or sys.getprofile() is not None:  # a profiler or coverage writes at exit
        sys.exit(code)
    gc.collect()  # finalizers of what is unreachable (temporary folders, multiprocessing objects) run now
    # What the interpreter's own exit does first, in its order: threads' exit hooks (worker pools send their
    # workers the stop signal) and joins, then the exit handlers (multiprocessing joins its children).
    threading._shutdown()  # type: ignore[attr-defined]
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
