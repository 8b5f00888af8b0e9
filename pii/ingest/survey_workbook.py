"""Survey results workbooks (the VCCI PCI file): a summary sheet and one sheet per sub-index.

``sources.yaml`` lists, per sheet, which header labels are measures; a column is either a primary
measure of this source (priority 1) or a cross-check of another source's measure (``role: cross_check``,
priority 2: staging uses it only where the primary source has no value). Rules, per sheet:

* Sheets and header labels match ignoring case, diacritics (NFC or NFD) and spacing. A sheet the spec
  does not list is structural; a listed sheet or column that is missing is a file-level quarantine
  (``missing_sheet``, ``missing_column``; ``missing_header`` when the province column is absent).
* Rows above and including the header, blank rows, and national / summary rows ("Thấp nhất",
  "Trung vị", "Cao nhất") are structural. Province names (abbreviations, NFD) go through the resolver.
* A header label the sheet's spec reads that heads two columns quarantines the sheet (``duplicate_header``).
* A province given twice is settled per value like in every other source (duplicates.py): only the cells
  the spec reads are compared, so a repeat differing only in an unread cell (a blank region label) counts
  once (the repeat is ``duplicate_row``); a value that differs is ``conflicting_duplicate`` in every row.
* A header containing "%" is a share. Decided per column per file: when every value read in the column
  lies in [0, 1] the file stores fractions and they are multiplied by 100 (a decimal-point shift of the
  cell's shortest decimal text, so 0.273 becomes exactly 27.3); if any value is above 1 the column is
  already in percent. ``percent: fraction`` or ``percent: percent`` on a column overrides the detection
  (needed for a percent column whose values are all at most 1 %). A value typed with "%" ("27,3%") is
  in percent already: it is never multiplied and does not vote. Text values are read under one number
  convention for the whole workbook (cells.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pii.catalog import SheetColumn, Source, load_measures
from pii.ingest.cells import (
    cell,
    classify_label,
    column_letter,
    file_convention,
    fold,
    header_index,
    range_problem,
    read_value,
    resolve_province,
    value_cells,
)
from pii.ingest.filelevel import reject_rows
from pii.ingest.grid import GridRow, rows_by_sheet
from pii.ingest.header_labels import check_unique_labels
from pii.ingest.results import ConformResult, FileContext
from pii.parsing.number_convention import NumberConvention, ValueCell
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
    numbers = _file_numbers(source, ctx, specs, by_sheet)
    for sheet, sheet_rows in by_sheet.items():
        spec = specs.get(fold(sheet))
        if spec is None:
            for row in sheet_rows:
                result.dispose(ctx, sheet, row.row_number, "structural", "sheet not mapped in sources.yaml")
            continue
        _SheetConformer(result, ctx, spec, registry, numbers).run(sheet, sheet_rows)
    return result


def _file_numbers(
    source: Source, ctx: FileContext, specs: dict[str, _Sheet], by_sheet: dict[str, list[GridRow]],
) -> NumberConvention:
    """One number convention for the workbook, from the mapped columns below the header of each mapped sheet."""
    cells: list[ValueCell] = []
    for sheet, rows in by_sheet.items():
        spec = specs.get(fold(sheet))
        header = next((r for r in rows if header_index(r, spec.province_column) is not None), None) if spec else None
        if spec is None or header is None:
            continue
        columns = [i for col in spec.columns if (i := header_index(header, col.label)) is not None]
        cells += value_cells([r for r in rows if r.row_number > header.row_number], columns)
    return file_convention(source, ctx, cells)


class _SheetConformer:
    """Conforms one mapped sheet: header, province rows, fraction columns, observations."""

    def __init__(
        self, result: ConformResult, ctx: FileContext, spec: _Sheet, registry: ProvinceRegistry,
        numbers: NumberConvention,
    ) -> None:
        self.result, self.ctx, self.spec, self.registry, self.numbers = result, ctx, spec, registry, numbers
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
        labels = [self.spec.province_column, *(col.label for col in self.spec.columns)]
        if not check_unique_labels(self.result, self.ctx, header, labels, "sheet"):
            reject_rows(self.result, self.ctx, rows, header.row_number, "a header label the spec reads is repeated")
            return
        # A province given twice is settled per value after the adapter (duplicates.py), as for every source.
        staged = self._province_rows(rows, header, province_col)
        readings = {(c.row.row_number, i): read_value(self.result, self.ctx, c.row, i, self.numbers,
                                                       self.ctx.measures[col.measure])
                    for c in staged for i, col in mapped}
        # A value typed with '%' is in percent already: it neither votes on nor gets the fraction scaling.
        scales = {i: percent_scale(col.label, col.percent,
                                   [r.value for (_, j), r in readings.items()
                                    if j == i and r and r.value is not None and r.unit != "%"])
                  for i, col in mapped}
        measures = load_measures()
        for c in staged:
            count = 0
            for index, col in mapped:
                reading = readings[(c.row.row_number, index)]
                if reading is None or reading.value is None:
                    continue
                final = scaled(reading.value, 1 if reading.unit == "%" else scales[index])
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
