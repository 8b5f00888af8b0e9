"""Small builders for adapter tests: grid rows from lists, a file context, the province registry."""

from __future__ import annotations

from collections import Counter

from pii.ingest.grid import GridRow
from pii.ingest.results import ConformResult, FileContext
from pii.provinces import ProvinceRegistry, default_registry


def grid(rows: list[list[object]], sheet: str = "") -> list[GridRow]:
    """Rows as read from a CSV (text cells) — numbers (int/float) become numeric cells."""
    out = []
    for i, row in enumerate(rows, start=1):
        cells = tuple("" if v is None else str(v) for v in row)
        types = tuple("n" if isinstance(v, int | float) else ("s" if c.strip() else "") for v, c in zip(row, cells,
                                                                                                       strict=True))
        out.append(GridRow(sheet, i, cells, types))
    return out


def context(data_year: int = 2024, source_id: str = "test_source", path: str = "2024/test/file.csv") -> FileContext:
    return FileContext(source_id, path, "0" * 64, data_year)


def registry() -> ProvinceRegistry:
    return default_registry()


def codes(result: ConformResult) -> list[str]:
    return [q["reason_code"] for q in result.quarantine]


def conserved(result: ConformResult, rows: list[GridRow]) -> bool:
    """Every row disposed exactly once."""
    disposed = Counter((d["sheet"], d["row_number"]) for d in result.dispositions)
    return disposed == Counter((r.sheet, r.row_number) for r in rows) and max(disposed.values()) == 1
