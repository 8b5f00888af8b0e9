"""The framework and data years reference/ supports, for checking the years a user asks for.

Framework years are the ``reference/framework/pii_<year>.yaml`` files. Data years are the years those
frameworks read (framework year + each indicator's data-year offset, and the year before for a change
indicator). Adding a framework file widens both; nothing here is a hard-coded year.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from pii.errors import UsageError
from pii.framework.loader import framework_years as _framework_files
from pii.framework.loader import load_framework


@cache
def framework_years() -> tuple[int, ...]:
    """Framework years with a file in reference/framework/."""
    return tuple(_framework_files())


@cache
def data_years() -> tuple[int, ...]:
    """Data years some framework reads, from the oldest to the newest (gaps filled)."""
    years: set[int] = set()
    for fy in framework_years():
        fw = load_framework(fy)
        for ind in fw.indicators:
            year = fw.data_year(ind)
            years.update((year - 1, year) if ind.formula.kind == "change" else (year,))
    return tuple(range(min(years), max(years) + 1)) if years else ()


def framework_boundary(year: int) -> str:
    """The province boundary of a framework year (p63 or p34), from its framework file."""
    check_framework_year(year)
    return load_framework(year).boundary


def check_framework_year(year: int, option: str = "--year") -> int:
    """``year`` if a framework file exists for it, else a UsageError listing the framework years."""
    known = framework_years()
    if year not in known:
        raise UsageError(f"{option} {year}: no PII framework for that year "
                         f"(reference/framework/ has {', '.join(map(str, known))})")
    return year


def check_data_years(
    years: Iterable[int], option: str = "--year", lowest: int | None = None, lowest_reason: str = "",
) -> tuple[int, ...]:
    """``years`` if every one is a data year the frameworks read (and >= ``lowest``), else a UsageError."""
    wanted = tuple(sorted(set(years)))
    allowed = [y for y in data_years() if lowest is None or y >= lowest]
    bad = [y for y in wanted if y not in allowed]
    if bad:
        span = f"{allowed[0]}..{allowed[-1]}" if allowed else "none"
        why = "the years the PII frameworks in reference/framework/ read"
        if lowest is not None and lowest_reason:
            why += f", from {lowest}: {lowest_reason}"
        raise UsageError(f"{option} {', '.join(map(str, bad))}: data years must lie in {span} ({why})")
    return wanted
