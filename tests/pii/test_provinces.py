"""Tests for pii.provinces and the reference CSVs it reads (plus agencies.csv)."""

from __future__ import annotations

import csv
import unicodedata
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pii.provinces import (
    Province,
    ProvinceRegistry,
    Resolution,
    boundary_for_year,
    default_registry,
    merger_target,
    province_key,
    provinces,
    resolve_province,
)

REFERENCE = Path(__file__).resolve().parents[2] / "reference"
REG = ProvinceRegistry.load(REFERENCE)
P63 = REG.provinces("p63")
P34 = REG.provinces("p34")
YEAR = {"p63": 2024, "p34": 2025}


def _csv(name: str) -> list[dict[str, str]]:
    with (REFERENCE / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _short(name: str) -> str:
    return name.removeprefix("Thành phố ")


def test_boundary_sizes_and_codes() -> None:
    assert len(P63) == 63 and len(P34) == 34
    for plist in (P63, P34):
        codes = [p.code for p in plist]
        assert codes == sorted(set(codes))
        assert all(isinstance(c, str) and len(c) == 2 and c.isdigit() for c in codes)
    assert P63[0] == Province("p63", "01", "Hà Nội", "Ha Noi", "city", "Đồng bằng sông Hồng", "Red River Delta",
                              date(2008, 8, 1), date(2025, 6, 30))
    assert P34[-1].name_vi == "Cà Mau" and P34[-1].valid_to is None
    assert provinces("p34") == P34
    with pytest.raises(ValueError, match="boundary"):
        REG.provinces("p64")


@pytest.mark.parametrize(("year", "expected"), [(2008, "p63"), (2020, "p63"), (2024, "p63"), (2025, "p34"),
                                                (2031, "p34")])
def test_boundary_for_year(year: int, expected: str) -> None:
    assert boundary_for_year(year) == expected


def test_boundary_for_year_before_2008_is_rejected() -> None:
    with pytest.raises(ValueError, match="2007"):
        boundary_for_year(2007)


def test_merger_target() -> None:
    assert merger_target("80") == "80"  # Long An -> Tây Ninh (new)
    assert merger_target("72") == "80"  # Tây Ninh (old) -> Tây Ninh (new)
    assert merger_target("17") == "25"  # Hòa Bình -> Phú Thọ
    assert merger_target("46") == "46"  # Thừa Thiên Huế -> Huế
    assert merger_target("77") == "79"
    with pytest.raises(KeyError, match="99"):
        merger_target("99")
    targets = {p.code: REG.merger_target(p.code) for p in P63}
    assert set(targets.values()) == {p.code for p in P34}  # every new province has a predecessor


@pytest.mark.parametrize("province", P63 + P34, ids=lambda p: f"{p.boundary}-{p.code}")
def test_every_official_name_and_variant_resolves(province: Province) -> None:
    short = _short(province.name_vi)
    variants = [
        province.name_vi, short, province.name_ascii, province.name_vi.upper(), province.name_vi.lower(),
        province.name_ascii.upper(), unicodedata.normalize("NFD", province.name_vi),
        unicodedata.normalize("NFD", province.name_vi.upper()), f"Tỉnh {short}", f"Thành phố {short}",
        f"TP. {short}", f"tỉnh {province.name_ascii}", f"  {short}  ", short.replace(" ", "-"),
    ]
    for variant in variants:
        res = REG.resolve(variant, YEAR[province.boundary])
        assert res == Resolution(variant, "ok", province.code, province.boundary, province.name_vi, [], "ok"), variant
        assert REG.resolve(variant, boundary=province.boundary).code == province.code


BRIEF_EXAMPLES = [
    ("Bà Rịa–Vũng Tàu", "77"), ("Bà Rịa - Vũng Tàu", "77"), ("BÀ RỊA - VŨNG TÀU", "77"), ("Ba Ria Vung Tau", "77"),
    ("BRVT", "77"), ("BR-VT", "77"), ("Bà Rịa — Vũng Tàu", "77"), ("Thừa Thiên - Huế", "46"), ("TT-Huế", "46"),
    ("TT Huế", "46"), ("Thừa Thiên Huế", "46"), ("Huế", "46"), ("Hue", "46"), ("Thành phố Huế", "46"),
    ("TP. HCM", "79"), ("Tp Hồ Chí Minh", "79"), ("TP.HCM", "79"), ("TPHCM", "79"), ("T.P. Hồ Chí Minh", "79"),
    ("Thành phố Hồ Chí Minh", "79"), ("Hồ Chí Minh", "79"), ("HCM", "79"), ("HCMC", "79"), ("Ho Chi Minh City", "79"),
    ("Tỉnh Long An", "80"), ("Đắk Lắk", "66"), ("Đắc Lắk", "66"), ("Dak Lak", "66"), ("Đăk Lăk", "66"),
    ("DakLak", "66"), ("Đắk Nông", "67"), ("Đắc Nông", "67"), ("Hòa Bình", "17"), ("Hoà Bình", "17"),
    ("Khánh Hòa", "56"), ("Khánh Hoà", "56"), ("Thanh Hóa", "38"), ("Thanh Hoá", "38"), ("Hanoi", "01"),
    ("HÀ NỘI", "01"), ("Da Nang", "48"), ("Danang", "48"), ("Can Tho", "92"), ("Hai Phong", "31"),
    ("Haiphong", "31"), ("Bắc Cạn", "06"), ("Kontum", "62"), ("Tây Ninh", "72"), ("Gia Lai", "64"),
    ("Lâm Đồng", "68"), ("Tỉnh Thành phố Hà Nội", "01"),
]


@pytest.mark.parametrize(("name", "code"), BRIEF_EXAMPLES)
def test_examples_resolve_on_p63(name: str, code: str) -> None:
    res = REG.resolve(name, 2024)
    assert (res.status, res.code, res.boundary) == ("ok", code, "p63"), res.message


@pytest.mark.parametrize(
    ("name", "code"),
    [("Tây Ninh", "80"), ("Gia Lai", "52"), ("Lâm Đồng", "68"), ("Đắk Lắk", "66"), ("Đắc Lắk", "66"),
     ("Hà Nội", "01"), ("Huế", "46"), ("Thành phố Huế", "46"), ("Hue", "46"), ("TP.HCM", "79"),
     ("Khánh Hoà", "56"), ("Thanh Hoá", "38"), ("Cần Thơ", "92")],
)
def test_examples_resolve_on_p34(name: str, code: str) -> None:
    res = REG.resolve(name, 2025)
    assert (res.status, res.code, res.boundary) == ("ok", code, "p34"), res.message


def test_same_name_different_territory_resolves_by_year() -> None:
    assert REG.resolve("Tây Ninh", 2024).code == "72"
    assert REG.resolve("Tây Ninh", 2025).code == "80"
    assert REG.resolve("Gia Lai", 2024).code == "64"
    assert REG.resolve("Gia Lai", 2025).code == "52"
    assert REG.resolve("Long An", year=2025, boundary="p63").code == "80"  # explicit boundary wins


def test_long_an_in_2025_is_wrong_boundary_naming_tay_ninh() -> None:
    res = REG.resolve("Long An", 2025)
    assert res.status == "wrong_boundary"
    assert res.code is None and res.name_vi is None
    assert res.suggestions == ["Tây Ninh"]
    assert "Long An (80)" in res.message and "Tây Ninh (80)" in res.message and "2025" in res.message


@pytest.mark.parametrize("row", [r for r in _csv("merger_2025.csv")
                                 if r["old_name_vi"] not in {p.name_vi for p in P34}], ids=lambda r: r["old_code"])
def test_every_vanished_province_is_wrong_boundary_in_2025(row: dict[str, str]) -> None:
    res = REG.resolve(row["old_name_vi"], 2025)
    assert res.status == "wrong_boundary"
    assert res.suggestions == [row["new_name_vi"]]
    assert f"{row['new_name_vi']} ({row['new_code']})" in res.message


def test_wrong_boundary_from_p34_side() -> None:
    registry = ProvinceRegistry.load(REFERENCE)
    res = registry.resolve("Thừa Thiên Huế", boundary="p34")
    assert res.status == "wrong_boundary" and res.suggestions == ["Huế"]


def test_misspelled_diacritics_are_unknown_with_suggestion() -> None:
    res = REG.resolve("Hà Nọi", 2024)
    assert res.status == "unknown" and res.code is None
    assert res.suggestions[0] == "Hà Nội" and len(res.suggestions) == 3
    assert REG.resolve("Ha Noi", 2024).code == "01"  # no diacritics at all: ASCII match is fine


@pytest.mark.parametrize(("name", "year", "expected"), [
    ("Bình", 2024, {"Bình Định", "Bình Dương", "Bình Phước", "Bình Thuận", "Hòa Bình", "Ninh Bình", "Quảng Bình",
                    "Thái Bình"}),
    ("Đắk", 2024, {"Đắk Lắk", "Đắk Nông"}),
    ("Quảng", 2025, {"Quảng Ninh", "Quảng Trị", "Quảng Ngãi"}),
])
def test_partial_names_are_ambiguous(name: str, year: int, expected: set[str]) -> None:
    res = REG.resolve(name, year)
    assert res.status == "ambiguous" and res.code is None
    assert len(res.suggestions) == 3
    assert set(res.suggestions[: len(expected)]) <= expected  # partial matches come first
    for full in expected:
        assert full in res.message


def test_unique_partial_name_is_not_guessed() -> None:
    for name, year, best in [("Vũng Tàu", 2024, "Bà Rịa - Vũng Tàu"), ("Đắk", 2025, "Đắk Lắk")]:
        res = REG.resolve(name, year)
        assert res.status == "unknown" and res.suggestions[0] == best


def test_without_year_or_boundary() -> None:
    assert REG.resolve("Long An").boundary == "p63"
    res = REG.resolve("Tây Ninh")
    assert res.status == "ambiguous" and "p63/72" in res.message and "p34/80" in res.message
    assert REG.resolve("Hà Nội").status == "ambiguous"  # both boundaries: never guessed


@pytest.mark.parametrize("name", ["", "   ", "Tỉnh", "xyz", "Sài Gòn", "Hà Tây"])
def test_unknown_names(name: str) -> None:
    res = REG.resolve(name, 2024)
    assert res.status == "unknown" and res.code is None and not res.ok


def test_invalid_boundary_argument() -> None:
    with pytest.raises(ValueError, match="boundary"):
        REG.resolve("Hà Nội", boundary="P63")


def test_province_key() -> None:
    assert province_key("Thành phố Hồ Chí Minh") == "hochiminh"
    assert province_key("Bà Rịa–Vũng Tàu") == province_key("BA RIA - VUNG TAU") == "bariavungtau"
    assert province_key("Hoà Bình") == province_key("Hòa Bình") == "hoabinh"


def test_default_registry_and_module_functions() -> None:
    assert default_registry() is default_registry()
    assert resolve_province("Long An", 2024).code == "80"


def test_registry_rejects_aliases_to_unknown_provinces(tmp_path: Path) -> None:
    for name in ("provinces.csv", "merger_2025.csv"):
        (tmp_path / name).write_bytes((REFERENCE / name).read_bytes())
    (tmp_path / "province_aliases.csv").write_text("alias,boundary,code,kind\nFoo,p34,02,abbreviation\n",
                                                   encoding="utf-8")
    with pytest.raises(ValueError, match="Foo"):
        ProvinceRegistry.load(tmp_path)


seps = st.sampled_from([" ", "  ", " - ", "–", "—", "-", ". ", ", ", "_", ""])


@given(st.sampled_from(P63 + P34), seps, st.sampled_from(["NFC", "NFD"]),
       st.sampled_from([str, str.upper, str.lower, str.title]), st.booleans())
def test_spacing_case_and_normal_form_do_not_matter(
    province: Province, sep: str, form: str, case: object, use_ascii: bool
) -> None:
    name = _short(province.name_ascii if use_ascii else province.name_vi)
    if province.code == "79" and use_ascii:
        name = "Ho Chi Minh City"
    text = unicodedata.normalize(form, case(sep.join(name.replace(" - ", " ").split())))  # type: ignore[operator]
    res = REG.resolve(text, boundary=province.boundary)
    assert (res.status, res.code) == ("ok", province.code), (text, res.message)


# --- reference/province_aliases.csv --------------------------------------------

ALIASES = _csv("province_aliases.csv")
KINDS = {"official", "ascii", "abbreviation", "english", "old_tone_mark", "with_prefix", "short_name",
         "variant_spelling"}


def test_alias_file_is_sorted_unique_and_valid() -> None:
    assert list(ALIASES[0]) == ["alias", "boundary", "code", "kind"]
    keys = [(r["boundary"], r["code"], r["kind"], r["alias"]) for r in ALIASES]
    assert keys == sorted(keys)
    assert len({(r["alias"], r["boundary"], r["code"]) for r in ALIASES}) == len(ALIASES)
    assert {r["kind"] for r in ALIASES} == KINDS
    official = {(r["boundary"], r["code"], r["alias"]) for r in ALIASES if r["kind"] == "official"}
    assert official == {(p.boundary, p.code, p.name_vi) for p in P63 + P34}


@pytest.mark.parametrize("row", ALIASES, ids=lambda r: f"{r['boundary']}-{r['code']}-{r['alias']}")
def test_every_alias_resolves_to_its_province(row: dict[str, str]) -> None:
    res = REG.resolve(row["alias"], boundary=row["boundary"])
    assert (res.status, res.code) == ("ok", row["code"]), res.message


# --- reference/agencies.csv -----------------------------------------------------

AGENCIES = {r["agency_code"]: r for r in _csv("agencies.csv")}


def _date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def test_agencies_reference() -> None:
    rows = _csv("agencies.csv")
    assert list(rows[0]) == ["agency_code", "name_vi", "name_en", "kind", "valid_from", "valid_to", "successor_code",
                             "note"]
    assert [r["agency_code"] for r in rows] == sorted(AGENCIES)
    assert {"SKHCN", "SGDDT", "SCT", "SLDTBXH", "SNNPTNT", "SKHDT", "STC", "SNV", "SNNMT", "STTTT", "STNMT", "BQLKKT",
            "NHNN", "GSO", "VCCI", "UNDP-CECODES", "BNV", "BTTTT", "IPVN", "BKHCN"} <= set(AGENCIES)
    for row in rows:
        assert row["kind"] in {"provincial_department", "national_source"}
        assert row["name_vi"] and row["name_en"]
        start, end = _date(row["valid_from"]), _date(row["valid_to"])
        assert start is None or end is None or start <= end
        assert bool(row["successor_code"]) == (end is not None), row["agency_code"]
        if row["successor_code"]:
            successor = AGENCIES[row["successor_code"]]
            assert successor["valid_to"] == ""
            succ_start = _date(successor["valid_from"])
            assert succ_start is None or succ_start == end + timedelta(days=1)  # type: ignore[operator]


@pytest.mark.parametrize(("code", "successor"), [("SLDTBXH", "SNV"), ("SNNPTNT", "SNNMT"), ("STNMT", "SNNMT"),
                                                 ("SKHDT", "STC"), ("STTTT", "SKHCN"), ("BTTTT", "BKHCN"),
                                                 ("NHNN", "NHNNKV")])
def test_2025_reorganisation(code: str, successor: str) -> None:
    assert AGENCIES[code]["valid_to"] == "2025-02-28"
    assert AGENCIES[code]["successor_code"] == successor
    assert AGENCIES["SNNMT"]["valid_from"] == "2025-03-01"
    assert AGENCIES["SKHCN"]["name_vi"] == "Sở Khoa học và Công nghệ"
