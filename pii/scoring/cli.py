"""``score`` command: score COINr-shaped CSVs and write results as CSV.

Wire into another CLI with ``add_score_command(subparsers)``; standalone:
``python -m pii.scoring.cli score --data D.csv --meta M.csv --out DIR``
(the word ``score`` may be left out). Bad arguments and input are reported by ``pii.cli.main``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pii.scoring.coinr_io import score_coinr_files
from pii.scoring.impute import parse_impute
from pii.scoring.methods import METHODS


def impute_spec(text: str) -> str:
    """argparse type: an impute spec parse_impute accepts, kept as text."""
    try:
        parse_impute(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def share(text: str) -> float:
    """argparse type: a number in [0, 1]."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.0 <= value <= 1.0:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(f"must be a number between 0 and 1, not '{text}'")
    return value


def add_score_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    """Register the ``score`` sub-command on an argparse subparsers object."""
    p = subparsers.add_parser(
        "score",
        help="score iData/iMeta CSVs (COINr table shapes)",
        description="Score COINr-shaped tables. Writes scores_wide.csv, ranks_wide.csv, "
        "scores_long.csv, treatment_log.csv and log.csv into --out.",
    )
    p.add_argument("--data", required=True, help="iData CSV (uCode, indicators, groups, denominators)")
    p.add_argument("--meta", required=True, help="iMeta CSV (iCode, Level, Parent, Weight, Direction, Type...)")
    p.add_argument("--method", default="coinr", choices=sorted(METHODS), help="scoring method (default coinr)")
    p.add_argument(
        "--impute", type=impute_spec, default=None,
        help="none, mean, median, group_mean:COL or group_median:COL (default none)",
    )
    p.add_argument(
        "--screen",
        type=share,
        default=None,
        dest="screen_threshold",
        help="drop units with a lower share of indicators present (0-1)",
    )
    p.add_argument(
        "--dat-thresh", type=share, default=None, help="minimum share of a group's children present for its score (0-1)"
    )
    p.add_argument("--aggregation", choices=("arithmetic", "geometric"), default=None)
    p.add_argument("--out", required=True, help="output directory")
    p.set_defaults(func=run_score)
    return p


def run_score(args: argparse.Namespace) -> int:
    """Execute a parsed ``score`` command; returns the exit code."""
    result = score_coinr_files(
        args.data,
        args.meta,
        args.out,
        method=args.method,
        impute=args.impute,
        screen_threshold=args.screen_threshold,
        dat_thresh=args.dat_thresh,
        aggregation=args.aggregation,
    )
    print(f"scored {len(result.units)} units with method '{args.method}' -> {args.out}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Standalone entry point: ``pii score`` with the same argument and error handling."""
    from pii.cli import main as pii_main

    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] not in ("score", "-h", "--help"):
        args_list.insert(0, "score")
    return pii_main(args_list)


if __name__ == "__main__":
    raise SystemExit(main())
