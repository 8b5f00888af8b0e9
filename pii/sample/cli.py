"""``sample`` command: write the synthetic landing files.

Wire into another CLI with ``add_sample_command(subparsers)``; standalone:
``python -m pii.sample.cli sample --out DIR --seed N --years 2022-2025 [--scale default|national]`` (the
word ``sample`` may be left out; ``--scale national`` writes ~10 million rows: pii/sample/national.py).
Bad arguments are reported by ``pii.cli.main``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from pii.errors import UsageError, create_output_dir, require_output_dir
from pii.paths import landing_dir
from pii.reference_years import check_data_years
from pii.sample.generator import generate_sample
from pii.sample.profiles import BASE_YEAR
from pii.sample.values import DEFAULT_SEED, DEFAULT_YEARS

SCALES = ("default", "national")


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
    p.add_argument("--scale", default="default", metavar="{default,national}",
                   help="default: the built-in sample; national: ~10 million rows at national "
                   "volumes (enterprise survey, labour force survey, IP records), for benchmarks")
    p.add_argument("--rows-factor", type=float, default=1.0, help=argparse.SUPPRESS)  # shrinks national, for tests
    p.set_defaults(func=run_sample)
    return p


def run_sample(args: argparse.Namespace) -> int:
    """Execute a parsed ``sample`` command; returns the exit code."""
    what = "--out" if args.out is not None else "landing folder (PII_LANDING_DIR)"
    out = require_output_dir(args.out if args.out is not None else landing_dir(), what)
    check_data_years(args.years, "--years", lowest=BASE_YEAR + 1,
                     lowest_reason=f"the sample model starts from {BASE_YEAR} values")
    scale = getattr(args, "scale", "default")
    if scale not in SCALES:
        raise UsageError(f"--scale {scale!r}: not a scale; accepted: {', '.join(SCALES)}")
    factor = getattr(args, "rows_factor", 1.0)
    if not 0 < factor <= 1:
        raise UsageError(f"--rows-factor {factor:g}: must lie in (0, 1]")
    create_output_dir(out, what)
    started = time.perf_counter()
    if scale == "national":
        from pii.sample.national import generate_national

        national = generate_national(out, years=args.years, seed=args.seed, rows_factor=factor)
        print(f"{national.one_line()} in {time.perf_counter() - started:.1f} s")
        return 0
    summary = generate_sample(out, years=args.years, seed=args.seed)
    print(summary.describe())
    print(f"  done in {time.perf_counter() - started:.1f} s")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Standalone entry point: ``pii sample`` with the same argument and error handling."""
    from pii.cli import main as pii_main

    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0] not in ("sample", "-h", "--help"):
        args_list.insert(0, "sample")
    return pii_main(args_list)


if __name__ == "__main__":
    raise SystemExit(main())
