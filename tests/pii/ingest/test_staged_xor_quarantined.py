"""No cell is both staged and quarantined, and each row's disposition agrees with what was made of its cells.

Checked over every corpus case (tests/corpus/cases.yaml) and, as a property, over generated survey-index
CSVs (papi, and dti for its two value columns) and agency submission workbooks with random mixes of good and
bad cells, run through find_files → read_raw → conform_raw as the raw and staging assets run them.

What the code guarantees (results.py, duplicates.py, the adapters), per (file, sheet, row, column) cell and
per (file, sheet, row) row:

* an observed cell (any priority: cross-check columns are other cells) has no cell-level quarantine entry,
  and a printed total (yearbook national / region rows) is neither observed nor quarantined;
* ``staged``: at least one observation, no quarantine entry in the row;
* ``partial``: at least one observation, and a quarantine entry in the row for the rest (or a
  ``missing_column`` entry of its sheet: a survey workbook column absent from the header);
* ``quarantined``: no observation, and a reason: an entry in the row or a file-level entry of the file;
* ``structural``: no observation; only file-level reasons (a title stating another year, a repeated
  header label) may point into it;
* ``counted``: exactly one record, no observation, no quarantine entry (a microdata record has no record of its
  own: it is counted in its file's aggregates, observations at row 0);
* records sit only in counted rows, and nothing is observed or quarantined in a row with no disposition.
"""

from __future__ import annotations

import copy
import csv
import io
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tests.corpus.harness as harness
from pii.catalog import Source, load_measures, load_sources
from pii.ingest import conform
from pii.ingest.conform import conform_raw, read_raw
from pii.ingest.landing import find_files
from pii.ingest.results import FILE_LEVEL_REASONS, ConformResult
from pii.ingest.survey_index import conform_survey
from pii.provinces import default_registry
from tests.corpus.files_workbooks import agency_row, agency_workbook
from tests.corpus.harness import load_cases, run_case

CASES = load_cases()
SOURCES = load_sources()
MEASURES = load_measures()
YEAR = 2024


@dataclass
class Made:
    """What ingesting some files made: the lists of a ConformResult, plus the raw rows read."""

    observations: list[dict]
    quarantine: list[dict]
    dispositions: list[dict]
    records: list[dict]
    totals: list[dict] = field(default_factory=list)
    raw_rows: list[tuple[str, str, int]] = field(default_factory=list)


def _cell(entry: dict) -> tuple[str, str, int, str]:
    return entry["file_path"], entry["sheet"], entry["row_number"], entry["column_ref"]


def _row(entry: dict) -> tuple[str, str, int]:
    return entry["file_path"], entry["sheet"], entry["row_number"]


def cell_problems(made: Made) -> list[str]:
    """Cells that are observed and quarantined (or a printed total and either)."""
    observed = {_cell(o) for o in made.observations}
    quarantined = {_cell(q) for q in made.quarantine if q["column_ref"]}
    totals = {_cell(t) for t in made.totals}
    return ([f"cell {c} is both observed and quarantined" for c in sorted(observed & quarantined)]
            + [f"total cell {c} is also observed or quarantined" for c in sorted(totals & (observed | quarantined))])


def row_problems(made: Made) -> list[str]:
    """Rows whose disposition disagrees with their observations, records and quarantine entries."""
    aggregated = {o["file_path"] for o in made.observations if o["row_number"] == 0}  # microdata aggregates
    obs = Counter(_row(o) for o in made.observations if o["row_number"] != 0)
    recs = Counter(_row(r) for r in made.records)
    entries: dict[tuple, list[str]] = defaultdict(list)
    for q in made.quarantine:
        entries[_row(q)].append(q["reason_code"])
    file_level = {q["file_path"] for q in made.quarantine if q["reason_code"] in FILE_LEVEL_REASONS}
    missing_column = {(q["file_path"], q["sheet"]) for q in made.quarantine if q["reason_code"] == "missing_column"}
    disposed = {_row(d): d["disposition"] for d in made.dispositions}
    problems = []
    for row, disposition in disposed.items():
        n_obs, n_rec, codes = obs[row], recs[row], entries.get(row, [])
        wrong = {
            "staged": n_obs == 0 or bool(codes) or n_rec > 0,
            "partial": n_obs == 0 or n_rec > 0 or not (codes or row[:2] in missing_column),
            "quarantined": n_obs > 0 or n_rec > 0 or not (codes or row[0] in file_level),
            "structural": n_obs > 0 or n_rec > 0 or any(c not in FILE_LEVEL_REASONS for c in codes),
            "counted": n_obs > 0 or bool(codes) or n_rec != (0 if row[0] in aggregated else 1),
        }[disposition]
        if wrong:
            problems.append(f"row {row} is {disposition} with {n_obs} observations, {n_rec} records, "
                            f"quarantine {codes}")
    for row in sorted(set(obs) | set(recs) | {r for r in entries if r[2] > 0}):
        if row not in disposed:
            problems.append(f"row {row} has observations, records or quarantine entries but no disposition")
    return problems


def conservation_problems(made: Made) -> list[str]:
    disposed = Counter(_row(d) for d in made.dispositions)
    raw = Counter(made.raw_rows)
    if disposed == raw and max(disposed.values(), default=1) == 1:
        return []
    return [f"row conservation broken: raw rows without exactly one disposition {sorted((raw - disposed).keys())}, "
            f"dispositions without a raw row or given twice {sorted((disposed - raw).keys())}"]


def problems(made: Made) -> list[str]:
    return cell_problems(made) + row_problems(made) + conservation_problems(made)


# ---- every corpus case ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_corpus_case_stages_or_quarantines_each_cell(case: dict, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    results: list[ConformResult] = []  # the harness keeps no totals: catch every conform_raw result

    def recording(*args: object, **kwargs: object) -> ConformResult:
        results.append(conform_raw(*args, **kwargs))  # type: ignore[arg-type]
        return results[-1]

    monkeypatch.setattr(harness, "conform_raw", recording)
    out = run_case(case, tmp_path)
    made = Made(out.observations, out.quarantine, out.dispositions, out.records,
                [t for r in results for t in r.totals], out.raw_rows)
    found = problems(made)
    assert not found, f"{case['id']}:\n" + "\n".join(found)


def test_checks_catch_a_cell_both_staged_and_quarantined(tmp_path: Path) -> None:
    """The checks can fail: a corpus outcome with one observed cell also quarantined, or a row disposed
    against its cells, or a total on an observed cell, is reported."""
    out = run_case(next(c for c in CASES if c["id"] == "dti_duplicate_mixed"), tmp_path)
    made = Made(out.observations, out.quarantine, out.dispositions, out.records, [], out.raw_rows)
    assert not problems(made)
    staged = {_row(d) for d in made.dispositions if d["disposition"] == "staged"}
    obs = next(o for o in made.observations if _row(o) in staged)
    both = copy.deepcopy(made)
    both.quarantine.append({**both.quarantine[0], **{k: obs[k] for k in ("file_path", "sheet", "row_number",
                                                                           "column_ref")}})
    assert any("both observed and quarantined" in p for p in cell_problems(both))
    assert any("is staged" in p for p in row_problems(both))
    flipped = copy.deepcopy(made)
    next(d for d in flipped.dispositions if _row(d) == _row(obs))["disposition"] = "quarantined"
    assert any("is quarantined with" in p for p in row_problems(flipped))
    total = copy.deepcopy(made)
    total.totals.append(dict(obs))
    assert cell_problems(total)
    lost = copy.deepcopy(made)
    lost.dispositions.pop()
    assert conservation_problems(lost)


# ---- generated files -----------------------------------------------------------------------------------------


def ingest(landing: Path, source: Source) -> Made:
    """Every file of ``source`` under ``landing`` through find_files → read_raw → conform_raw."""
    result, raw_rows = ConformResult(), []
    for landing_file in find_files(landing, source):
        raw = read_raw(source, landing_file)
        raw_rows += [(f, s, int(n)) for f, s, n in raw.select("file_path", "sheet", "row_number").rows()]
        result.extend(conform_raw(source, raw, default_registry()))
    return Made(result.observations, result.quarantine, result.dispositions, result.records, result.totals,
                raw_rows)


def ingest_bytes(source: Source, data: bytes) -> Made:
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / source.path_for(YEAR)
        target.parent.mkdir(parents=True)
        target.write_bytes(data)
        return ingest(Path(tmp), source)


ODD_CELLS = ["12 %", "12%", "inf", "-inf", "NaN", "..", "-", "…", "", "   ", "không có", "n/a", "#DIV/0!",
             "1.234,5", "1,234.5", "3,911", "1.234", "0,45", "0.45", " 5.5 ", "7,5 điểm", "1e3", "5,5,5"]
GOOD_PROVINCES = {"01": "Hà Nội", "31": "Hải Phòng", "36": "Nam Định", "27": "Bắc Ninh", "34": "Thái Bình",
                  "46": "Thừa Thiên Huế"}
ODD_PROVINCES = ["HA NOI", "Hải Phong", "Tỉnh Mới Lập", "", "Đồng bằng sông Hồng", "Cả nước", "Trung vị",
                 "Ghi chú: tệp kiểm thử"]


def mostly(good: st.SearchStrategy, bad: st.SearchStrategy) -> st.SearchStrategy:
    """``good`` two times in three, else ``bad``: files mostly right, as real ones are."""
    return st.integers(0, 2).flatmap(lambda k: bad if k == 0 else good)


@st.composite
def number_text(draw: st.DrawFn, low: float, high: float) -> str:
    """A number in [low, high] as a person types it: '.' or ',' as the decimal mark, maybe thousands-grouped."""
    text = f"{draw(st.floats(min_value=low, max_value=high)):,.{draw(st.integers(0, 3))}f}"
    if draw(st.booleans()):  # the Vietnamese convention: swap the marks
        text = text.translate(str.maketrans(",.", ".,"))
    return text


def value_text(low: float, high: float) -> st.SearchStrategy[str]:
    """Mostly a number in the measure's range; else out of range, with a unit or '%', or an odd cell."""
    bad = st.one_of(number_text(-2, 1500), number_text(low, high).map(lambda t: t + " %"), st.sampled_from(ODD_CELLS))
    return mostly(number_text(low, high), bad)


province_name = mostly(st.sampled_from(sorted(GOOD_PROVINCES.values())), st.sampled_from(ODD_PROVINCES))


def with_repeats(draw: st.DrawFn, rows: list[list]) -> list[list]:
    """``rows`` with some of them given again further down (equal repeats, settled by duplicates.py)."""
    if not rows:
        return rows
    again = draw(st.lists(st.integers(0, len(rows) - 1), max_size=3))
    return rows + [list(rows[i]) for i in again]


@st.composite
def survey_csv(draw: st.DrawFn) -> tuple[str, bytes]:
    """(source id, CSV bytes): a title naming the year, the header, then province, blank and summary rows."""
    source = SOURCES[draw(st.sampled_from(["papi", "dti"]))]
    columns = source.sheet_columns()
    header = ["STT", source.spec["province_column"], *(c.label for c in columns), "Ghi chú"]
    values = [value_text(*_range(c.measure)) for c in columns]
    province_row = st.tuples(province_name, *values, st.sampled_from(["", "x", "5"])).map(lambda r: ["", *r])
    body = draw(st.lists(mostly(province_row, st.sampled_from([[], [""] * len(header)])), max_size=8))
    body = with_repeats(draw, body)
    buf = io.StringIO()
    csv.writer(buf, delimiter=draw(st.sampled_from([",", ";"])), lineterminator="\n").writerows(
        [[f"Chỉ số {source.source_id.upper()} năm {YEAR} – tệp kiểm thử (test)"], header, *body])
    return source.source_id, buf.getvalue().encode("utf-8")


def _range(measure: str) -> tuple[float, float]:
    info = MEASURES[measure]
    return info.min_value or 0.0, info.max_value if info.max_value is not None else 10_000.0


AGENCY_MEASURES = ["policy_score", "rd_expenditure", "rd_personnel_fte"]


@st.composite
def agency_row_cells(draw: st.DrawFn, n: int) -> list:
    code, name = draw(mostly(st.sampled_from(sorted(GOOD_PROVINCES.items())),
                             st.tuples(st.sampled_from(["1", "99", "", "31"]), province_name)))
    measure = draw(mostly(st.sampled_from(AGENCY_MEASURES), st.sampled_from(["papi_environment", ""])))
    unit = MEASURES[measure].unit if measure else ""
    unit = draw(mostly(st.just(unit), st.sampled_from(["cái", ""])))
    low, high = _range(measure) if measure else (0.0, 10.0)
    value = draw(mostly(st.one_of(st.floats(low, high), number_text(low, high)),
                        st.one_of(st.none(), st.floats(-5, 5000), value_text(low, high))))
    return agency_row(n, code, name, measure, unit, value)


@st.composite
def agency_xlsx(draw: st.DrawFn) -> bytes:
    """An SKHCN submission (template layout) with random codes, names, measures, units and value cells."""
    rows = [draw(agency_row_cells(n)) for n in range(1, draw(st.integers(0, 8)) + 1)]
    rows = with_repeats(draw, rows) + draw(st.sampled_from([[], [[]], [["Ghi chú: tệp kiểm thử"]]]))
    return agency_workbook(rows, year_line=f"Năm số liệu: {YEAR}")


PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(survey_csv())
def test_survey_index_csv_never_stages_and_quarantines_one_cell(generated: tuple[str, bytes]) -> None:
    source_id, data = generated
    made = ingest_bytes(SOURCES[source_id], data)
    found = problems(made)
    assert not found, "\n".join(found) + "\n" + data.decode()


@PROPERTY
@given(agency_xlsx())
def test_agency_workbook_never_stages_and_quarantines_one_cell(data: bytes) -> None:
    made = ingest_bytes(SOURCES["skhcn_submission"], data)
    found = problems(made)
    assert not found, "\n".join(found)


def test_checks_catch_an_adapter_that_observes_and_quarantines_a_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks can fail on a real run: a survey adapter that also quarantines a value it staged is caught."""

    def both(*args: object) -> ConformResult:
        result = conform_survey(*args)  # type: ignore[arg-type]
        ctx, obs = args[1], result.observations[0]
        result.quarantine_cell(ctx, obs["sheet"], obs["row_number"], obs["column_ref"], "", "out_of_range", "bug")
        return result

    data = "Chỉ số PAPI năm 2024\nSTT,Tỉnh/Thành phố,Quản trị môi trường\n1,Hà Nội,6.12\n2,Nam Định,5.61\n"
    assert not problems(ingest_bytes(SOURCES["papi"], data.encode()))
    monkeypatch.setitem(conform.ADAPTERS, "survey_index", both)
    found = problems(ingest_bytes(SOURCES["papi"], data.encode()))
    assert any("both observed and quarantined" in p for p in found)
    assert any("is staged with 1 observations" in p for p in found)
