"""What an analyst would write instead of the pipeline: staging.measure_values from the landing files with pandas.

    .venv/bin/python scripts/floor_pandas.py --landing DIR --out FILE.parquet

Plain pandas: ``pd.read_csv`` / ``pd.read_parquet`` for CSV and Parquet, ``pd.read_excel(engine="calamine")`` for
workbooks, groupby for counts and weighted shares. Same spec-following rules as scripts/floor_duckdb.py (see its
docstring and scripts/_floor_common.py); no lineage, no quarantine, no checks.
Output columns: province_code, boundary, year, measure_code, value.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _floor_common import (
    KEY,
    OUTPUT_COLUMNS,
    Provinces,
    SourceFiles,
    boundary_for,
    filter_pandas,
    fold,
    load_measures,
    load_sources,
    shift,
)

OBS_COLUMNS = ["province_code", "boundary", "year", "measure_code", "value", "priority", "edition", "preliminary",
               "file", "ord"]


def read_sheet(path: Path, sheet_hint: str) -> pd.DataFrame | None:
    """One sheet as text cells, no header row (row i of the frame is Excel row i + 1)."""
    book = pd.ExcelFile(path, engine="calamine")
    names = {fold(n): n for n in book.sheet_names}
    if fold(sheet_hint) not in names:
        return None
    return pd.read_excel(book, sheet_name=names[fold(sheet_hint)], header=None, dtype=str)


def header_row(df: pd.DataFrame, label: str) -> int | None:
    hit = df.apply(lambda col: col.map(lambda c: isinstance(c, str) and fold(label) in fold(c))).any(axis=1)
    return int(hit.idxmax()) if hit.any() else None


def labelled(df: pd.DataFrame, label: str) -> pd.DataFrame | None:
    """The rows under the header row that holds ``label``, columns named by their folded header label."""
    h = header_row(df, label)
    if h is None:
        return None
    body = df.iloc[h + 1:].copy()
    body.columns = [fold(c) if isinstance(c, str) else f"_{j}" for j, c in enumerate(df.iloc[h])]
    body["_row"] = body.index + 1
    return body


class Floor:
    def __init__(self, landing: Path) -> None:
        self.landing = landing
        self.prov = Provinces()
        self.measures = load_measures()
        self.frames: list[pd.DataFrame] = []

    def add(self, df: pd.DataFrame) -> None:
        if len(df):
            self.frames.append(df[OBS_COLUMNS])

    def codes(self, names: pd.Series, year: int) -> pd.Series:
        return names.map(dict(self.prov.mapping(names.dropna().unique(), year)))

    def all_provinces(self, boundary: str) -> pd.DataFrame:
        return pd.DataFrame({"province_code": sorted(self.prov.codes[boundary])})

    def yearbook(self, src: SourceFiles) -> None:
        spec = src.spec
        for edition, path in src.files:
            for table in spec.get("tables", []):
                scale = table.get("scale", 1)
                df = read_sheet(path, table["sheet"])
                h = None if df is None else header_row(df, spec.get("header_row_contains", ""))
                if h is None:
                    continue
                header = df.iloc[h]
                body = df.iloc[h + 1:].copy()
                body["province_code"] = self.codes(body[0], edition)
                body["ord"] = body.index + 1
                body = body[body.province_code.notna()]
                for j in range(1, df.shape[1]):
                    text = str(header[j]).strip() if isinstance(header[j], str) else ""
                    if not text or not text.split()[-1].isdigit():
                        continue
                    cells = body[body[j].notna()]
                    out = pd.DataFrame({
                        "province_code": cells.province_code, "boundary": boundary_for(edition),
                        "year": int(text.split()[-1]), "measure_code": table["measure"],
                        "value": cells[j].map(lambda t, f=scale: shift(t, f)), "priority": 1,
                        "edition": edition, "preliminary": fold(text).startswith("so bo"), "file": str(path),
                        "ord": cells.ord})
                    self.add(out[out.value.notna()])

    def survey_index(self, src: SourceFiles) -> None:
        spec = src.spec
        for year, path in src.files:
            df = pd.read_csv(path, skiprows=1, dtype=str, encoding="utf-8-sig", keep_default_na=False)
            df["province_code"] = self.codes(df[spec["province_column"]], year)
            for label, measure in spec.get("columns", {}).items():
                out = pd.DataFrame({
                    "province_code": df.province_code, "boundary": boundary_for(year), "year": year,
                    "measure_code": measure, "value": pd.to_numeric(df[label].str.strip(), errors="coerce"),
                    "priority": 1, "edition": year, "preliminary": False, "file": str(path), "ord": df.index + 3})
                self.add(out.dropna(subset=["province_code", "value"]))

    def survey_workbook(self, src: SourceFiles) -> None:
        spec = src.spec
        for year, path in src.files:
            for sheet in spec.get("sheets", []):
                prov_label = sheet.get("province_column", spec.get("province_column"))
                df = read_sheet(path, sheet["sheet"])
                body = None if df is None else labelled(df, prov_label)
                if body is None:
                    continue
                body["province_code"] = self.codes(body[fold(prov_label)], year)
                body = body[body.province_code.notna()]
                for label, col in sheet.get("columns", {}).items():
                    measure, cross, percent = (col["measure"], col.get("role") == "cross_check",
                                               col.get("percent", "auto")) if isinstance(col, dict) \
                        else (col, False, "auto")
                    if fold(label) not in body:
                        continue
                    cells = body[pd.to_numeric(body[fold(label)], errors="coerce").notna()]
                    numbers = pd.to_numeric(cells[fold(label)])
                    as_fraction = percent == "fraction" or (
                        percent == "auto" and "%" in label and bool(numbers.between(0, 1).all()))
                    out = pd.DataFrame({
                        "province_code": cells.province_code, "boundary": boundary_for(year), "year": year,
                        "measure_code": measure,
                        "value": cells[fold(label)].map(lambda t, f=100 if as_fraction else 1: shift(t, f)),
                        "priority": 2 if cross else 1, "edition": year, "preliminary": False, "file": str(path),
                        "ord": cells["_row"]})
                    self.add(out)

    def agency_submission(self, src: SourceFiles) -> None:
        own = {c for c, m in self.measures.items() if m["source_id"] == src.source_id}
        for year, path in src.files:
            boundary = boundary_for(year)
            df = read_sheet(path, "Số liệu")
            body = None if df is None else labelled(df, "Mã chỉ tiêu")
            if body is None:
                continue
            code = body[fold("Mã tỉnh")].str.strip()
            ok = (body[fold("Mã chỉ tiêu")].str.strip().isin(own) & code.isin(self.prov.codes[boundary])
                  & (self.codes(body[fold("Tỉnh/Thành phố")], year) == code))
            body = body[ok]
            out = pd.DataFrame({
                "province_code": code[ok], "boundary": boundary, "year": year,
                "measure_code": body[fold("Mã chỉ tiêu")].str.strip(),
                "value": body[fold("Giá trị")].map(lambda t: shift(t, 1) if isinstance(t, str) else np.nan),
                "priority": 1, "edition": year, "preliminary": False, "file": str(path), "ord": body["_row"]})
            self.add(out.dropna(subset=["value"]))

    def record_list(self, src: SourceFiles) -> None:
        spec = src.spec
        read = [spec["record_id_column"], spec["province_column"]]
        read += [spec[k] for k in ("date_column", "category_column", "status_column") if spec.get(k)]
        for year, path in src.files:
            boundary = boundary_for(year)
            if path.suffix.lower() == ".csv":
                df = pd.read_csv(path, skiprows=1, dtype=str, encoding="utf-8-sig", keep_default_na=False,
                                 usecols=read)
            else:
                sheet = read_sheet(path, spec.get("sheet", ""))
                body = None if sheet is None else labelled(sheet, spec["record_id_column"])
                if body is None:
                    continue
                df = body[[fold(c) for c in read]].set_axis(read, axis=1)
                df = df[df[spec["record_id_column"]].notna()]
            # Repeated ids: an equal repeat counts once, differing repeats count none.
            df = df.drop_duplicates()
            df = df[~df[spec["record_id_column"]].duplicated(keep=False)]
            df = df.assign(province_code=self.codes(df[spec["province_column"]], year))
            if spec.get("categories"):
                df = df.assign(measure_code=df[spec["category_column"]].map(spec["categories"]))
                measures = list(spec["categories"].values())
            else:
                if spec.get("status_column"):
                    df = df[df[spec["status_column"]] == spec["counted_status"]]
                df = df.assign(measure_code=spec["measure"])
                measures = [spec["measure"]]
            counts = df.dropna(subset=["province_code", "measure_code"]).groupby(
                ["province_code", "measure_code"]).size().rename("value").reset_index()
            grid = self.all_provinces(boundary).merge(pd.DataFrame({"measure_code": measures}), how="cross")
            out = grid.merge(counts, how="left", on=["province_code", "measure_code"]).fillna({"value": 0})
            out = out.assign(boundary=boundary, year=year, value=out.value.astype(float), priority=1, edition=year,
                             preliminary=False, file=str(path), ord=0)
            self.add(out)

    def microdata(self, src: SourceFiles) -> None:
        spec = src.spec
        columns = {n: (c if isinstance(c, dict) else {"type": c}) for n, c in spec.get("columns", {}).items()}
        ids = list(spec.get("record_id_columns", []))
        pcol, weight = spec["province_column"], spec.get("weight_column")
        for year, path in src.files:
            boundary = boundary_for(year)
            labels = {c.get("label", n): n for n, c in columns.items()}
            if path.suffix.lower() == ".parquet":
                df = pd.read_parquet(path, columns=list(labels))
            else:
                df = pd.read_csv(path, dtype=str, usecols=list(labels), keep_default_na=False)
            df = df.rename(columns=labels)
            ok = pd.Series(True, index=df.index)
            for name, c in columns.items():
                if c["type"] == "number":
                    df[name] = pd.to_numeric(df[name], errors="coerce").astype(float)
                    ok &= df[name].notna()
                    if c.get("min") is not None:
                        ok &= df[name] >= c["min"]
                    if c.get("max") is not None:
                        ok &= df[name] <= c["max"]
                else:
                    df[name] = df[name].astype("string").str.strip().replace("", pd.NA)
            df = df.drop_duplicates()
            df = df[~df.duplicated(subset=ids, keep=False)] if ids else df
            df = df[ok.reindex(df.index) & df[pcol].isin(self.prov.codes[boundary])]
            w = df[weight] if weight else pd.Series(1.0, index=df.index)
            for measure, rule in spec.get("measures", {}).items():
                expr = filter_pandas(rule.get("filter"))
                keep = df.query(expr, engine="python").index if expr else df.index
                sel, agg = df.loc[keep], rule["aggregation"]
                if agg == "count":
                    value = sel.groupby(pcol).size().astype(float)
                elif agg == "weighted_count":
                    value = w[keep].groupby(sel[pcol]).sum()
                elif agg == "sum":
                    value = sel.groupby(pcol)[rule["value"]].sum()
                elif agg == "weighted_sum":
                    value = (w[keep] * sel[rule["value"]]).groupby(sel[pcol]).sum()
                elif agg == "weighted_share":
                    inner = sel.query(filter_pandas(rule["share_filter"]), engine="python").index
                    value = w[inner].groupby(sel.loc[inner, pcol]).sum().reindex(
                        w[keep].groupby(sel[pcol]).sum().index, fill_value=0.0) / w[keep].groupby(sel[pcol]).sum()
                elif agg == "ratio_of_sums":
                    value = ((w[keep] * sel[rule["numerator"]]).groupby(sel[pcol]).sum()
                             / (w[keep] * sel[rule["denominator"]]).groupby(sel[pcol]).sum())
                else:
                    raise SystemExit(f"floor_pandas: {src.source_id}.{measure}: unknown aggregation {agg!r}")
                value = value.rename("value").rename_axis("province_code").reset_index()
                out = self.all_provinces(boundary).merge(value, how="left", on="province_code")
                if agg in ("count", "weighted_count", "sum", "weighted_sum"):
                    out = out.fillna({"value": 0.0})
                scale = float(rule.get("scale", 1))
                out = out.dropna(subset=["value"])
                out = out.assign(value=out.value * scale, boundary=boundary, year=year,
                    measure_code=measure, priority=1, edition=year, preliminary=False, file=str(path), ord=0)
                self.add(out)

    def run(self) -> pd.DataFrame:
        for src in load_sources(self.landing):
            handler = getattr(self, src.kind, None)
            if handler is None:
                raise SystemExit(f"floor_pandas: source {src.source_id!r}: kind {src.kind!r} is not handled")
            handler(src)
        obs = pd.concat(self.frames, ignore_index=True)
        # Repeated (province, measure) rows within one file: equal values count once, differing ones none.
        group = [*KEY, "file", "priority", "edition", "preliminary"]
        obs = obs[obs.groupby(group)["value"].transform("nunique") == 1]
        obs = obs.sort_values([*KEY, "priority", "edition", "preliminary", "file", "ord"],
                              ascending=[True] * 4 + [True, False, True, True, True])
        best = obs.drop_duplicates(subset=KEY, keep="first")
        best = best.assign(year=best.year.astype("int32"), value=best.value.astype(float))
        return best.sort_values(["measure_code", "boundary", "year", "province_code"])[OUTPUT_COLUMNS]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    result = Floor(args.landing.resolve()).run()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    result.to_parquet(args.out, index=False)
    print(f"floor_pandas: {len(result)} values -> {args.out} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
