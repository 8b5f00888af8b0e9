"""Labels, number formats and province names on a framework year's boundary."""

from __future__ import annotations

import pytest

from pii.errors import UsageError
from pii.reports.i18n import MESSAGES, Catalogue
from pii.reports.lookup import framework_province


def test_numbers_are_written_each_languages_way() -> None:
    vi, en = Catalogue("vi"), Catalogue("en")
    assert vi.number(1234.56) == "1.234,6"
    assert en.number(1234.56) == "1,234.6"
    assert vi.number(None) == en.number(float("nan")) == "—"
    assert vi.smart(237792.0) == "237.792" and en.smart(0.01234) == "0.012" and en.smart(6.8) == "6.80"
    assert vi.rank(24) == "24" and vi.rank(51.95) == "52,0" and en.rank(None) == "—"


def test_both_catalogues_have_the_same_labels() -> None:
    assert MESSAGES["vi"].keys() == MESSAGES["en"].keys()
    assert Catalogue("vi")("rank_of", rank=53, n=63) == "xếp thứ 53/63"
    assert Catalogue("en")("rank_of", rank=53, n=63) == "ranked 53 of 63"
    with pytest.raises(ValueError, match="unknown report language 'fr'"):
        Catalogue("fr")


def test_names_fall_back_to_the_other_language() -> None:
    assert Catalogue("en").name({"name_vi": "Thể chế", "name_en": None}) == "Thể chế"
    assert Catalogue("vi").name({"name_vi": "Thể chế", "name_en": "Institutions"}) == "Thể chế"


def test_province_names_resolve_on_the_years_boundary() -> None:
    assert framework_province(2024, "long an") == ("p63", "80", "Long An")
    assert framework_province(2024, "80") == ("p63", "80", "Long An")
    assert framework_province(2025, "Tay Ninh") == ("p34", "80", "Tây Ninh")


def test_a_typo_or_a_merged_province_is_one_line_with_what_to_write() -> None:
    with pytest.raises(UsageError, match=r"--province 'Long Ann': .*closest: Long An"):
        framework_province(2024, "Long Ann")
    with pytest.raises(UsageError, match=r"--province 'Long An': .*Tây Ninh"):
        framework_province(2025, "Long An")
    with pytest.raises(UsageError, match=r"--year 2019: no PII framework"):
        framework_province(2019, "Long An")
