"""``report`` command: a province's PII profile or the national ranking as one self-contained HTML file.

``pii report --province "Long An" --year 2024 [--lang vi|en] --out DIR`` writes
``DIR/pii_<year>_<code>_<slug>.<lang>.html``; ``pii report --national --year 2025 --out DIR`` writes
``DIR/pii_<year>_national.<lang>.html``. Both read the published warehouse (``PII_DUCKDB_PATH``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pii.errors import UsageError, create_output_dir, require_output_dir
from pii.reports.i18n import LANGUAGES


def add_report_command(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    """Register the ``report`` sub-command on an argparse subparsers object."""
    p = subparsers.add_parser(
        "report", help="write a province's PII profile or the national ranking as a self-contained HTML file",
        description="Read the published warehouse and write one HTML file (CSS, fonts and charts inline; "
                    "works offline): a province profile (--province) or the national ranking (--national).")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--province", help="province code ('80') or name ('Long An', 'long an') on the year's "
                                          "boundary (63 provinces up to 2024, 34 from 2025)")
    which.add_argument("--national", action="store_true", help="the ranking of every province")
    p.add_argument("--year", type=int, default=None,
                   help="framework year (default: the latest in reference/framework/)")
    p.add_argument("--lang", choices=LANGUAGES, default="vi", help="language of the report (default vi)")
    p.add_argument("--out", type=Path, required=True, help="output folder (created if missing)")
    p.set_defaults(func=run_report)
    return p


def report_file_name(year: int, lang: str, code: str | None = None, name_ascii: str | None = None) -> str:
    """``pii_2024_80_long-an.vi.html`` for a profile, ``pii_2025_national.en.html`` for the ranking."""
    if code is None:
        return f"pii_{year}_national.{lang}.html"
    slug = "-".join((name_ascii or "").lower().split()) or "province"
    return f"pii_{year}_{code}_{slug}.{lang}.html"


def build_report(year: int, lang: str, province: str | None) -> tuple[str, str]:
    """The HTML of the requested report and its file name (province None: the national ranking)."""
    from pii.paths import warehouse_path
    from pii.reference_years import check_framework_year
    from pii.reports.html import render_national, render_profile
    from pii.reports.lookup import framework_province
    from pii.reports.national_data import load_national
    from pii.reports.profile_data import load_profile
    from pii.warehouse import framework_boundary, lookup, open_warehouse

    check_framework_year(year)
    resolved = framework_province(year, province) if province is not None else None
    path = warehouse_path()
    conn = open_warehouse(path)
    try:
        boundary = lookup(conn, path, lambda c: framework_boundary(c, year))
        if resolved is None:
            national = lookup(conn, path, lambda c: load_national(c, year, boundary))
            if not national.n:
                raise UsageError(f"--year {year}: the warehouse {path} has no PII {year} scores: "
                                 "run `pii materialize`")
            return render_national(national, lang), report_file_name(year, lang)
        _, code, name = resolved
        profile = lookup(conn, path, lambda c: load_profile(c, year, boundary, code))
    finally:
        conn.close()
    if profile.index is None:
        raise UsageError(f"--province {province!r}: the warehouse {path} has no PII {year} score for {name} "
                         f"({code}): run `pii materialize`")
    return render_profile(profile, lang), report_file_name(year, lang, code, profile.province["name_ascii"])


def run_report(args: argparse.Namespace) -> int:
    from pii.reference_years import framework_years

    year = args.year if args.year is not None else framework_years()[-1]
    out = require_output_dir(args.out, "--out")
    html, name = build_report(year, args.lang, None if args.national else args.province)
    create_output_dir(out, "--out")
    target = out / name
    target.write_text(html, encoding="utf-8")
    print(target, file=sys.stdout)
    return 0
