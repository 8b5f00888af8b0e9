"""The landing-file changes the incremental refresh (d) of scripts/benchmark.py times, and its error type."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent


class BenchmarkError(RuntimeError):
    pass


def _first_file(landing: Path, kind: str, suffix: str) -> Path:
    sys.path.insert(0, str(SCRIPTS))
    from _floor_common import load_sources

    for src in load_sources(landing):
        if src.kind == kind:
            for _, path in reversed(src.files):
                if path.suffix.lower() == suffix:
                    return path
    raise BenchmarkError(f"no {kind} {suffix} file in {landing} to change for the incremental refresh")


_ORIGINAL: dict[str, float] = {}


def change_files(landing: Path, k: int) -> list[str]:
    """Change one value in one agency workbook and one record in one record-list CSV (variant ``k``)."""
    import openpyxl

    book_path = _first_file(landing, "agency_submission", ".xlsx")
    book = openpyxl.load_workbook(book_path)
    ws = book["Số liệu"]
    header = next(r for r in ws.iter_rows(min_row=1, max_row=20) if any(c.value == "Giá trị" for c in r))
    col = next(c.column for c in header if c.value == "Giá trị")
    cell = ws.cell(row=header[0].row + 1, column=col)
    original = _ORIGINAL.setdefault(str(book_path), float(cell.value))
    # Odd repetitions change the value (by 1, staying in every measure's range), even ones restore it.
    cell.value = original if k % 2 == 0 else (original - 1 if original >= 1 else original + 0.5)
    book.save(book_path)

    csv_path = _first_file(landing, "record_list", ".csv")
    tmp = csv_path.with_suffix(".tmp")
    with csv_path.open(encoding="utf-8-sig", newline="") as src, tmp.open("w", encoding="utf-8-sig", newline="") as dst:
        reader, writer = csv.reader(src), csv.writer(dst, lineterminator="\n")
        writer.writerow(next(reader))
        header = next(reader)
        writer.writerow(header)
        first = next(reader)
        cat = header.index("Loại đơn") if "Loại đơn" in header else 1
        labels = ["Sáng chế", "Nhãn hiệu", "Kiểu dáng công nghiệp"]
        first[cat] = labels[k % len(labels)] if first[cat] != labels[k % len(labels)] else labels[(k + 1) % 3]
        writer.writerow(first)
        writer.writerows(reader)
    tmp.replace(csv_path)
    return [book_path.relative_to(landing).as_posix(), csv_path.relative_to(landing).as_posix()]
