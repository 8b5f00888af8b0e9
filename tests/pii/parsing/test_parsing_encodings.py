"""Tests for pii.parsing.encodings."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pii.parsing.encodings import (
    DecodedText,
    EncodingError,
    decode_bytes,
    encode_cp1258,
    nfc,
    read_text_file,
)

REFERENCE = Path(__file__).resolve().parents[3] / "reference"
with (REFERENCE / "provinces.csv").open(encoding="utf-8") as _fh:
    NAMES = sorted({row["name_vi"] for row in csv.DictReader(_fh)})
WORDS = ["Sở", "Khoa học", "và", "Công nghệ", "Người", "dân", "Đường", "phố", "năm", "tỷ đồng", "12,5", "%"]
SAMPLE = "Tỉnh,Chỉ số\nHà Nội,12,5\nĐắk Lắk,7\nThừa Thiên Huế,3\nBà Rịa - Vũng Tàu,1\n"

vietnamese_text = st.lists(st.sampled_from(NAMES + WORDS), min_size=1, max_size=12).flatmap(
    lambda parts: st.sampled_from([", ", "\n", ";", " "]).map(lambda sep: sep.join(parts))
)


@pytest.mark.parametrize(
    ("codec", "encoding", "had_bom"),
    [
        ("utf-8", "utf-8", False),
        ("utf-8-sig", "utf-8", True),
        ("utf-16", "utf-16-le", True),  # Python writes a little-endian BOM
        ("utf-16-le", "utf-16-le", False),
        ("utf-16-be", "utf-16-be", False),
        ("utf-32", "utf-32-le", True),
    ],
)
def test_unicode_encodings_detected(codec: str, encoding: str, had_bom: bool) -> None:
    decoded = decode_bytes(SAMPLE.encode(codec))
    assert decoded == DecodedText(SAMPLE, encoding, had_bom)


def test_utf16_be_with_bom() -> None:
    assert decode_bytes(b"\xfe\xff" + SAMPLE.encode("utf-16-be")) == DecodedText(SAMPLE, "utf-16-be", True)


def test_cp1258_detected_and_normalised_to_nfc() -> None:
    decoded = decode_bytes(encode_cp1258(SAMPLE))
    assert decoded == DecodedText(SAMPLE, "cp1258", False)
    assert unicodedata.is_normalized("NFC", decoded.text)


def test_cp1258_with_combining_tone_bytes() -> None:
    # "Hà Nội" written the Windows way: a + grave byte, ô + dot-below byte.
    assert decode_bytes(b"Ha\xcc N\xf4\xf2i").text == "Hà Nội"
    assert decode_bytes(b"\xd0\xe0 N\xe3\xdeng").text == "Đà Nẵng"


def test_encode_cp1258_uses_precomposed_base_and_tone_byte() -> None:
    assert encode_cp1258("ộ") == b"\xf4\xf2"
    assert encode_cp1258("Đường") == b"\xd0\xfd\xf5\xccng"
    with pytest.raises(UnicodeEncodeError):
        encode_cp1258("中")


@pytest.mark.parametrize("text", ["Café – “quoted” €5 naïve", "São Paulo, Camões", "Ãgua"])
def test_cp1252_fallback_for_western_text(text: str) -> None:
    decoded = decode_bytes(text.encode("cp1252"))
    assert decoded == DecodedText(text, "cp1252", False)


def test_pure_ascii_is_utf8() -> None:
    assert decode_bytes(b"Long An,80\n") == DecodedText("Long An,80\n", "utf-8", False)


def test_empty_input() -> None:
    assert decode_bytes(b"") == DecodedText("", "utf-8", False)


def test_nfd_utf8_is_normalised() -> None:
    nfd = unicodedata.normalize("NFD", SAMPLE)
    assert nfd != SAMPLE
    assert decode_bytes(nfd.encode("utf-8")).text == SAMPLE


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 4,  # NULs in no UTF-16 pattern
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",  # zip / xlsx header
        b"\x01\x02\x03\x04\x05\x06\x07\x08abc",  # valid UTF-8 but control characters
    ],
)
def test_binary_data_raises_naming_the_file(data: bytes) -> None:
    with pytest.raises(EncodingError, match=r"report\.csv"):
        decode_bytes(data, filename="report.csv")


def test_invalid_bytes_after_bom_raise() -> None:
    with pytest.raises(EncodingError, match="utf-8"):
        decode_bytes(b"\xef\xbb\xbf\xff\xfe bad", filename="x.csv")
    with pytest.raises(EncodingError, match="utf-16-le"):
        decode_bytes(b"\xff\xfeA\x00B", filename="x.csv")  # odd length


def test_undecodable_single_byte_raises() -> None:
    # 0x81 / 0x8d are undefined in both cp1258 and cp1252 and invalid UTF-8.
    with pytest.raises(EncodingError, match="cp1252"):
        decode_bytes(b"abc \x81\x8d def", filename="x.txt")


def test_read_text_file(tmp_path: Path) -> None:
    path = tmp_path / "du_lieu.csv"
    path.write_bytes(SAMPLE.encode("utf-16"))
    assert read_text_file(path) == DecodedText(SAMPLE, "utf-16-le", True)
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"\x00\x01\x02\x03\x00\x00\x07")
    with pytest.raises(EncodingError, match=r"bad\.bin"):
        read_text_file(bad)


def test_nfc_helper() -> None:
    assert nfc("Ho\u0300a") == "Hòa"
    assert nfc("Hoa\u0300") == "Hoà"  # NFC keeps the tone on the letter it was typed on
    assert nfc("Hòa") != nfc("Hoà")


@given(vietnamese_text, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1258"]))
def test_vietnamese_text_round_trips(text: str, codec: str) -> None:
    data = encode_cp1258(text) if codec == "cp1258" else text.encode(codec)
    decoded = decode_bytes(data)
    assert decoded.text == nfc(text)
    assert decoded.had_bom == (codec in ("utf-8-sig", "utf-16"))


@given(vietnamese_text, st.sampled_from(["NFC", "NFD"]))
def test_any_normal_form_decodes_to_nfc(text: str, form: str) -> None:
    decoded = decode_bytes(unicodedata.normalize(form, text).encode("utf-8"))
    assert decoded.text == nfc(text)
    assert unicodedata.is_normalized("NFC", decoded.text)


@given(vietnamese_text)
def test_cp1258_chosen_whenever_it_differs_from_cp1252(text: str) -> None:
    data = encode_cp1258(text)
    decoded = decode_bytes(data)
    try:
        differs = data.decode("cp1252") != nfc(text)
    except UnicodeDecodeError:
        differs = True
    if differs:
        assert decoded.encoding == "cp1258"
    assert decoded.text == nfc(text)
