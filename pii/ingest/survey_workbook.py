"""Survey results workbooks (the VCCI PCI file): a summary sheet and one sheet per sub-index.

``sources.yaml`` lists, per sheet, which header labels are measures; a column is either a primary
measure of this source (priority 1) or a cross-check of another source's measure (``role: cross_check``,
priority 2: staging uses it only where the primary source has no value). Rules, per sheet:

* Sheets and header labels match ignoring case, diacritics (NFC or NFD) and spacing. A sheet the spec
  does not list is structural; a listed sheet or column that is missing is a file-level quarantine
  (``missing_sheet``, ``missing_column``; ``missing_header`` when the province column is absent).
* Rows above and including the header, blank rows, and national / summary rows ("Thấp nhất",
  "Trung vị", "Cao nhất") are structural. Province names (abbreviations, NFD) go through the resolver.
* A province appearing twice with the same values in every other cell is counted once: the repeat is
  structural ("exact duplicate of row N"). With different values, every row of that province is
  quarantined (``conflicting_duplicate``): the pipeline cannot tell which one is right.
* A header containing "%" is a share. Decided per column per file: when every value read in the column
  lies in [0, 1] the file stores fractions and they are multiplied by 100 (a decimal-point shift of the
  cell's shortest decimal text, so 0.273 becomes exactly 27.3); if any value is above 1 the column is
  already in percent. ``percent: fraction`` or ``percent: percent`` on a column overrides the detection
  (needed for a percent column whose values are all at most 1 %).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pii.catalog import SheetColumn, Source, load_measures
from pii.ingest.cells import (
    cell,
    classify_label,
    column_letter,
    fold,
    header_index,
    parse_value,
    range_problem,
    resolve_province,
)
from pii.ingest.grid import GridRow, rows_by_sheet
from pii.ingest.results import ConformResult, FileContext
from pii.provinces import ProvinceRegistry, boundary_for_year

DEFAULT_PROVINCE_COLUMN = "Tỉnh/Thành phố"


@dataclass(frozen=True)
class _Sheet:
    """What the spec asks of one sheet."""

    name: str
    province_column: str
    columns: tuple[SheetColumn, ...]


@dataclass
class _Candidate:
    """A row naming a province, before duplicates are settled."""

    row: GridRow
    label: str
    code: str


def sheet_specs(source: Source) -> dict[str, _Sheet]:
    """Folded sheet name -> the sheet's spec (province column may be set per sheet)."""
    default = source.spec.get("province_column", DEFAULT_PROVINCE_COLUMN)
    overrides = {fold(s["sheet"]): s.get("province_column", default) for s in source.spec.get("sheets", [])}
    out: dict[str, _Sheet] = {}
    for col in source.sheet_columns():
        key = fold(col.sheet)
        sheet = out.get(key) or _Sheet(col.sheet, overrides.get(key, default), ())
        out[key] = _Sheet(sheet.name, sheet.province_column, (*sheet.columns, col))
    return out


def percent_scale(label: str, mode: str, values: list[float]) -> int:
    """100 when a '%' column holds fractions (all values in [0, 1], or ``mode`` 'fraction'), else 1."""
    if "%" not in label or mode == "percent":
        return 1
    if mode == "fraction":
        return 100
    return 100 if values and all(0.0 <= v <= 1.0 for v in values) else 1


def scaled(value: float, scale: int) -> float:
    """``value`` x ``scale`` as a decimal shift of its shortest text (no binary noise: 0.273 -> 27.3)."""
    if scale == 1:
        return value
    return float(Decimal(repr(value)) * scale)


def conform_survey_workbook(
    source: Source, ctx: FileContext, rows: list[GridRow], registry: ProvinceRegistry,
) -> ConformResult:
    result = ConformResult()
    specs = sheet_specs(source)
    by_sheet = rows_by_sheet(rows)
    present = {fold(name) for name in by_sheet}
    for key, spec in specs.items():
        if key not in present:
            result.quarantine_cell(
                ctx, spec.name, 0, "", "", "missing_sheet",
                f"{ctx.file_path}: sheet '{spec.name}' named in sources.yaml is not in the workbook "
                f"(sheets: {', '.join(by_sheet)})")
    for sheet, sheet_rows in by_sheet.items():
        spec = specs.get(fold(sheet))
        if spec is None:
            for row in sheet_rows:
                result.dispose(ctx, sheet, row.row_number, "structural", "sheet not mapped in sources.yaml")
            continue
        _SheetConformer(result, ctx, spec, registry, source.spec.get("number_locale", "en")).run(sheet, sheet_rows)
    return result


class _SheetConformer:
    """Conforms one mapped sheet: header, province rows, duplicates, fraction columns, observations."""

    def __init__(
        self, result: ConformResult, ctx: FileContext, spec: _Sheet, registry: ProvinceRegistry, locale: str,
    ) -> None:
        self.result, self.ctx, self.spec, self.registry, self.locale = result, ctx, spec, registry, locale
        self.boundary = boundary_for_year(ctx.data_year)
        self.regions = {fold(p.region_vi) for p in registry.provinces(self.boundary)}

    def run(self, sheet: str, rows: list[GridRow]) -> None:
        header = next((r for r in rows if header_index(r, self.spec.province_column) is not None), None)
        if header is None:
            self.result.quarantine_cell(
                self.ctx, sheet, 0, "", "", "missing_header",
                f"{self.ctx.file_path}: sheet '{sheet}' has no header row with the column "
                f"'{self.spec.province_column}'")
            for row in rows:
                self.result.dispose(self.ctx, sheet, row.row_number, "quarantined", "sheet has no header row")
            return
        province_col = header_index(header, self.spec.province_column) or 0
        mapped = self._mapped_columns(sheet, header)
        candidates = self._province_rows(rows, header, province_col)
        staged = self._settle_duplicates(candidates, province_col)
        values = {(c.row.row_number, i): parse_value(self.result, self.ctx, c.row, i, self.locale)
                  for c in staged for i, _ in mapped}
        scales = {i: percent_scale(col.label, col.percent,
                                   [v for (_, j), v in values.items() if j == i and v is not None])
                  for i, col in mapped}
        measures = load_measures()
        for c in staged:
            count = 0
            for index, col in mapped:
                value = values[(c.row.row_number, index)]
                if value is None:
                    continue
                final = scaled(value, scales[index])
                problem = range_problem(measures[col.measure], final)
                if problem is not None:  # e.g. a sub-index above its 0-10 scale: never staged
                    self.result.quarantine_cell(
                        self.ctx, c.row.sheet, c.row.row_number, column_letter(index), cell(c.row, index)[0],
                        "out_of_range", f"{col.measure}: {problem}; check the figure and its unit")
                    continue
                count += 1
                self.result.observe(
                    self.ctx, c.row.sheet, c.row.row_number, column_letter(index), province_text=c.label,
                    province_code=c.code, boundary=self.boundary, year=self.ctx.data_year,
                    measure_code=col.measure, value=final, unit=measures[col.measure].unit,
                    priority=col.priority)
            wanted = len(self.spec.columns)  # a missing column leaves the row partial
            disposition = "staged" if count == wanted else ("partial" if count else "quarantined")
            self.result.dispose(self.ctx, c.row.sheet, c.row.row_number, disposition,
                                f"{count} of {wanted} values staged")

    def _mapped_columns(self, sheet: str, header: GridRow) -> list[tuple[int, SheetColumn]]:
        mapped = []
        for col in self.spec.columns:
            index = header_index(header, col.label)
            if index is None:
                self.result.quarantine_cell(
                    self.ctx, sheet, header.row_number, "", "", "missing_column",
                    f"{self.ctx.file_path}: sheet '{sheet}': column '{col.label}' (measure {col.measure}) "
                    "is not in the header")
            else:
                mapped.append((index, col))
        return mapped

    def _province_rows(self, rows: list[GridRow], header: GridRow, province_col: int) -> list[_Candidate]:
        """Dispose of every structural or unresolved row; return the rows that name a province."""
        out = []
        for row in rows:
            if row.row_number <= header.row_number:
                self.result.dispose(self.ctx, row.sheet, row.row_number, "structural", "title or header")
                continue
            if row.is_blank():
                self.result.dispose(self.ctx, row.sheet, row.row_number, "structural", "blank")
                continue
            label, _ = cell(row, province_col)
            kind = classify_label(label, self.regions)
            if kind is not None:
                self.result.dispose(self.ctx, row.sheet, row.row_number, "structural", f"{kind} row")
                continue
            code = resolve_province(self.result, self.ctx, self.registry, row, province_col, self.boundary)
            if code is None:
                self.result.dispose(self.ctx, row.sheet, row.row_number, "quarantined", "province not resolved")
                continue
            out.append(_Candidate(row, label, code))
        return out

    def _settle_duplicates(self, candidates: list[_Candidate], province_col: int) -> list[_Candidate]:
        """Rows to stage: one per province; exact repeats are structural, conflicting ones quarantined."""
        groups: dict[str, list[_Candidate]] = {}
        for c in candidates:
            groups.setdefault(c.code, []).append(c)
        keep = []
        for c in candidates:
            group = groups[c.code]
            first = group[0]
            if len(group) == 1:
                keep.append(c)
            elif all(_content(g.row, province_col) == _content(first.row, province_col) for g in group):
                if c is first:
                    keep.append(c)
                else:
                    self.result.dispose(self.ctx, c.row.sheet, c.row.row_number, "structural",
                                        f"exact duplicate of row {first.row.row_number}")
            else:
                others = ", ".join(str(g.row.row_number) for g in group if g is not c)
                self.result.quarantine_cell(
                    self.ctx, c.row.sheet, c.row.row_number, column_letter(province_col), c.label,
                    "conflicting_duplicate",
                    f"province {c.code} also appears in row(s) {others} of sheet '{c.row.sheet}' with different "
                    "values; none of them is used")
                self.result.dispose(self.ctx, c.row.sheet, c.row.row_number, "quarantined",
                                    f"conflicting duplicate of row(s) {others}")
        return keep


def _content(row: GridRow, province_col: int) -> tuple[tuple[str, str], ...]:
    """Every cell but the province name, without trailing empty cells: what an exact repeat shares."""
    cells = [(text.strip(), kind) for i, (text, kind) in enumerate(zip(row.cells, row.types, strict=False))
             if i != province_col]
    while cells and not cells[-1][0]:
        cells.pop()
    return tuple(cells)
