"""Microdata entries of sources.yaml are validated when loaded: a bad entry disables that source only, and the
message names the source and the key (filters are parsed, never pasted into SQL)."""

from pathlib import Path

import pytest

from pii.catalog import load_sources
from pii.paths import REFERENCE_DIR

SOURCES = (REFERENCE_DIR / "sources.yaml").read_text(encoding="utf-8")
SHARE_FILTER = '        filter: "co_viec_lam = 1 AND tuoi >= 15"'
SHARE_BLOCK = '''        aggregation: weighted_share
        filter: "co_viec_lam = 1 AND tuoi >= 15"
        share_filter: "trinh_do_cmkt >= 1"'''


def _load(tmp_path: Path, old: str, new: str):
    assert SOURCES.count(old) == 1, old
    path = tmp_path / "sources.yaml"
    path.write_text(SOURCES.replace(old, new), encoding="utf-8")
    return load_sources.__wrapped__(path)


def test_the_committed_microdata_entries_load() -> None:
    sources = load_sources()
    assert sources["enterprise_survey"].measures() == ["enterprises_section_m", "enterprise_training_cost",
                                                       "enterprise_total_cost"]
    assert sources["labour_force_survey"].measures() == ["trained_labour_share"]
    assert sources["enterprise_survey"].format == "parquet"


@pytest.mark.parametrize(("source_id", "old", "new", "message"), [
    ("labour_force_survey", SHARE_FILTER, '        filter: "co_viec_lam = 1 AND age >= 15"',
     "field 'measures.trained_labour_share.filter': unknown column 'age' (declared columns: co_viec_lam, ma_ho"),
    ("labour_force_survey", SHARE_FILTER, '        filter: "co_viec_lam = 1; DROP TABLE raw.x"',
     "field 'measures.trained_labour_share.filter': unexpected character ';' at position 16"),
    ("labour_force_survey", SHARE_FILTER, "        filter: \"co_viec_lam = '1'\"",
     "field 'measures.trained_labour_share.filter': = compares a number with a text"),
    ("labour_force_survey", SHARE_BLOCK, SHARE_BLOCK.replace('        share_filter: "trinh_do_cmkt >= 1"', ""),
     "field 'measures.trained_labour_share.share_filter' is missing (aggregation weighted_share needs it)"),
    ("labour_force_survey", "    weight_column: quyen_so\n", "",
     "field 'measures.trained_labour_share.aggregation': weighted_share needs the source's 'weight_column'"),
    ("labour_force_survey", "    weight_column: quyen_so\n", "    weight_column: ma_ho\n",
     "field 'weight_column': column 'ma_ho' must be of type number"),
    ("labour_force_survey", "    province_column: ma_tinh\n    weight_column",
     "    province_column: tinh\n    weight_column",
     "field 'province_column' names 'tinh', which is not in 'columns'"),
    ("labour_force_survey", "aggregation: weighted_share", "aggregation: median",
     "measures.trained_labour_share.aggregation"),
    ("enterprise_survey", "        value: chi_dao_tao\n", "        value: ma_dn\n",
     "field 'measures.enterprise_training_cost.value': column 'ma_dn' must be of type number"),
    ("enterprise_survey", "      tinh_trang: {type: number, min: 1, max: 3}",
     "      tinh_trang: {type: number, min: 4, max: 3}",
     "field 'columns.tinh_trang': min 4 is above max 3"),
    ("enterprise_survey", "    record_id_columns: [ma_dn]", "    record_id_columns: [id]",
     "field 'record_id_columns[0]' names 'id', which is not in 'columns'"),
    ("enterprise_survey", "      enterprises_section_m:\n", "      enterprises_section_x:\n",
     "names unknown measure 'enterprises_section_x'"),
])
def test_a_bad_entry_disables_only_its_source(tmp_path: Path, source_id: str, old: str, new: str, message: str) -> None:
    sources = _load(tmp_path, old, new)
    disabled = {s.source_id: s.spec_error for s in sources.values() if s.spec_error}
    assert list(disabled) == [source_id], disabled
    assert str(disabled[source_id]).startswith(f"sources.yaml: source '{source_id}': ")
    assert message in str(disabled[source_id])
    assert sources[source_id].measures() == []
