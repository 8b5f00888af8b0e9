"""A small, hand-made framework year for the export tests: two pillars, two indicators, three provinces.

The province "=HYPERLINK(…)" and the indicator name starting with '+' are crafted to look like formulas.
"""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from pii.exports.tables import ExportData

PROVINCES = {"01": "Hà Nội", "02": '=HYPERLINK("http://example.invalid","x")', "04": "Cao Bằng"}
PII_RANK = {"01": 2, "02": 3, "04": 1}


def small_export(synthetic: bool = True) -> ExportData:
    codes = sorted(PROVINCES)
    nodes = pl.DataFrame({
        "framework_year": [2025] * 6,
        "level": ["sub_index", "sub_index", "pillar", "pillar", "sub_pillar", "sub_pillar"],
        "code": ["INPUT", "OUTPUT", "1", "6", "1.1", "6.1"],
        "name_vi": ["Chỉ số phụ đầu vào", "Chỉ số phụ đầu ra", "Thể chế", "Sản phẩm tri thức", "Môi trường chính sách",
                    "Sáng tạo tri thức"],
        "name_en": ["Input", "Output", "Institutions", "Knowledge outputs", "Policy", "Knowledge creation"],
        "parent": ["PII", "PII", "INPUT", "OUTPUT", "1", "6"],
        "weight": [1.0] * 6,
    })
    indicators = pl.DataFrame({
        "framework_year": [2025, 2025], "indicator_code": ["1.1.1", "6.1.1"], "column_name": ["ind_1_1_1", "ind_6_1_1"],
        "name_vi": ["Tỷ lệ chi cho KH&CN", "+Số đơn đăng ký sáng chế"], "name_en": ["S&T spending", "Patent filings"],
        "unit": ["%", "applications"], "direction": [1, 1], "weight": [1.0, 1.0], "data_year": [2024, 2024],
        "sub_pillar": ["1.1", "6.1"], "pillar": ["1", "6"], "sub_index": ["INPUT", "OUTPUT"],
        "source": ["Niên giám thống kê", "@IPVN records"], "agency": ["GSO", "IPVN"],
    })
    values = {"ind_1_1_1": [1.25, None, 0.5], "ind_6_1_1": [1200.0, 3.0, 45.0]}
    data_input = pl.DataFrame({"framework_year": [2025] * 3, "province_code": codes,
                               "province_name": [PROVINCES[c] for c in codes], **values})
    rows = []
    for level, code in [("index", "PII"), ("sub_index", "INPUT"), ("sub_index", "OUTPUT"), ("pillar", "1"),
                        ("pillar", "6"), ("sub_pillar", "1.1"), ("sub_pillar", "6.1"), ("indicator", "1.1.1"),
                        ("indicator", "6.1.1")]:
        for k, p in enumerate(codes):
            rank = PII_RANK[p] if level == "index" else k + 1
            raw = values[f"ind_{code.replace('.', '_')}"][k] if level == "indicator" else None
            rows.append({"framework_year": 2025, "province_code": p, "province_name": PROVINCES[p], "level": level,
                         "code": code, "name_vi": code, "name_en": code, "raw_value": raw, "treated_value": raw,
                         "score": None if level == "indicator" and raw is None else 100.0 - 10 * rank, "rank": rank})
    scores = pl.DataFrame(rows)
    sw = pl.DataFrame({"framework_year": [2025], "province_code": ["02"], "province_name": [PROVINCES["02"]],
                       "kind": ["strength"], "position": [1], "indicator_code": ["6.1.1"],
                       "indicator_name_vi": ["+Số đơn đăng ký sáng chế"], "rank": [1], "score": [90.0]})
    return ExportData(year=2025, boundary="p34", synthetic=synthetic, run_id="run-1",
                      run_time=datetime(2025, 7, 1, 8, 30, tzinfo=UTC), input=data_input, scores=scores,
                      strengths_weaknesses=sw, indicators=indicators, nodes=nodes)


@pytest.fixture
def data() -> ExportData:
    return small_export()
