"""After a run that fails a critical check, `pii materialize` says so, shows why, and does not pass the previous
publication's counts off as this run's; the data-quality report is rewritten and names what blocked it."""

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pii.summary import publication_time

from .conftest import Materialized
from .test_quality_gates import _inflate_national_population

REPO = Path(__file__).resolve().parents[2]
PUBLISHED_AT = 1_790_000_000  # an earlier publication, 2026-09-21


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.e2e
def test_failed_run_says_failed_shows_why_and_labels_previous_counts(
    landing: Path, warehouse: Materialized, tmp_path: Path,
) -> None:
    # The warehouse and report a successful run published earlier.
    root = tmp_path / "warehouse"
    shutil.copytree(warehouse.published.parent / "reports", root / "reports")
    published = root / "pii_warehouse.duckdb"
    shutil.copyfile(warehouse.published, published)
    os.utime(published, (PUBLISHED_AT, PUBLISHED_AT))
    before = _sha256(published)
    assert "**Published**" in (root / "reports" / "dq_latest.md").read_text(encoding="utf-8")
    # This run's landing folder has a yearbook whose national total disagrees with its provinces by 10 %.
    broken = tmp_path / "landing"
    shutil.copytree(landing, broken)
    _inflate_national_population(broken, 2023, 1.10)
    env = {**os.environ, "PII_LANDING_DIR": str(broken), "PII_DUCKDB_PATH": str(published)}
    env.pop("DAGSTER_HOME", None)

    run = subprocess.run([sys.executable, "-m", "pii.cli", "materialize"], cwd=REPO, env=env, text=True,
                         capture_output=True, timeout=900, check=False)

    out = run.stdout
    assert run.returncode == 1, out[-3000:] + run.stderr[-3000:]
    run_id = re.search(r"^run FAILED \(run id ([0-9a-f-]{36})\)$", out, re.MULTILINE)
    assert run_id, out[-3000:]
    lines = out.splitlines()
    at = lines.index("  FAILED  staging/reconciliation:totals_reconcile")
    assert lines[at + 1].startswith("          [critical] ")  # what the check checks
    assert lines[at + 2].startswith("          1 unexpected; first: {")  # and the first offending row
    assert "nien_giam_thong_ke_2023.xlsx" in lines[at + 2]
    when = publication_time(published)
    assert when is not None and when.startswith("2026-09-2")
    assert f"not replaced by this run; counts of the previous publication ({when}):" in out
    assert "published by this run" not in out
    assert _sha256(published) == before  # nothing was published

    report = (root / "reports" / "dq_latest.md").read_text(encoding="utf-8")
    assert report == (root / "reports" / f"dq_{run_id[1]}.md").read_text(encoding="utf-8")
    assert report.startswith(f"# Data-quality summary — run {run_id[1]}\n")
    assert f"**Not published.** `{published}` still holds the previous publication ({when})." in report
    assert "Blocked by:\n\n- critical check **staging.reconciliation · totals_reconcile** (details below)" in report
    assert "| staging.reconciliation | totals_reconcile | critical | NO | 1 |" in report
