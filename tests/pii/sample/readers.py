"""Read the sample landing files back into values, independently of pii.ingest (the contract as documented)."""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

import openpyxl
import polars as pl

from pii.catalog import load_sources, measures_of_source
from pii.sample.common import VARIANT_NAMES
from pii.sample.profiles import boundary_for_year, provinces
from pii.sample.writers_pci import ABBREVIATIONS

KEYS = ["province_code", "boundary", "year", "measure_code"]


def name_to_code(boundary: str) -> dict[str, str]:
    names = {p.name_vi: p.code for p in provinces(boundary)}
    names.update({name: code for (b, code), name in VARIANT_NAMES.items() if b == boundary})
    names.update({name: code for (b, code), name in ABBREVIATIONS.items() if b == boundary})
    return names


def read_csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def sheet_rows(path: Path, sheet: str) -> list[tuple]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()


def read_yearbook(path: Path, edition: int) -> list[dict]:
    """All province cells of an edition: year, value (catalog unit), preliminary flag."""
    source = load_sources()["gso_yearbook"]
    boundary = boundary_for_year(edition)
    codes = name_to_code(boundary)
    out = []
    wb = openpyxl.load_workbook(path, read_only=True)
    for table in source.spec["tables"]:
        rows = [tuple(r) for r in wb[table["sheet"]].iter_rows(values_only=True)]
        header = rows[3]
        years = [(i, int(re.search(r"\d{4}", str(h)).group(0)), str(h).startswith("Sơ bộ"))
                 for i, h in enumerate(header) if i > 0 and h]
        for row in rows[4:]:
            if row[0] in codes:
                for i, year, prelim in years:
                    out.append({"province_code": codes[row[0]], "boundary": boundary, "year": year,
                                "measure_code": table["measure"], "value": float(row[i]) * table["scale"],
                                "edition": edition, "preliminary": prelim})
    wb.close()
    return out


def read_survey(path: Path, source_id: str, year: int) -> list[dict]:
    spec = load_sources()[source_id].spec
    boundary = boundary_for_year(year)
    codes = name_to_code(boundary)
    rows = read_csv_rows(path)
    header = rows[1]
    out = []
    for row in rows[2:]:
        for column, measure in spec["columns"].items():
            out.append({"province_code": codes[row[1]], "boundary": boundary, "year": year, "measure_code": measure,
                        "value": float(row[header.index(column)])})
    return out


def read_pci_workbook(path: Path, year: int) -> list[dict]:
    """Primary measures of the PCI workbook (each province once: the repeated row must match the first)."""
    source = load_sources()["vcci_pci"]
    boundary = boundary_for_year(year)
    codes = name_to_code(boundary)
    wb = openpyxl.load_workbook(path, read_only=True)
    seen: dict[tuple[str, str], float] = {}
    for sheet in {c.sheet for c in source.sheet_columns()}:
        rows = [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]
        header = list(rows[2])
        for row in rows[3:]:
            code = codes.get(unicodedata.normalize("NFC", row[0] or ""))
            for col in source.sheet_columns():
                if code is None or col.sheet != sheet or col.role != "primary":
                    continue
                value = float(row[header.index(col.label)])
                assert seen.setdefault((code, col.measure), value) == value, (path, sheet, row)
    wb.close()
    return [{"province_code": code, "boundary": boundary, "year": year, "measure_code": measure, "value": value}
            for (code, measure), value in seen.items()]


def read_agency(path: Path, year: int) -> list[dict]:
    rows = sheet_rows(path, "Số liệu")
    header = list(rows[3])
    code_i, measure_i, value_i = header.index("Mã tỉnh"), header.index("Mã chỉ tiêu"), header.index("Giá trị")
    return [{"province_code": r[code_i], "boundary": boundary_for_year(year), "year": year,
             "measure_code": r[measure_i], "value": float(r[value_i])} for r in rows[4:] if r[0] is not None]


def read_applications(path: Path, year: int) -> list[dict]:
    spec = load_sources()["ipvn_applications"].spec
    boundary = boundary_for_year(year)
    codes = name_to_code(boundary)
    counts: dict[tuple[str, str], int] = {}
    for row in read_csv_rows(path)[2:]:
        key = (codes[row[4]], spec["categories"][row[1]])
        counts[key] = counts.get(key, 0) + 1
    return [{"province_code": p.code, "boundary": boundary, "year": year, "measure_code": m,
             "value": float(counts.get((p.code, m), 0))}
            for p in provinces(boundary) for m in spec["categories"].values()]


def read_registry(path: Path, year: int) -> list[dict]:
    spec = load_sources()["most_st_organisations"].spec
    boundary = boundary_for_year(year)
    codes = name_to_code(boundary)
    counts: dict[str, int] = {}
    for row in sheet_rows(path, spec["sheet"])[3:]:
        if row[5] == spec["counted_status"]:
            counts[codes[row[3]]] = counts.get(codes[row[3]], 0) + 1
    return [{"province_code": p.code, "boundary": boundary, "year": year, "measure_code": spec["measure"],
             "value": float(counts.get(p.code, 0))} for p in provinces(boundary)]


def _clean_records(frame: pl.DataFrame, ids: list[str], boundary: str, numbers: list[str]) -> pl.DataFrame:
    """Records as docs/data_dictionary.md says they count: known province code, numbers >= 0, an id listed
    twice counts once when the rows agree and not at all when they differ."""
    codes = {p.code for p in provinces(boundary)}
    frame = frame.with_columns(pl.col(c).cast(pl.Float64, strict=False) for c in numbers)
    frame = frame.filter(pl.col("ma_tinh").is_in(codes), *(pl.col(c).is_not_null() & (pl.col(c) >= 0) for c in numbers))
    variants = frame.unique().group_by(ids).len().filter(pl.col("len") > 1).select(ids)
    return frame.join(variants, on=ids, how="anti").unique(subset=ids, keep="first", maintain_order=True)


def read_enterprise_survey(path: Path, year: int) -> list[dict]:
    boundary = boundary_for_year(year)
    frame = _clean_records(pl.read_parquet(path), ["ma_dn"], boundary, ["chi_dao_tao", "tong_chi_phi"])
    active = frame.filter(pl.col("tinh_trang") == 1)
    m = active.filter(pl.col("nganh_vsic").str.slice(0, 2).is_between(pl.lit("69"), pl.lit("75")))
    counts = dict(m.group_by("ma_tinh").len().iter_rows())
    sums = {r["ma_tinh"]: r for r in active.group_by("ma_tinh").agg(pl.sum("chi_dao_tao"), pl.sum("tong_chi_phi"))
            .iter_rows(named=True)}
    out = []
    for p in provinces(boundary):
        s = sums.get(p.code, {"chi_dao_tao": 0.0, "tong_chi_phi": 0.0})
        out += [{"province_code": p.code, "boundary": boundary, "year": year, "measure_code": code, "value": v}
                for code, v in (("enterprises_section_m", float(counts.get(p.code, 0))),
                                ("enterprise_training_cost", s["chi_dao_tao"] * 0.001),
                                ("enterprise_total_cost", s["tong_chi_phi"] * 0.001))]
    return out


def read_lfs(path: Path, year: int) -> list[dict]:
    boundary = boundary_for_year(year)
    frame = _clean_records(pl.read_csv(path, infer_schema=False), ["ma_ho", "stt_nguoi"], boundary,
                           ["tuoi", "co_viec_lam", "trinh_do_cmkt", "quyen_so"])
    scope = frame.filter((pl.col("co_viec_lam") == 1) & (pl.col("tuoi") >= 15))
    shares = scope.group_by("ma_tinh").agg(
        (pl.col("quyen_so").filter(pl.col("trinh_do_cmkt") >= 1).sum() / pl.col("quyen_so").sum() * 100).alias("v"))
    return [{"province_code": code, "boundary": boundary, "year": year, "measure_code": "trained_labour_share",
             "value": v} for code, v in shares.iter_rows()]


def read_landing(landing: Path, years: list[int]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(values with the newest yearbook edition winning, all yearbook cells with edition and flag)."""
    values: list[dict] = []
    yearbook: list[dict] = []
    for year in years:
        for source in load_sources().values():
            path = landing / source.path_for(year)
            if source.kind == "yearbook":
                yearbook += read_yearbook(path, year)
            elif source.kind == "survey_index":
                values += read_survey(path, source.source_id, year)
            elif source.kind == "survey_workbook":
                values += read_pci_workbook(path, year)
            elif source.kind == "agency_submission":
                got = read_agency(path, year)
                assert {r["measure_code"] for r in got} == {m.code for m in measures_of_source(source.source_id)}
                values += got
            elif source.kind == "microdata":
                reader = {"enterprise_survey": read_enterprise_survey, "labour_force_survey": read_lfs}
                values += reader[source.source_id](path, year)
            elif "categories" in source.spec:
                values += read_applications(path, year)
            else:
                values += read_registry(path, year)
    cells = pl.DataFrame(yearbook)
    newest = (cells.sort("edition").group_by(KEYS, maintain_order=True).agg(pl.col("value").last()))
    frame = pl.concat([pl.DataFrame(values).select(*KEYS, "value"), newest.select(*KEYS, "value")])
    return frame.sort(KEYS), cells
