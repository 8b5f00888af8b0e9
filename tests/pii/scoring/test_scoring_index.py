"""The PII of a framework year from the real framework files: iMeta/iData shapes and the output tables."""

import numpy as np
import polars as pl
import pytest

from pii.framework.loader import framework_years, load_framework
from pii.framework.tables import framework_frames
from pii.scoring.config import load_method_config
from pii.scoring.index import score_year
from pii.scoring.inputs import code_key, coinr_tables, framework_idata, framework_imeta
from pii.scoring.structure import Structure

FRAMES = framework_frames([load_framework(y) for y in framework_years()])


def year_tables(year: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    ind = FRAMES["framework_indicators"].filter(pl.col("framework_year") == year)
    nodes = FRAMES["framework_nodes"].filter(pl.col("framework_year") == year)
    return ind, nodes


def fake_pii_input(ind: pl.DataFrame, n: int, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    cols = {c: rng.lognormal(size=n) for c in ind["column_name"]}
    cols["ind_9_9_9"] = rng.normal(size=n)  # another year's column: ignored
    return pl.DataFrame({"framework_year": [2025] * n, "province_code": [f"{k:02d}" for k in range(n, 0, -1)],
                         "province_name": ["x"] * n, **cols})


@pytest.mark.parametrize("year", framework_years())
def test_imeta_has_five_levels_and_the_years_own_52_indicators(year):
    ind, nodes = year_tables(year)
    st = Structure.from_imeta(framework_imeta(ind, nodes))
    assert st.n_levels == 5 and st.top == "PII"
    assert len(st.indicators) == 52 and list(st.indicators) == sorted(st.indicators, key=code_key)
    assert st.children("PII") == ("INPUT", "OUTPUT")
    assert st.children("INPUT") == ("1", "2", "3", "4", "5") and st.children("OUTPUT") == ("6", "7")
    assert ("6.1.3" in st.indicators) == (year == 2023) and ("6.3.4" in st.indicators) == (year != 2023)


def test_idata_reads_indicator_columns_by_code_sorted_by_province():
    ind, _ = year_tables(2025)
    idata = framework_idata(fake_pii_input(ind, 5), ind)
    assert idata.columns[0] == "uCode" and idata.width == 53 and "9.9.9" not in idata.columns
    assert idata["uCode"].to_list() == ["01", "02", "03", "04", "05"]
    with pytest.raises(ValueError, match="no column for indicator"):
        framework_idata(fake_pii_input(ind, 5).drop("ind_1_1_1"), ind)


def test_score_year_tables_and_identities():
    ind, nodes = year_tables(2025)
    cfg = load_method_config()
    t = score_year(2025, framework_idata(fake_pii_input(ind, 34), ind), framework_imeta(ind, nodes), cfg)
    s = t.scores
    assert s.group_by("level").len().sort("level").rows() == [
        ("index", 34), ("indicator", 34 * 52), ("pillar", 34 * 7), ("sub_index", 34 * 2), ("sub_pillar", 34 * 18)]
    assert s["score"].min() >= 0 and s["score"].max() <= 100
    assert s.filter(pl.col("level") != "indicator")["raw_value"].null_count() == s.filter(
        pl.col("level") != "indicator").height
    wide = s.pivot(on="code", index="province_code", values="score")
    inp = wide.select([str(k) for k in range(1, 6)]).mean_horizontal()
    out = wide.select(["6", "7"]).mean_horizontal()
    np.testing.assert_allclose(wide["INPUT"].to_numpy(), inp.to_numpy(), atol=1e-9)
    np.testing.assert_allclose(wide["OUTPUT"].to_numpy(), out.to_numpy(), atol=1e-9)
    np.testing.assert_allclose(wide["PII"].to_numpy(), ((inp + out) / 2).to_numpy(), atol=1e-9)
    sw = t.strengths_weaknesses
    assert sw.group_by("province_code", "kind").len()["len"].to_list() == [5] * 68
    assert set(t.treatment_log.filter(pl.col("step") == "treat")["action"]) == {"off"}
    eff = t.efficiency.join(wide.select("province_code", "INPUT", "OUTPUT"), on="province_code")
    np.testing.assert_allclose(eff["efficiency"].to_numpy(), (eff["OUTPUT"] / eff["INPUT"]).to_numpy())
    assert eff["rank"].min() == 1


def test_coinr_tables_prefix_codes_that_start_with_a_digit_and_score_the_same():
    ind, nodes = year_tables(2024)
    idata, imeta = framework_idata(fake_pii_input(ind, 63, seed=3), ind), framework_imeta(ind, nodes)
    data, meta = coinr_tables(idata, imeta)
    assert not any(c[:1].isdigit() for c in meta["iCode"]) and "i1.1.1" in data.columns
    assert meta.filter(pl.col("iCode") == "i1.1.1")["Parent"].item() == "i1.1"
    assert meta.filter(pl.col("iCode") == "PII")["Parent"].item() is None
    assert data["uCode"].str.starts_with("u").all()
    cfg = load_method_config()
    a = score_year(2024, idata, imeta, cfg).result.scores["PII"]
    b = score_year(2024, data, meta, cfg).result.scores["PII"]
    np.testing.assert_array_equal(a, b)
