"""Benchmark `pii materialize` against the machine's floor, on one set of landing files (issue 9, item 6).

    .venv/bin/python scripts/benchmark.py --scale default|national [--repeat 3] [--no-docs]

In one run, on the same landing files (written once by `pii sample [--scale national]` in a temporary folder):

  (a) full refresh: `pii materialize` in a separate process on a fresh warehouse and Dagster instance;
      wall time and peak RSS (ru_maxrss of the largest process of the run: the run and its reader process)
  (b) the floor: scripts/floor_duckdb.py, the same staging.measure_values straight from the files with DuckDB
      (+ fastexcel for workbooks), no lineage, no checks
  (c) what an analyst would write instead: scripts/floor_pandas.py (pandas)
  (d) incremental refresh: after a baseline build, one agency workbook and one record-list file are changed
      (one value each, a different value every repetition) and `pii materialize` runs again on that warehouse
  (e) the default sample's full refresh (the (a) figures when --scale default; else its own landing folder)

Then it checks that (a), (b) and (c) agree on every value of staging.measure_values (keys province_code,
boundary, year, measure_code; values within 1e-9 relative), and that (a) after the last incremental refresh
agrees with (b) on the changed files. Differences are listed with their keys and, for a key only the floors
have, the quarantine reasons the pipeline recorded for that source and year. It prints one table with the
ratios and, unless --no-docs, writes it with the machine's description and the profile of the full refresh
(Dagster step durations) to docs/benchmarks.md. Exit code 1 when the paths disagree or a step fails.
Each figure is the median of --repeat runs (min and max shown).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmark_agreement import REL_TOL, compare
from benchmark_changes import BenchmarkError, change_files

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = REPO / "scripts"
DOCS = REPO / "docs" / "benchmarks.md"
TARGETS = "(a) national ≤ 60 s and ≤ 4 GiB for ≥ 9 M rows; (a)/(b) ≤ 2; (a) < (c); (d) ≤ 10 s; (e) ≤ 15 s, ≤ 600 MiB"

# The measuring wrapper: runs the command as its child, prints wall seconds, peak RSS MiB of the largest
# descendant process (Linux ru_maxrss is in KiB) and the exit code as the last line of its stdout.
_WRAPPER = (
    "import resource, subprocess, sys, time; t = time.perf_counter(); "
    "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True); "
    "w = time.perf_counter() - t; "
    "sys.stderr.write(r.stderr[-4000:]); "
    "print(w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, r.returncode)"
)


@dataclass
class Step:
    label: str
    walls: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)

    def add(self, wall: float, rss: float) -> None:
        self.walls.append(wall)
        self.rss.append(rss)

    @property
    def median(self) -> float:
        return statistics.median(self.walls) if self.walls else float("nan")

    def row(self, ratios: str = "") -> str:
        if not self.walls:
            return f"| {self.label} | – | – | – | – | {ratios} |"
        return (f"| {self.label} | {self.median:.1f} | {min(self.walls):.1f} | {max(self.walls):.1f} | "
                f"{max(self.rss):.0f} | {ratios} |")


ALLOW_FAILED_RUN = False  # --allow-failed-run: a `pii materialize` exiting 1 is timed and read from its build file
FAILED_RUNS: list[str] = []


def measure(cmd: list[str], env: dict[str, str], what: str) -> tuple[float, float]:
    out = subprocess.run([sys.executable, "-c", _WRAPPER, *cmd], cwd=REPO, env=env, capture_output=True, text=True)
    try:
        wall, rss, rc = out.stdout.strip().splitlines()[-1].split()
    except (IndexError, ValueError) as exc:
        raise BenchmarkError(f"{what}: the measuring wrapper failed: {out.stderr[-2000:]}") from exc
    if rc == "1" and ALLOW_FAILED_RUN and "materialize" in cmd:
        FAILED_RUNS.append(f"{what}: `pii materialize` exited 1 (run failed, nothing published): "
                           + next((x.strip() for x in out.stderr.splitlines() if "FAILED" in x or "failed" in x), ""))
    elif rc != "0":
        raise BenchmarkError(f"{what} exited {rc}: {' '.join(cmd)}\n{out.stderr[-3000:]}")
    return float(wall), float(rss)


def pii(*args: str) -> list[str]:
    return [sys.executable, "-m", "pii.cli", *args]


class Workspace:
    """A warehouse + Dagster instance in its own folder, reading one landing folder."""

    def __init__(self, root: Path, landing: Path) -> None:
        self.root, self.landing = root, landing
        root.mkdir(parents=True, exist_ok=True)
        (root / "dagster_home").mkdir(exist_ok=True)
        shutil.copy(REPO / "dagster.yaml", root / "dagster_home" / "dagster.yaml")

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse" / "pii_warehouse.duckdb"

    def env(self) -> dict[str, str]:
        return {**os.environ, "PII_LANDING_DIR": str(self.landing), "PII_DUCKDB_PATH": str(self.warehouse),
                "PII_BUILD_DUCKDB_PATH": str(self.root / "build" / "pii_warehouse_build.duckdb"),
                "PII_STATE_DIR": str(self.root / "state"), "DAGSTER_HOME": str(self.root / "dagster_home")}

    def materialize(self, what: str) -> tuple[float, float]:
        return measure(pii("materialize"), self.env(), what)

    @property
    def readable(self) -> Path:
        """The published warehouse, or (--allow-failed-run) the build file a failed run left."""
        if not self.warehouse.exists() and ALLOW_FAILED_RUN:
            return self.root / "build" / "pii_warehouse_build.duckdb"
        return self.warehouse

    def export_measure_values(self, out: Path) -> Path:
        database = self.readable
        code = ("import sys, duckdb; c = duckdb.connect(sys.argv[1], read_only=True); "
                "c.execute(\"COPY (SELECT province_code, boundary, year, measure_code, value, source_id "
                "FROM staging.measure_values) TO '\" + sys.argv[2] + \"' (FORMAT parquet)\")")
        subprocess.run([sys.executable, "-c", code, str(database), str(out)], check=True, cwd=REPO)
        return out

    def step_profile(self) -> list[tuple[str, float]]:
        """Dagster step durations of the newest run of this instance, longest first."""
        code = (
            "import json, dagster as dg\n"
            "inst = dg.DagsterInstance.get()\n"
            "rec = inst.get_run_records(limit=1)[0]\n"
            "stats = inst.get_run_step_stats(rec.dagster_run.run_id)\n"
            "print(json.dumps(sorted(((s.step_key, (s.end_time or 0) - (s.start_time or 0)) for s in stats),"
            " key=lambda kv: -kv[1])))\n"
        )
        out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=self.env(), capture_output=True, text=True)
        return [tuple(x) for x in json.loads(out.stdout)] if out.returncode == 0 and out.stdout.strip() else []


# -- landing files ------------------------------------------------------------------------------------------
def generate(landing: Path, scale: str, rows_factor: float | None) -> tuple[float, int, int, int]:
    """`pii sample` into ``landing``: (wall s, files, data rows, bytes)."""
    args = ["sample", "--out", str(landing)]
    if scale == "national":
        args += ["--scale", "national"]
        if rows_factor is not None:
            args += ["--rows-factor", str(rows_factor)]
    started = time.perf_counter()
    out = subprocess.run(pii(*args), cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if out.returncode != 0:
        hint = (" — the national sample (pii/sample/national.py, issue 9) could not be written; its error follows"
                if scale == "national" else "")
        raise BenchmarkError(f"pii {' '.join(args)} exited {out.returncode}{hint}:\n{out.stderr[-2000:]}")
    files = [p for p in landing.rglob("*") if p.is_file() and p.name not in ("README.txt", "manifest.json")]
    rows = count_rows(landing)
    return wall, len(files), rows, sum(p.stat().st_size for p in files)


def count_rows(landing: Path) -> int:
    manifest = landing / "manifest.json"
    if manifest.exists():
        doc = json.loads(manifest.read_text(encoding="utf-8"))
        rows = sum(int(f.get("rows", 0)) for f in doc.get("files", []))
        if rows:
            return rows
    return 0


# -- the run ------------------------------------------------------------------------------------------------
def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(int(x.split()[1]) for x in Path("/proc/meminfo").read_text().splitlines()
                   if x.startswith("MemTotal"))
        ram = f"{mem / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration):
        ram = "RAM unknown"
    import duckdb
    import pandas
    import polars

    return (f"{os.cpu_count()} cores ({cpu}), {ram}, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, duckdb {duckdb.__version__}, polars {polars.__version__}, "
            f"pandas {pandas.__version__}")


def run(args: argparse.Namespace) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="pii_bench_", dir=args.workdir))
    problems: list[str] = []
    try:
        landing = tmp / "landing"
        print(f"benchmark: scale {args.scale}, {args.repeat} repetition(s), in {tmp}", file=sys.stderr)
        gen_wall, n_files, n_rows, n_bytes = generate(landing, args.scale, args.rows_factor)
        print(f"  landing: {n_files} files, {n_rows:,} rows, {n_bytes / 2**20:.0f} MiB ({gen_wall:.1f} s)",
              file=sys.stderr)
        a = Step(f"(a) `pii materialize`, full refresh ({args.scale})")
        b = Step("(b) floor: DuckDB + fastexcel (`scripts/floor_duckdb.py`)")
        c = Step("(c) analyst: pandas (`scripts/floor_pandas.py`)")
        d = Step("(d) incremental refresh: 1 agency workbook + 1 record-list file changed")
        e = Step("(e) `pii materialize`, full refresh (default sample)")
        last: Workspace | None = None
        for i in range(args.repeat):
            last = Workspace(tmp / f"a{i}", landing)
            a.add(*last.materialize(f"(a) repetition {i + 1}"))
            print(f"  (a) {a.walls[-1]:.1f} s, {a.rss[-1]:.0f} MiB", file=sys.stderr)
        assert last is not None
        profile = last.step_profile()
        pipe_mv = last.export_measure_values(tmp / "a.parquet")
        for step, script in ((b, "floor_duckdb.py"), (c, "floor_pandas.py")):
            for i in range(args.repeat):
                out = tmp / f"{script}.parquet"
                step.add(*measure([sys.executable, str(SCRIPTS / script), "--landing", str(landing), "--out", str(out)],
                                  os.environ.copy(), f"{script} repetition {i + 1}"))
                print(f"  {script} {step.walls[-1]:.1f} s, {step.rss[-1]:.0f} MiB", file=sys.stderr)
            problems += compare(pipe_mv, out, script, last.readable)
        # (d): a copy of the landing folder, a baseline build (not timed), then one change per repetition.
        inc_landing = tmp / "landing_incremental"
        shutil.copytree(landing, inc_landing)
        inc = Workspace(tmp / "incremental", inc_landing)
        inc.materialize("(d) baseline build")
        changed: list[str] = []
        for i in range(args.repeat):
            changed = change_files(inc_landing, i + 1)
            d.add(*inc.materialize(f"(d) repetition {i + 1}"))
            print(f"  (d) {d.walls[-1]:.1f} s after changing {', '.join(changed)}", file=sys.stderr)
        floor_inc = tmp / "floor_incremental.parquet"
        subprocess.run([sys.executable, str(SCRIPTS / "floor_duckdb.py"), "--landing", str(inc_landing), "--out",
                        str(floor_inc)], check=True, cwd=REPO, capture_output=True)
        problems += [f"after the incremental refresh: {x}" for x in
                     compare(inc.export_measure_values(tmp / "d.parquet"), floor_inc, "floor_duckdb.py (changed files)",
                             inc.readable)]
        if args.scale == "default":
            e.walls, e.rss = a.walls, a.rss
        else:
            default_landing = tmp / "landing_default"
            generate(default_landing, "default", None)
            for i in range(args.repeat):
                e.add(*Workspace(tmp / f"e{i}", default_landing).materialize(f"(e) repetition {i + 1}"))
                print(f"  (e) {e.walls[-1]:.1f} s, {e.rss[-1]:.0f} MiB", file=sys.stderr)
        report = render(args, machine(), (n_files, n_rows, n_bytes, gen_wall), a, b, c, d, e, changed, profile,
                        problems)
        print(report)
        if not args.no_docs:
            write_docs(report)
            print(f"written to {DOCS.relative_to(REPO)}", file=sys.stderr)
    except BenchmarkError as exc:
        print(f"benchmark: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 1 if problems or FAILED_RUNS else 0


def render(args, machine_text, landing, a, b, c, d, e, changed, profile, problems) -> str:
    n_files, n_rows, n_bytes, gen_wall = landing

    def ratio(x: Step, y: Step) -> str:
        return f"{x.median / y.median:.2f}" if x.walls and y.walls and y.median > 0 else "–"

    lines = [
        f"Scale `{args.scale}`: {n_files} landing files, {n_rows:,} source rows, {n_bytes / 2**20:.0f} MiB "
        f"(`pii sample` {gen_wall:.1f} s). Machine: {machine_text}. Measured {time.strftime('%Y-%m-%d %H:%M %Z')}.",
        "",
        f"| step | wall s (median of {args.repeat}) | min | max | peak RSS MiB (max) | ratio |",
        "|---|---|---|---|---|---|",
        a.row(f"(a)/(b) = {ratio(a, b)}, (a)/(c) = {ratio(a, c)}"),
        b.row(),
        c.row(),
        d.row(f"(d)/(a) = {ratio(d, a)}"),
        e.row(),
        "",
        f"Targets: {TARGETS}. (d) changed `{'` and `'.join(changed)}`.",
        "",
        "**Agreement** of staging.measure_values (keys province_code, boundary, year, measure_code; values within "
        f"{REL_TOL:g} relative): " + ("(a), (b) and (c) agree on every value, and (a) after the incremental refresh "
                                      "agrees with (b) on the changed files." if not problems else "DIFFERENCES:"),
    ]
    lines += [f"    {p}" for p in problems]
    if FAILED_RUNS:
        lines += ["", "**Failed runs** (timed anyway, --allow-failed-run; values read from the build file):"]
        lines += [f"    {x}" for x in FAILED_RUNS]
    if profile:
        lines += ["", "Where the last full refresh's time goes (Dagster step durations, longest first; steps run one "
                  "at a time, the rest of the wall time is loading definitions and starting the run):", "",
                  "| step | seconds |", "|---|---|"]
        lines += [f"| `{k}` | {s:.1f} |" for k, s in profile[:12]]
        lines.append(f"| {len(profile) - 12} other steps | {sum(s for _, s in profile[12:]):.1f} |"
                     if len(profile) > 12 else "")
    return "\n".join(lines).rstrip() + "\n"


def write_docs(report: str) -> None:
    """Replace the generated section of docs/benchmarks.md (between the markers), keeping the rest."""
    start, end = "<!-- benchmark:start -->", "<!-- benchmark:end -->"
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
    block = f"{start}\n{report}{end}"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOCS.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark pii materialize against the floor (docs/benchmarks.md)")
    parser.add_argument("--scale", choices=("default", "national"), default="default")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of each timed step (median shown)")
    parser.add_argument("--rows-factor", type=float, default=None,
                        help="national only: shrink the national sample (pii sample --rows-factor), for quick checks")
    parser.add_argument("--no-docs", action="store_true", help="print the table only; leave docs/benchmarks.md")
    parser.add_argument("--allow-failed-run", action="store_true",
                        help="time a `pii materialize` that fails (exit 1, e.g. a critical check) instead of stopping; "
                        "its staging.measure_values is read from the build file; the report lists the failures")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (landing, warehouses)")
    parser.add_argument("--workdir", type=Path, default=None, help="where the temporary folder goes (default: TMPDIR)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    global ALLOW_FAILED_RUN
    ALLOW_FAILED_RUN = args.allow_failed_run
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
