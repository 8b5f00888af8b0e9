"""Build the corpus of bad landing files into tests/corpus/files/ (deterministic: same bytes every run).

Run from the repository root: ``.venv/bin/python -m tests.corpus.build_corpus [OUT_DIR]``. The files are
committed so a reader can open them; tests/corpus/test_corpus.py checks that they equal what this
script builds. What each file is and what ingestion must make of it: tests/corpus/cases.yaml. Zip bombs
and links leaving the landing folder are not committed: the test creates them (generated.py).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from tests.corpus.files_landing import LANDING_FILES
from tests.corpus.files_limits import LIMIT_FILES
from tests.corpus.files_numbers import NUMBER_FILES
from tests.corpus.files_survey import SURVEY_FILES
from tests.corpus.files_workbooks import WORKBOOK_FILES

FILES_DIR = Path(__file__).resolve().parent / "files"
BUILDERS: dict[str, Callable[[], bytes]] = {**SURVEY_FILES, **WORKBOOK_FILES, **NUMBER_FILES, **LANDING_FILES,
                                           **LIMIT_FILES}


def build(out: Path = FILES_DIR) -> list[str]:
    """Write every corpus file into ``out``; returns the file names, sorted."""
    out.mkdir(parents=True, exist_ok=True)
    for name, builder in sorted(BUILDERS.items()):
        (out / name).write_bytes(builder())
    return sorted(BUILDERS)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else FILES_DIR
    names = build(target)
    print(f"{len(names)} corpus files written to {target}")
