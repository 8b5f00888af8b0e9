"""A province named on the command line, resolved on a framework year's boundary as ingestion resolves names."""

from __future__ import annotations

from pii.errors import UsageError


def framework_province(year: int, query: str, option: str = "--province") -> tuple[str, str, str]:
    """Boundary, code and Vietnamese name of ``query`` (a code or any spelling) on framework year ``year``.

    The boundary comes from the year's framework file (p63 up to 2024, p34 from 2025), so "Long An" is a
    province in 2024 and, in 2025, an error naming the province it merged into. An unknown name is a
    UsageError with the closest names.
    """
    from pii.provinces import ProvinceRegistry
    from pii.reference_years import framework_boundary

    boundary = framework_boundary(year)
    registry = ProvinceRegistry.load()
    code = query.strip()
    if code not in {p.code for p in registry.provinces(boundary)}:
        found = registry.resolve(query, boundary=boundary)
        if not found.ok or found.code is None:
            raise UsageError(f"{option} {query!r}: {found.message}")
        code = found.code
    return boundary, code, registry.province(boundary, code).name_vi
