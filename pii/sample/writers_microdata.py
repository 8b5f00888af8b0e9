"""Unit-record microdata (docs/source_formats.md, kind ``microdata``): the enterprise survey and the LFS.

Vectorised (numpy + polars, no per-row Python) so the national sample (pii/sample/national.py) can call the
frame builders with millions of ``rows``. The files encode the sample model exactly, whatever ``rows``:

* enterprise survey (Parquet): per province exactly ``enterprises_section_m`` active firms in VSIC divisions
  69-75, the other firms elsewhere or not active; training and total costs (million VND, whole numbers) of
  the active firms add up to ``enterprise_training_cost`` and ``enterprise_total_cost`` (billion VND) × 1000.
  Its minimum size is the section-M census plus a few firms per province (~62,000-75,000 rows a year).
* labour force survey (CSV): calibrated weights — per province, the employed persons aged 15+ with training
  carry ``share × employed / k`` and the others ``(1 − share) × employed / j``, so the weighted share is the
  model's ``trained_labour_share``.

Defects are extra rows the pipeline must quarantine (so they never move a value): an exact repeat of a record,
a conflicting repeat, an unknown province code, a negative amount or weight, a non-numeric age, and in 2025 a
code of a province that merged. About one of each per 100,000 rows (at least one).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from pii.catalog import Source
from pii.sample.common import NOTICE
from pii.sample.profiles import boundary_for_year, provinces, stream
from pii.sample.values import SampleModel

DEFAULT_PERSONS = 3_000  # LFS persons per year in the default sample
DEFECT_RATE = 1e-5
M_DIVISIONS = np.arange(69, 76)
OTHER_DIVISIONS = np.array([1, 10, 13, 25, 41, 43, 46, 47, 49, 55, 56, 62, 64, 68, 77, 85, 86, 96])
ENTERPRISE_COLUMNS = ("ma_dn", "ma_tinh", "nganh_vsic", "tinh_trang", "so_lao_dong", "chi_dao_tao", "tong_chi_phi")
LFS_COLUMNS = ("ma_ho", "stt_nguoi", "ma_tinh", "tuoi", "co_viec_lam", "trinh_do_cmkt", "quyen_so")
PARQUET_META = {"notice": NOTICE, "generator": "pii.sample.writers_microdata"}


def _defects(rows: int) -> int:
    return max(1, int(rows * DEFECT_RATE))


def _split(total: np.ndarray, sizes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Whole-number parts of each ``total[i]`` over ``sizes[i]`` units (lognormal shares), summing exactly."""
    owner = np.repeat(np.arange(len(sizes)), sizes)
    raw = rng.lognormal(0.0, 1.0, owner.size)
    denom = np.bincount(owner, raw, len(sizes))
    parts = np.floor(raw / denom[owner] * total[owner])
    rest = total - np.bincount(owner, parts, len(sizes))
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    has = sizes > 0
    parts[first[has]] += rest[has]  # the remainder goes to each province's first unit
    return parts


def enterprise_frame(model: SampleModel, year: int, rows: int | None = None) -> pl.DataFrame:
    """One row per enterprise (``rows`` total, at least the section-M census plus 3 firms per province)."""
    boundary = boundary_for_year(year)
    provs = provinces(boundary)
    n = len(provs)
    rng = stream(model.seed, "microdata", "enterprise_survey", year, boundary)
    m_count = model.value("enterprises_section_m", year, boundary).astype(np.int64)
    active = model.value("active_enterprises", year, boundary)
    minimum = int(m_count.sum()) + 3 * n
    target = max(rows or minimum, minimum)
    extra = target - minimum  # spread like the active enterprises
    extra_per = np.floor(active / active.sum() * extra).astype(np.int64)
    extra_per[np.argmax(active)] += extra - int(extra_per.sum())
    other_active = 2 + (extra_per * 0.9).astype(np.int64)  # ~10 % of the rest are suspended or dissolved
    inactive = 1 + extra_per - (extra_per * 0.9).astype(np.int64)
    n_active = m_count + other_active
    sizes = n_active + inactive
    province = np.repeat(np.arange(n), sizes)
    start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pos = np.arange(province.size) - start[province]
    is_m = pos < m_count[province]
    is_active = pos < n_active[province]
    division = np.where(is_m, rng.choice(M_DIVISIONS, province.size), rng.choice(OTHER_DIVISIONS, province.size))
    vsic = division * 1000 + rng.integers(0, 1000, province.size)  # 5 digits: division, then class/subclass
    status = np.where(is_active, 1, rng.choice([2, 3], province.size))
    # Costs of active firms add up exactly to the model (billion VND -> whole million VND).
    total = np.round(model.value("enterprise_total_cost", year, boundary) * 1000)
    training = np.round(model.value("enterprise_training_cost", year, boundary) * 1000)
    act_total = _split(total, n_active, rng)
    act_training = _split(training, n_active, rng)
    total_cost = np.zeros(province.size)
    training_cost = np.zeros(province.size)
    total_cost[is_active] = act_total
    training_cost[is_active] = act_training
    inactive_cost = np.round(rng.lognormal(6.0, 1.0, province.size))
    total_cost[~is_active] = inactive_cost[~is_active]
    workers = np.maximum(1, np.round(rng.lognormal(2.3, 1.1, province.size))).astype(np.int64)
    order = rng.permutation(province.size)  # firms are listed by id, not grouped by province
    codes = pl.Series([p.code for p in provs])
    frame = pl.DataFrame({
        "ma_dn": np.arange(1, province.size + 1), "ma_tinh": codes.gather(province[order]),
        "nganh_vsic": vsic[order], "tinh_trang": status[order].astype(np.int64),
        "so_lao_dong": workers[order], "chi_dao_tao": training_cost[order], "tong_chi_phi": total_cost[order],
    }).with_columns(  # text codes formatted by polars (vectorised)
        ma_dn=pl.lit(f"{year % 100:02d}") + pl.col("ma_dn").cast(pl.String).str.zfill(8),
        nganh_vsic=pl.col("nganh_vsic").cast(pl.String).str.zfill(5),
    )
    return pl.concat([frame, _enterprise_defects(frame, year, boundary, rng)])


def _enterprise_defects(frame: pl.DataFrame, year: int, boundary: str, rng: np.random.Generator) -> pl.DataFrame:
    k = _defects(frame.height)
    picks = rng.choice(frame.height, 4 * k, replace=False)
    same = frame[picks[:k]]  # exact repeats: counted once
    # A new id listed twice with different costs: neither row counts (so the model's values stay exact).
    conflict = frame[picks[k:2 * k]].with_columns(ma_dn=pl.col("ma_dn") + "X")
    conflict = pl.concat([conflict, conflict.with_columns(tong_chi_phi=pl.col("tong_chi_phi") + 1)])
    unknown = frame[picks[2 * k:3 * k]].with_columns(ma_dn=pl.col("ma_dn") + "P", ma_tinh=pl.lit("99"))
    negative = frame[picks[3 * k:]].with_columns(ma_dn=pl.col("ma_dn") + "N", tong_chi_phi=-pl.col("tong_chi_phi") - 1)
    parts = [same, conflict, unknown, negative]
    if boundary == "p34":  # a 2025 file still coding a province that merged (a p63 code unused on p34)
        gone = sorted({p.code for p in provinces("p63")} - {p.code for p in provinces("p34")})[0]
        parts.append(frame[picks[:1]].with_columns(ma_dn=pl.col("ma_dn") + "B", ma_tinh=pl.lit(gone)))
    return pl.concat(parts)


def lfs_frame(model: SampleModel, year: int, rows: int | None = None) -> pl.DataFrame:
    """One row per person (about ``rows``), 2-6 per household, weights calibrated to the model."""
    boundary = boundary_for_year(year)
    provs = provinces(boundary)
    n = len(provs)
    rng = stream(model.seed, "microdata", "labour_force_survey", year, boundary)
    target = max(rows or DEFAULT_PERSONS, 12 * n)
    pop = model.value("population", year, boundary)
    per = np.maximum(12, np.floor(pop / pop.sum() * target)).astype(np.int64)
    province = np.repeat(np.arange(n), per)
    size = province.size
    age = rng.integers(0, 90, size)
    start = np.concatenate([[0], np.cumsum(per)[:-1]])
    pos = np.arange(size) - start[province]
    # The first 4 persons of each province are adults, two employed with training and two without, so every
    # province has both groups; the rest draw freely.
    age[pos < 4] = rng.integers(20, 60, int((pos < 4).sum()))
    adult = age >= 15
    employed = (adult & (rng.random(size) < 0.72)) | (pos < 4)
    share = model.value("trained_labour_share", year, boundary) / 100.0
    trained = np.where(pos < 4, pos < 2, rng.random(size) < share[province])
    level = np.where(trained, rng.integers(1, 7, size), 0)
    in_scope = employed & adult
    k = np.bincount(province, in_scope & trained, n)
    j = np.bincount(province, in_scope & ~trained, n)
    emp = model.value("employed", year, boundary)
    weight = np.where(trained, share[province] * emp[province] / np.maximum(k[province], 1),
                      (1 - share[province]) * emp[province] / np.maximum(j[province], 1))
    weight = np.where(in_scope, weight, emp[province] / np.maximum(k + j, 1)[province])
    household = start[province] + pos // 4  # 4 persons per household, numbered within the province
    codes = pl.Series([p.code for p in provs])
    frame = pl.DataFrame({
        "ma_ho": household, "stt_nguoi": pos % 4 + 1, "ma_tinh": codes.gather(province), "tuoi": age,
        "co_viec_lam": employed.astype(np.int64), "trinh_do_cmkt": level, "quyen_so": weight,
    }).with_columns(  # the CSV's text, formatted by polars (vectorised)
        (pl.col("ma_tinh") + "-" + pl.col("ma_ho").cast(pl.String).str.zfill(7)).alias("ma_ho"),
        pl.col("stt_nguoi", "tuoi", "co_viec_lam", "trinh_do_cmkt", "quyen_so").cast(pl.String),
    )
    return pl.concat([frame, _lfs_defects(frame, rng)])


def _lfs_defects(frame: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    k = _defects(frame.height)
    picks = rng.choice(frame.height, 4 * k, replace=False)
    same = frame[picks[:k]]
    bad_age = frame[picks[k:2 * k]].with_columns(ma_ho=pl.col("ma_ho") + "A", tuoi=pl.lit("KXĐ"))
    negative = frame[picks[2 * k:3 * k]].with_columns(ma_ho=pl.col("ma_ho") + "W", quyen_so=pl.lit("-1"))
    unknown = frame[picks[3 * k:]].with_columns(ma_ho=pl.col("ma_ho") + "P", ma_tinh=pl.lit("99"))
    return pl.concat([same, bad_age, negative, unknown])


def write_enterprise_survey(model: SampleModel, source: Source, year: int, path: Path, rows: int | None = None) -> int:
    """The enterprise survey of ``year`` as Parquet (typed columns, fixed row groups, synthetic notice)."""
    frame = enterprise_frame(model, year, rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = frame.to_arrow()
    table = table.replace_schema_metadata({**PARQUET_META, "source_id": source.source_id, "data_year": str(year)})
    import pyarrow.parquet as pq  # pyarrow writes the key-value metadata that says synthetic

    pq.write_table(table, path, row_group_size=131_072, compression="zstd")
    return frame.height


def write_labour_force_survey(model: SampleModel, source: Source, year: int, path: Path,
                              rows: int | None = None) -> int:
    """The LFS person file of ``year``: UTF-8 CSV, ',' delimiter, decimal point, header row first."""
    frame = lfs_frame(model, year, rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(path)
    return frame.height


def write_microdata(model: SampleModel, source: Source, year: int, path: Path) -> int:
    """The default-sample writer of a microdata source (generator.py dispatches on the source id)."""
    writers = {"enterprise_survey": write_enterprise_survey, "labour_force_survey": write_labour_force_survey}
    if source.source_id not in writers:
        raise ValueError(f"{source.source_id}: pii sample has no microdata writer for this source")
    return writers[source.source_id](model, source, year, path)
