"""A new source of a known kind needs only an entry in sources.yaml (and its measure in measures.csv).

Copies of both reference files get a new measure and a new survey_index source; loading them and
conforming a file of the new source produces observations with no new code — including the catalog
rules (unit, range) of the new measure.
"""

from __future__ import annotations

from pathlib import Path

from pii.catalog import load_measures, load_sources
from pii.ingest.conform import conform_raw, read_raw
from pii.ingest.landing import find_files
from pii.paths import REFERENCE_DIR
from pii.provinces import default_registry

MEASURE_ROW = ("par_admin_procedures,Cải cách thủ tục hành chính,PAR sub-index: administrative procedures,"
               "points 0-100,score,bnv_par_subindices,not_additive,,0,100,test-only measure\n")
SOURCE_ENTRY = """
  - source_id: bnv_par_subindices
    kind: survey_index
    agency: BNV
    title: PAR Index sub-indices by province (test-only source)
    format: csv
    file_pattern: "{year}/bnv/par_subindices_{year}.csv"
    province_column: "Tỉnh/Thành phố"
    columns:
      "Cải cách thủ tục hành chính": par_admin_procedures
"""
FILE = ("Chỉ số thành phần PAR Index năm 2024\n"
        "STT,Tỉnh/Thành phố,Cải cách thủ tục hành chính,Cải cách tổ chức bộ máy\n"
        "1,Hà Nội,88.5,90.1\n2,Đà Nẵng,91.25,87.0\n3,Cà Mau,120,80.0\n")


def _reference_copies(tmp_path: Path) -> tuple[Path, Path]:
    measures = tmp_path / "measures.csv"
    measures.write_text((REFERENCE_DIR / "measures.csv").read_text(encoding="utf-8") + MEASURE_ROW, encoding="utf-8")
    sources = tmp_path / "sources.yaml"
    sources.write_text((REFERENCE_DIR / "sources.yaml").read_text(encoding="utf-8").rstrip("\n") + "\n" + SOURCE_ENTRY,
                       encoding="utf-8")
    return measures, sources


def test_new_survey_source_from_spec_only(tmp_path: Path) -> None:
    measures_path, sources_path = _reference_copies(tmp_path)
    measures = load_measures.__wrapped__(measures_path)
    sources = load_sources.__wrapped__(sources_path, measures_path)
    source = sources["bnv_par_subindices"]
    assert source.measures() == ["par_admin_procedures"]
    landing = tmp_path / "landing"
    (landing / "2024" / "bnv").mkdir(parents=True)
    (landing / "2024" / "bnv" / "par_subindices_2024.csv").write_text(FILE, encoding="utf-8")
    [landing_file] = find_files(landing, source)
    result = conform_raw(source, read_raw(source, landing_file), default_registry(), measures=measures)
    assert [(o["province_code"], o["measure_code"], o["value"], o["unit"]) for o in result.observations] == [
        ("01", "par_admin_procedures", 88.5, "points 0-100"), ("48", "par_admin_procedures", 91.25, "points 0-100")]
    assert [(q["reason_code"], q["row_number"], q["column_ref"]) for q in result.quarantine] == [
        ("out_of_range", 5, "C")]  # the new measure's own range, from the copied catalog
    assert len(result.dispositions) == 5


def test_default_catalog_is_unchanged_by_the_copies(tmp_path: Path) -> None:
    _reference_copies(tmp_path)
    assert "par_admin_procedures" not in load_measures()
    assert "bnv_par_subindices" not in load_sources()
