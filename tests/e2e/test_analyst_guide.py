"""Every ```sql block of docs/analyst_guide.md runs on the published warehouse, opened as the guide says."""

from __future__ import annotations

import re

import duckdb
import pytest

from pii.paths import REPO_ROOT
from tests.e2e.conftest import Materialized

GUIDE = REPO_ROOT / "docs" / "analyst_guide.md"
BLOCKS = re.findall(r"```sql\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)
# The columns each example promises, in order (the guide's prose names them).
EXPECTED_COLUMNS = [
    ["rank_of", "province_code", "province_name", "score"],
    ["position", "indicator_code", "indicator_name_en", "rank_of", "value", "unit", "source_ids"],
    ["framework_year", "data_year", "boundary", "value", "unit", "rank_of"],
    ["from_year", "to_year", "province_code", "province_name", "from_rank", "to_rank", "rank_change", "from_basis"],
    ["agency", "data_year", "status", "files"],
    ["source_id", "agency", "data_year", "reason_code", "quarantined_rows"],
]


def test_the_guide_has_the_promised_examples() -> None:
    assert len(BLOCKS) == len(EXPECTED_COLUMNS)


@pytest.mark.parametrize("index", range(len(EXPECTED_COLUMNS)))
def test_guide_query_runs_with_two_part_names(warehouse: Materialized, index: int) -> None:
    # A plain read-only connection, no ATTACH: what an analyst's duckdb shell, Python or R session does.
    with duckdb.connect(str(warehouse.published), read_only=True) as conn:
        cursor = conn.execute(BLOCKS[index])
        rows = cursor.fetchall()
        columns = [d[0] for d in cursor.description]
    assert columns == EXPECTED_COLUMNS[index]
    assert rows, f"example {index + 1} of docs/analyst_guide.md returned no rows"


def test_top_ten_of_2025_are_ranked_one_to_ten(warehouse: Materialized) -> None:
    with duckdb.connect(str(warehouse.published), read_only=True) as conn:
        ranks = [r[0] for r in conn.execute(BLOCKS[0]).fetchall()]
    assert len(ranks) == 10 and all(r.endswith("/34") for r in ranks)
