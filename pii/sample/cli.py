"""``sample`` command: write the synthetic landing files.

Wire into another CLI with ``add_sample_command(subparsers)``; standalone:
``python -m pii.sample.cli sample --out DIR --seed N --years 2022-2025`` (the word ``sample`` may be
left out).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from pii.paths import landing_dir
from pii.sample.generator import generate_sample
from pii.sample.values import DEFAULT_SEED, DEFAULT_YEARS


def parse_years(text: str) -> tuple[int, ...]:
    """'2022-2025', '2023', or '2022,2024' -> sorted data years."""
    years: set[int] = set()
    try:
        for part in text.split(","):
            part = part.strip()
            if "-" in part:
                lo, hi = (int(x) for x in part.split("-", 1))
                if hi < lo:
                    raise ValueError
                years.update(range(lo, hi + 1))
            elif part:
                years.add(int(part))
    except ValueError:
        raise argparse.ArgumentTypeError(f"years must look like 2022-2025 or 2022,2024, not '{text}'") from None
    if not years:
        raise argparse.ArgumentTypeError("no years given")
    return tuple(sorted(years))


def add_sample_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    """Register the ``sample`` sub-command on an argparse subparsers object."""
    p = subparsers.add_parser(
        "sample",
        help="write SYNTHETIC landing files (deterministic, seeded) for testing",
        description="Write synthetic landing files imitating every source in reference/sources.yaml, "
        "plus README.txt and manifest.json. The same seed gives byte-identical files.",
    )
    p.add_argument("--out", type=Path, default=None,
                   help="landing folder to write into (default: PII_LANDING_DIR or landing/)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    default_years = f"{DEFAULT_YEARS[0]}-{DEFAULT_YEARS[-1]}"
    p.add_argument("--years", type=parse_years, default=parse_years(default_years),
                   help=f"data years, e.g. 2022-2025 or 2023,2024 (default {default_years})")
    p.set_defaults(func=run_sample)
    return p


def run_sample(args: argparse.Namespace) -> int:
    """Execute a parsed ``sample`` command; returns the exit code."""
    out = args.out if args.out is not None else landing_dir()
    started = time.perf_counter()
    summary = generate_sample(out, years=args.years, seed=args.seed)
    print(summary.describe())
    print(f"  done in {time.perf_counter() - started:.1f} s")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Standalone entry point."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0] not in ("sample", "-h", "--help"):
        args_list.insert(0, "sample")
    parser = argparse.ArgumentParser(prog="pii-sample")
    add_sample_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(args_list)
    try:
        return int(args.func(args))
    except (ValueError, KeyError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
