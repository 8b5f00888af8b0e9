"""The pages escape every value from the warehouse and show the numbers they are given."""

from __future__ import annotations

from typing import Any

from pii.reports.html import render_national, render_profile
from pii.reports.national_data import NationalData
from pii.reports.profile_data import ProfileData

EVIL = '<script>alert("x")</script>'


def _level(level: str, code: str, score: float, rank: int, n: int = 63) -> dict[str, Any]:
    return {"level": level, "code": code, "name_vi": f"Tên {code}", "name_en": f"Name {code}", "parent": None,
            "score": score, "rank": rank, "n": n, "national_avg": 40.0, "region_avg": 35.5, "region_n": 13}


def _profile(name: str = "Long An", synthetic: int = 3) -> ProfileData:
    indicator = {"code": "1.1.1", "name_vi": EVIL, "name_en": "Policies", "unit": "score", "pillar": "1",
                 "sub_pillar": "1.1", "direction": 1, "data_year": 2024, "value": 6.8, "score": 63.46, "rank": 23,
                 "n": 63, "nat_min": 3.5, "nat_median": 6.4, "nat_max": 8.7}
    sw = {"code": "1.1.2", "name_vi": "Thiết chế pháp lý và an ninh trật tự", "name_en": "Legal institutions",
          "rank": 53, "n": 63, "score": 12.3}
    return ProfileData(
        year=2024, boundary="p63",
        province={"code": "80", "name_vi": name, "name_ascii": "Long An", "region_vi": "Đồng bằng sông Cửu Long",
                  "region_en": "Mekong River Delta"},
        levels=[_level("index", "PII", 35.93, 24), _level("sub_index", "INPUT", 43.1, 12),
                _level("sub_index", "OUTPUT", 28.7, 50), _level("pillar", "1", 63.6, 7),
                _level("sub_pillar", "1.1", 74.0, 5)],
        indicators=[indicator], strengths=[sw | {"kind": "strength", "position": 1}],
        weaknesses=[sw | {"kind": "weakness", "position": 1, "code": "6.2.1", "rank": 63,
                          "name_vi": "Tốc độ tăng năng suất lao động"}],
        trend=[{"year": 2023, "boundary": "p63", "code": "80", "name_vi": name, "score": 38.7, "rank": 19, "n": 63},
               {"year": 2024, "boundary": "p63", "code": "80", "name_vi": name, "score": 35.9, "rank": 24, "n": 63},
               {"year": 2025, "boundary": "p34", "code": "80", "name_vi": "Tây Ninh", "score": 38.9, "rank": 11,
                "n": 34}],
        uncertainty={"nominal_rank": 24, "median_rank": 23.0, "p05_rank": 20.0, "p95_rank": 27.0,
                     "replications": 200, "seed": 7},
        whatif=[{"code": "1.1.1", "name_vi": "Chính sách", "name_en": "Policies", "unit": "score", "direction": 1,
                 "current_value": 6.8, "points_per_unit": 0.31, "gain_1_rank": 0.1, "gain_3_ranks": None,
                 "gain_5_ranks": None, "current_rank": 24}],
        provenance=[{"code": "1.1.1", "role": "numerator", "measure_code": "policy_score", "year": 2024,
                     "rebased": False, "source_province": "80", "source_name": name, "source_boundary": "p63",
                     "value": 6.8, "unit": "points", "source_id": "skhcn_submission",
                     "file_path": "2024/agencies/SKHCN_2024.xlsx", "file_sha256": "ab", "sheet": "Số liệu",
                     "row_number": 505, "column_ref": "G", "evidence": "458/BC-SKHCN, 11/03/2025"}],
        synthetic_files=synthetic)


def test_the_profile_reads_like_the_provincial_plan() -> None:
    html = render_profile(_profile())
    assert '<html lang="vi">' in html
    assert "Năm 2024, Long An đạt 35,9 điểm PII, xếp thứ 24/63 tỉnh, thành phố." in html
    assert "thiết chế pháp lý và an ninh trật tự, xếp thứ 53/63" in html  # lower-case inside the sentence
    assert "tốc độ tăng năng suất lao động, xếp thứ 63/63" in html
    assert "2024/agencies/SKHCN_2024.xlsx" in html and "Số liệu, dòng 505, cột G" in html
    assert "458/BC-SKHCN, 11/03/2025" in html
    assert "DỮ LIỆU MÔ PHỎNG" in html
    assert "Từ năm 2025" in html  # the boundary change is noted because the trend crosses it
    assert html.count("<svg") == 2


def test_every_value_is_escaped() -> None:
    html = render_profile(_profile(name=EVIL))
    assert EVIL not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "<script" not in html


def test_english_profile_and_no_banner_for_real_data() -> None:
    html = render_profile(_profile(synthetic=0), "en")
    assert '<html lang="en">' in html
    assert "In 2024, Long An scores 35.9 on the PII and ranks 24 of 63 provinces." in html
    assert "Legal institutions, ranked 53/63" in html
    assert "SYNTHETIC" not in html and 'id="synthetic"' not in html


def test_the_national_page_lists_every_province_with_rank_of() -> None:
    data = NationalData(
        year=2025, boundary="p34",
        columns=[{"code": "PII", "alias": "PII", "name_vi": "PII", "name_en": "PII"},
                 {"code": "INPUT", "alias": "INPUT", "name_vi": "Đầu vào", "name_en": "Input"}],
        provinces=[{"province_code": c, "name_vi": n, "region_vi": "Vùng", "region_en": "Region", "p05_rank": r,
                    "p95_rank": r + 1.0, "score_PII": s, "rank_PII": r, "score_INPUT": s, "rank_INPUT": r}
                   for c, n, s, r in (("01", "Hà Nội", 72.63, 1), ("79", EVIL, 63.71, 2))],
        n=2, synthetic_files=1)
    html = render_national(data, "vi")
    assert "72,6" in html and "1/2" in html and "2/2" in html and "Hà Nội" in html
    assert EVIL not in html and "<svg" in html
