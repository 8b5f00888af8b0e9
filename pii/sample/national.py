"""``pii sample --scale national``: about ten million SYNTHETIC source rows over 2022-2025.

Three large sources get national volumes, written vectorised (numpy + polars, no per-row Python) one
file at a time so memory stays low (~0.9 GiB peak):

- ``enterprise_survey`` (Parquet, one row per enterprise) and ``labour_force_survey`` (CSV, one row per
  person): the default sample's writers (pii/sample/writers_microdata.py) with national ``rows``: every
  active enterprise of the latent model plus ~9.5 % suspended or dissolved (~1.05-1.25 million a year),
  and ``LFS_PERSONS_PER_YEAR`` persons. Those files encode the model's values exactly; their defects are
  extra rows the pipeline must quarantine (exact and conflicting repeats, unknown or merged province
  codes, negative amounts or weights, non-numeric ages: ~1 per 100,000 rows each, see that module).
- ``ipvn_applications`` (CSV): the default sample's layout at ``IP_SCALE`` times the model's counts
  (~120,000 a year), vectorised here (the default writer loops per row), with defects at the rates of
  ``DEFECT_RATES``, counted per file in manifest.json: publisher spellings ("TP. Hồ Chí Minh", as the
  default sample), province names in decomposed Unicode (NFD), exact repeats of a record (counted once),
  a blank province (quarantined).

Every other source is written exactly as the default sample writes it. Formats: docs/source_formats.md.
Same seed, years and ``rows_factor`` -> byte-identical files (Parquet: fixed row groups, no timestamps).
``rows_factor`` (hidden CLI option ``--rows-factor``) shrinks the three large sources for tests (the
enterprise survey never goes below the section-M census plus a few firms per province, ~62,000 rows).
"""

from __future__ import annotations

import hashlib
import io
import json
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from pii.catalog import Source, load_sources
from pii.sample.common import NOTICE, display_name
from pii.sample.generator import MANIFEST, README, SampleFile, SampleSummary, _writer, years_argument
from pii.sample.profiles import boundary_for_year, provinces, stream
from pii.sample.values import DEFAULT_SEED, DEFAULT_YEARS, SampleModel, model_for, normalise_years
from pii.sample.writers_microdata import write_enterprise_survey, write_labour_force_survey
from pii.sample.writers_records import APPLICANTS, CSV_NOTICE, DEFAULT_APPLICANTS, PREFIX, _days

__all__ = ["DEFECT_RATES", "NationalSummary", "generate_national"]

ENTERPRISE_SURVEY = "enterprise_survey"
LABOUR_FORCE_SURVEY = "labour_force_survey"
IP_APPLICATIONS = "ipvn_applications"
NATIONAL_SOURCES = (ENTERPRISE_SURVEY, LABOUR_FORCE_SURVEY, IP_APPLICATIONS)

LFS_PERSONS_PER_YEAR = 1_250_000
INACTIVE_SHARE = 0.095  # suspended + dissolved enterprises listed beside the active ones
IP_SCALE = 2.0  # national IP list = 2 x the model's counts (~120,000 applications a year)
# Defect rates per IP record (a few in ten thousand to a few in a thousand). Each is counted in the manifest.
DEFECT_RATES = {
    "nfd_name": 0.002,  # province name in decomposed Unicode (NFD): resolved like the NFC name
    "blank_province": 0.0001,  # province empty: quarantined
    "exact_repeat": 0.0003,  # the same record listed twice, every column equal: counted once
}
MICRODATA_DEFECTS = ("extra rows, ~1 per 100,000 of each kind (pii/sample/writers_microdata.py): exact repeat, "
                     "conflicting repeat, unknown province code, negative amount or weight, non-numeric age, "
                     "a merged province's old code in 2025")


@dataclass(frozen=True)
class NationalSummary(SampleSummary):
    """What ``generate_national`` wrote, plus the defects injected per file."""

    rows_factor: float = 1.0
    defects: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def total_bytes(self) -> int:
        return sum((self.landing_dir / f.path).stat().st_size for f in self.files)

    def one_line(self) -> str:
        return (f"national synthetic sample (seed {self.seed}, years {years_argument(self.years)}): "
                f"{self.total_rows:,} rows in {len(self.files)} files, {self.total_bytes / 2**20:,.0f} MiB "
                f"-> {self.landing_dir}")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _pick(rng: np.random.Generator, n: int, rate: float, exclude: np.ndarray | None = None) -> np.ndarray:
    """Sorted distinct row indexes hit by a defect of ``rate`` (a binomial count), avoiding ``exclude``."""
    k = int(rng.binomial(n, rate)) if n else 0
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    idx = np.sort(rng.choice(n, size=min(k, n), replace=False))
    return idx if exclude is None else np.setdiff1d(idx, exclude)


def _with_repeats(df: pl.DataFrame, rng: np.random.Generator) -> tuple[pl.DataFrame, int]:
    """Every picked row listed a second time right after itself (an exact repeat)."""
    dup = _pick(rng, df.height, DEFECT_RATES["exact_repeat"])
    if len(dup) == 0:
        return df, 0
    order = np.sort(np.concatenate([np.arange(df.height), dup]), kind="stable")
    return df[pl.Series(order)], len(dup)


def _scaled(values: np.ndarray, factor: float) -> np.ndarray:
    return np.round(np.asarray(values, dtype=float) * factor).astype(np.int64)


# --- IP application list (CSV, the default sample's layout at national volume) --------------------------
def ip_frame(model: SampleModel, source: Source, year: int, scale: float) -> tuple[pl.DataFrame, dict[str, int]]:
    spec = source.spec
    boundary = boundary_for_year(year)
    provs = provinces(boundary)
    names = np.array([display_name(p, variants=True) for p in provs], dtype=object)
    nfd_names = np.array([unicodedata.normalize("NFD", str(x)) for x in names], dtype=object)
    days = np.array(_days(year), dtype=object)
    parts: list[pl.DataFrame] = []
    measures = list(spec["categories"].values())
    for label, measure in spec["categories"].items():
        counts = _scaled(model.value(measure, year, boundary), scale)
        prefix = PREFIX.get(measure, 7 + measures.index(measure))
        rng = stream(model.seed, "national", source.source_id, measure, year, boundary)
        province = np.repeat(np.arange(len(provs)), counts)
        day = rng.integers(0, len(days), len(province))
        applicant_id = rng.integers(1, 100_000, len(province))
        kinds = np.array(APPLICANTS.get(measure, DEFAULT_APPLICANTS), dtype=object)
        kind = rng.integers(0, len(kinds), len(province))
        order = np.lexsort((province, day))  # numbers are given in filing order, as the office does
        seq = pl.Series(np.arange(1, len(order) + 1)).cast(pl.String).str.zfill(5)
        parts.append(pl.DataFrame({
            "id": (pl.Series(np.full(len(order), f"{prefix}-{year}-", dtype=object), dtype=pl.String) + seq),
            "category": pl.Series(np.full(len(order), label, dtype=object), dtype=pl.String),
            "date": pl.Series(days[day[order]], dtype=pl.String),
            "applicant": pl.Series(kinds[kind[order]], dtype=pl.String) + " "
            + pl.Series(applicant_id[order]).cast(pl.String).str.zfill(5),
            "province": pl.Series(province[order]),
        }))
    df = pl.concat(parts)
    rng = stream(model.seed, "national", source.source_id, "defects", year)
    n = df.height
    nfd = _pick(rng, n, DEFECT_RATES["nfd_name"])
    blank = _pick(rng, n, DEFECT_RATES["blank_province"], exclude=nfd)
    prov_idx = df["province"].to_numpy()
    name = np.where(np.isin(np.arange(n), nfd), nfd_names[prov_idx], names[prov_idx])
    name[blank] = ""
    df = df.with_columns(pl.Series("province", name, dtype=pl.String))
    defects = {"nfd_name": len(nfd), "blank_province": len(blank)}
    df, defects["exact_repeat"] = _with_repeats(df, rng)
    header = [spec["record_id_column"], spec["category_column"], spec["date_column"], "Người nộp đơn",
              spec["province_column"]]
    return df.rename(dict(zip(df.columns, header, strict=True))), defects


def write_ip_applications(model: SampleModel, source: Source, year: int, path: Path,
                          scale: float = IP_SCALE) -> tuple[int, dict[str, int]]:
    """The default sample's CSV layout (BOM, title line, header, records) at ``scale`` x the model's counts."""
    df, defects = ip_frame(model, source, year, scale)
    path.parent.mkdir(parents=True, exist_ok=True)
    title = f"Danh sách đơn đăng ký sở hữu công nghiệp nộp năm {year} theo tỉnh của người nộp đơn – {CSV_NOTICE}"
    buf = io.BytesIO()
    df.write_csv(buf, separator=",", line_terminator="\n", null_value="")
    with path.open("wb") as f:
        f.write(("\ufeff" + title + "\n").encode("utf-8"))
        f.write(buf.getvalue())
    return df.height, defects


# --- the whole landing folder --------------------------------------------------------------------------
def national_rows(model: SampleModel, source_id: str, year: int, rows_factor: float = 1.0) -> int:
    """Rows asked of the microdata writers for one year at national scale (times ``rows_factor``)."""
    if source_id == ENTERPRISE_SURVEY:
        active = model.value("active_enterprises", year, boundary_for_year(year)).sum()
        return round(active * (1 + INACTIVE_SHARE) * rows_factor)
    return round(LFS_PERSONS_PER_YEAR * rows_factor)


def generate_national(
    landing_dir: Path, years: Sequence[int] = DEFAULT_YEARS, seed: int = DEFAULT_SEED, rows_factor: float = 1.0,
    progress: Callable[[str], None] | None = None,
) -> NationalSummary:
    """Write the national-scale synthetic landing folder; returns what was written (files, rows, defects)."""
    if not rows_factor > 0:
        raise ValueError(f"rows_factor must be > 0, got {rows_factor}")
    landing_dir = Path(landing_dir)
    norm_years = normalise_years(years)
    model = model_for(seed)
    summary = NationalSummary(landing_dir, seed, norm_years, rows_factor=rows_factor)
    sources = load_sources()
    missing = [sid for sid in NATIONAL_SOURCES if sid not in sources or sources[sid].spec_error]
    if missing:
        raise ValueError(f"national sample: reference/sources.yaml lacks (or disables) {', '.join(missing)}")

    def record(rel: str, source_id: str, year: int, rows: int, defects: dict[str, int] | None = None) -> None:
        summary.files.append(SampleFile(rel, source_id, year, rows, _sha256(landing_dir / rel)))
        if defects:
            summary.defects[rel] = {k: v for k, v in sorted(defects.items()) if v}
        if progress is not None:
            progress(f"  {rel}: {rows:,} rows")

    microdata = {ENTERPRISE_SURVEY: write_enterprise_survey, LABOUR_FORCE_SURVEY: write_labour_force_survey}
    for year in norm_years:
        for source in sources.values():
            if source.spec_error:  # a disabled source has no layout to imitate (as the default sample)
                continue
            rel = source.path_for(year)
            path = landing_dir / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if source.source_id in microdata:
                rows = microdata[source.source_id](model, source, year, path,
                                                   rows=national_rows(model, source.source_id, year, rows_factor))
                record(rel, source.source_id, year, rows)
            elif source.source_id == IP_APPLICATIONS:
                record(rel, source.source_id, year,
                       *write_ip_applications(model, source, year, path, IP_SCALE * rows_factor))
            else:  # every other source as the default sample writes it
                record(rel, source.source_id, year, _writer(source, norm_years)(model, source, year, path))
    _write_readme(summary)
    _write_manifest(summary)
    return summary


def _command(summary: NationalSummary) -> str:
    factor = "" if summary.rows_factor == 1.0 else f" --rows-factor {summary.rows_factor:g}"
    return f"pii sample --scale national --seed {summary.seed} --years {years_argument(summary.years)}{factor}"


def _write_readme(summary: NationalSummary) -> None:
    defects: dict[str, int] = {}
    for per_file in summary.defects.values():
        for kind, count in per_file.items():
            defects[kind] = defects.get(kind, 0) + count
    text = "\n".join([
        NOTICE,
        "",
        f"This folder is SYNTHETIC SAMPLE DATA at national scale, generated by `{_command(summary)}`",
        "(module pii.sample.national). Every number, code, name and person in it is invented; the files only",
        "imitate the layouts of the real sources (docs/source_formats.md) so the pipeline can be run end to end",
        "at the volumes of real national data. Do not use or cite them as statistics.",
        "",
        "Thư mục này là DỮ LIỆU MÔ PHỎNG quy mô toàn quốc do lệnh `pii sample --scale national` tạo ra để kiểm thử;",
        "không phải số liệu chính thức.",
        "",
        f"Files: {len(summary.files)}, data rows: {summary.total_rows:,} (listed with sha256, row counts and the",
        f"defects injected per file in {MANIFEST}).",
        "Defects injected on purpose: IP records " + (", ".join(f"{k} {v:,}" for k, v in sorted(defects.items()))
                                                       or "none") + f"; enterprise survey and LFS {MICRODATA_DEFECTS}.",
        "",
    ])
    (summary.landing_dir / README).write_text(text, encoding="utf-8")


def _write_manifest(summary: NationalSummary) -> None:
    doc = {
        "generator": "pii.sample.national",
        "notice": NOTICE,
        "synthetic": True,
        "scale": "national",
        "command": _command(summary),
        "seed": summary.seed,
        "rows_factor": summary.rows_factor,
        "years": list(summary.years),
        "total_rows": summary.total_rows,
        "defect_rates": {IP_APPLICATIONS: DEFECT_RATES, ENTERPRISE_SURVEY: MICRODATA_DEFECTS,
                         LABOUR_FORCE_SURVEY: MICRODATA_DEFECTS},
        "files": [
            {"path": f.path, "source_id": f.source_id, "year": f.year, "rows": f.rows, "sha256": f.sha256,
             "defects": summary.defects.get(f.path, {})}
            for f in sorted(summary.files, key=lambda f: f.path)
        ],
    }
    text = json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    (summary.landing_dir / MANIFEST).write_text(text, encoding="utf-8")
