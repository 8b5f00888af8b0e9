"""docs/data_dictionary.md is generated from the warehouse's comments and must match the committed file."""

from __future__ import annotations

from pathlib import Path

import pytest

from pii.cli import main
from pii.dictionary import DOC_PATH, dictionary_markdown, load_dictionary
from tests.e2e.conftest import Materialized


def test_committed_dictionary_is_current(warehouse: Materialized) -> None:
    with warehouse.connect() as conn:
        text = dictionary_markdown(conn, load_dictionary())
    assert DOC_PATH.read_text(encoding="utf-8") == text, \
        "docs/data_dictionary.md is stale: run `pii dictionary` (after `pii materialize`)"
    # Every published schema and the analyst views are there, and the text is deterministic.
    for heading in ("## Schema `analyst`", "### `analyst.rank_changes` (view)", "### `core.pii_input` (table)",
                    "### `raw.*`: "):
        assert heading in text
    with warehouse.connect() as conn:
        assert dictionary_markdown(conn, load_dictionary()) == text


def test_dictionary_command_writes_and_checks(warehouse: Materialized, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "dictionary.md"
    args = ["dictionary", "--warehouse", str(warehouse.published), "--out", str(out)]
    assert main([*args, "--check"]) == 1
    assert "is stale: run `pii dictionary`" in capsys.readouterr().out
    assert main(args) == 0
    assert out.read_text(encoding="utf-8") == DOC_PATH.read_text(encoding="utf-8")
    assert main([*args, "--check"]) == 0
    assert main(["dictionary", "--warehouse", str(tmp_path / "none.duckdb")]) == 2
    assert "run `pii materialize` first" in capsys.readouterr().err
