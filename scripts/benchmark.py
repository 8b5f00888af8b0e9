"""Benchmark the main job on the synthetic sample: wall time and peak memory of each command.

Runs each step as a separate process (as a user would) in a temporary folder, several times, and prints a
Markdown table. Usage: .venv/bin/python scripts/benchmark.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _measure(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    code = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        f"r = subprocess.run([sys.executable, '-m', 'pii.cli', *{args!r}], capture_output=True); "
        "w = time.perf_counter() - t; "
        "print(w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, r.returncode)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    wall, rss, rc = out.stdout.split()
    if rc != "0":
        raise SystemExit(f"pii {' '.join(args)} exited {rc}")
    return float(wall), float(rss)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows: dict[str, list[tuple[float, float]]] = {"sample": [], "materialize (fresh build)": [],
                                                  "materialize (unchanged files)": []}
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            env = {**os.environ, "PII_LANDING_DIR": f"{tmp}/landing", "PII_DUCKDB_PATH": f"{tmp}/wh/pii.duckdb"}
            env.pop("DAGSTER_HOME", None)
            rows["sample"].append(_measure(["sample"], env))
            rows["materialize (fresh build)"].append(_measure(["materialize"], env))
            rows["materialize (unchanged files)"].append(_measure(["materialize"], env))
    print(f"| step | wall s (median of {args.repeat}) | min | max | peak RSS MiB (max) |")
    print("|---|---|---|---|---|")
    for name, samples in rows.items():
        walls = [w for w, _ in samples]
        print(f"| {name} | {statistics.median(walls):.1f} | {min(walls):.1f} | {max(walls):.1f} | "
              f"{max(r for _, r in samples):.0f} |")
    print(f"\ncores: {os.cpu_count()}, python {sys.version.split()[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
