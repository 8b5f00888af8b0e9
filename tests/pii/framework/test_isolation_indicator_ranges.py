"""Each indicator's valid range: declared in the framework file, or implied by its formula and measures.csv."""

from __future__ import annotations

from pathlib import Path

import pytest

from pii.catalog import load_measures
from pii.framework.loader import FRAMEWORK_DIR, FrameworkError, load_framework, load_framework_file
from pii.framework.ranges import indicator_range


@pytest.mark.parametrize(("code", "low", "high", "basis"), [
    ("4.2.3", 0.0, 100.0, "range declared in the framework file"),   # start-ups among new enterprises, %
    ("5.1.3", 0.0, 100.0, "range declared in the framework file"),   # enterprises with R&D among those surveyed
    ("4.1.1", 0.0, None, "ratio of non-negative measures"),          # credit / GRDP, %: may exceed 100
    ("4.3.1", 0.0, 100.0, "a province's share of the national total"),
    ("5.1.1", 0.0, 100.0, "range of measure trained_labour_share in measures.csv"),
    ("1.1.2", 0.0, 10.0, "range of measure pci_legal in measures.csv"),
    ("7.1.1", -100.0, None, "growth of a non-negative measure"),
    ("7.2.2", -100.0, 100.0, "change within the range of measure poverty_rate"),
])
def test_ranges_of_2025_indicators(code: str, low: float, high: float | None, basis: str) -> None:
    r = indicator_range(load_framework(2025).indicator(code), load_measures())
    assert (r.min_value, r.max_value, r.basis) == (low, high, basis)


def _framework_with(tmp_path: Path, old: str, new: str) -> Path:
    text = (FRAMEWORK_DIR / "pii_2025.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "pii_2025.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_an_open_end_keeps_the_declared_other_end(tmp_path: Path) -> None:
    fw = load_framework_file(_framework_with(tmp_path, "range: [0, 100]", "range: [null, 100]"))
    r = indicator_range(fw.indicator("3.2.1"), load_measures())
    assert (r.min_value, r.max_value) == (None, 100.0)


@pytest.mark.parametrize(("new", "message"), [
    ("range: [100, 0]", "indicator 3.2.1: field 'range' [100.0, 0.0] is empty"),
    ("range: [0, 100, 5]", "indicator 3.2.1"),
    ("range: [0, 'a hundred']", "indicator 3.2.1"),
])
def test_a_bad_range_fails_naming_the_indicator(tmp_path: Path, new: str, message: str) -> None:
    with pytest.raises(FrameworkError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_framework_file(_framework_with(tmp_path, "range: [0, 100]", new))
