"""Decode text files of unknown encoding as supplied by provincial departments.

Files arrive as UTF-8 (with or without BOM), UTF-16 (Excel "Unicode text"
exports, usually with a BOM) or legacy Windows ANSI: Windows-1258 on
Vietnamese Windows, cp1252 on Western ones. Detection order:

1. BOM (UTF-8, UTF-32 LE/BE, UTF-16 LE/BE) -> that codec, strictly.
2. NUL bytes: UTF-16 without BOM if the NULs sit almost all on odd (LE) or
   even (BE) offsets; any other NUL means binary -> :class:`EncodingError`.
3. Strict UTF-8 (legacy bytes >= 0x80 almost never form valid UTF-8).
4. Windows-1258 if the bytes look Vietnamese (see :func:`_cp1258_score`).
5. cp1252.

Text is always returned NFC-normalised: Python's cp1258 codec yields
combining tone marks, and macOS tools write NFD, but downstream code compares
strings, which only works on one normal form. Legacy TCVN3/VNI font encodings
are not detected (they decode as cp1252 mojibake).
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

_BOMS = (  # UTF-32 before UTF-16: the UTF-32 LE BOM starts with the UTF-16 LE one
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
# Bytes that are Vietnamese letters in cp1258 but rare Latin-1 letters in
# cp1252: Ă ă Đ đ Ơ ơ Ư ư ₫ (cp1252: Ã ã Ð ð Õ õ Ý ý þ).
_VI_LETTER_BYTES = frozenset(b"\xc3\xe3\xd0\xf0\xd5\xf5\xdd\xfd\xfe")
# cp1258 combining tone marks: grave, acute, tilde, hook above, dot below.
_TONE_BYTES = frozenset(b"\xcc\xec\xde\xd2\xf2")
_TONE_CHARS = "\u0300\u0301\u0303\u0309\u0323"
# Vowel bytes in cp1258 that a tone mark may follow (ASCII vowels, â ê ô ă ơ ư
# and precomposed Latin-1 vowels).
_VOWEL_BYTES = frozenset(b"aeiouyAEIOUY\xc2\xca\xd4\xc3\xd5\xdd\xe2\xea\xf4\xe3\xf5\xfd")
# ASCII letters that may directly follow ă / ơ in Vietnamese spelling (final
# consonants, "ơi", "ươu"); any other letter there (Portuguese "São", "Ãgua",
# "Camões") is evidence against cp1258.
_ALLOWED_AFTER = {
    0xE3: frozenset(b"cmnptCMNPT"),
    0xC3: frozenset(b"cmnptCMNPT"),
    0xF5: frozenset(b"cimnptuCIMNPTU"),
    0xD5: frozenset(b"cimnptuCIMNPTU"),
}
_ASCII_LETTERS = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v\x1a")


class EncodingError(ValueError):
    """No supported encoding decodes the data sensibly."""


@dataclass(frozen=True)
class DecodedText:
    """Decoded NFC text; ``encoding`` is a Python codec name without BOM suffix."""

    text: str
    encoding: str
    had_bom: bool


def nfc(s: str) -> str:
    """Return ``s`` in Unicode normal form C."""
    return unicodedata.normalize("NFC", s)


def decode_bytes(data: bytes, *, filename: str = "") -> DecodedText:
    """Detect the encoding of ``data`` and decode it (see module docstring)."""
    where = f" in {filename!r}" if filename else ""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            text = _strict(data[len(bom):], codec, where, f"after a {codec} BOM")
            return _checked(DecodedText(nfc(text), codec, True), where)
    if b"\x00" in data:
        codec = _utf16_without_bom(data)
        if codec is None:
            raise EncodingError(f"binary data{where}: NUL bytes but not UTF-16 text")
        text = _strict(data, codec, where, "guessed from NUL byte positions")
        return _checked(DecodedText(nfc(text), codec, False), where)
    try:
        return _checked(DecodedText(nfc(data.decode("utf-8")), "utf-8", False), where)
    except UnicodeDecodeError:
        pass
    if _looks_cp1258(data):
        try:
            return _checked(DecodedText(nfc(data.decode("cp1258")), "cp1258", False), where)
        except UnicodeDecodeError:
            pass  # a byte undefined in cp1258 (Š, Ž, ...): not Vietnamese after all
    text = _strict(data, "cp1252", where, "no UTF-8/UTF-16/cp1258 decoding fits")
    return _checked(DecodedText(nfc(text), "cp1252", False), where)


def read_text_file(path: str | os.PathLike[str]) -> DecodedText:
    """Read ``path`` and decode it with :func:`decode_bytes`."""
    return decode_bytes(Path(path).read_bytes(), filename=str(path))


def encode_cp1258(text: str) -> bytes:
    """Encode Vietnamese text as Windows-1258 the way Windows does.

    Python's charmap codec has no precomposed "ộ"; Windows writes the base
    letter with its vowel mark (ô) followed by a combining tone mark.
    """
    out = bytearray()
    for ch in nfc(text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", ch)
        base = "".join(c for c in decomposed if c not in _TONE_CHARS)
        tones = "".join(c for c in decomposed if c in _TONE_CHARS)
        out += nfc(base).encode("cp1258") + tones.encode("cp1258")
    return bytes(out)


def _strict(data: bytes, codec: str, where: str, why: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise EncodingError(f"cannot decode{where} as {codec} ({why}): {exc}") from exc


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 LE/BE if NULs (high bytes of ASCII chars) sit on one parity."""
    if len(data) < 2 or len(data) % 2:
        return None
    pairs = len(data) // 2
    even, odd = data[0::2].count(0), data[1::2].count(0)
    if odd >= 0.25 * pairs and even <= 0.05 * pairs:
        return "utf-16-le"
    if even >= 0.25 * pairs and odd <= 0.05 * pairs:
        return "utf-16-be"
    return None


def _cp1258_score(data: bytes) -> tuple[int, int]:
    """Return (evidence for, evidence against) reading ``data`` as cp1258.

    For: a Vietnamese-only letter byte, or a tone-mark byte right after a
    vowel. Against: a tone-mark byte after a non-vowel (in cp1252 those bytes
    are letters such as Ì ì Ò ò Þ that can follow anything), or a letter after
    ă / ơ that Vietnamese spelling does not allow there.
    """
    good = bad = 0
    prev = 0x20
    for b in data:
        if b in _VI_LETTER_BYTES:
            good += 1
        if prev in _ALLOWED_AFTER and b in _ASCII_LETTERS and b not in _ALLOWED_AFTER[prev]:
            bad += 2
        if b in _TONE_BYTES:
            if prev in _VOWEL_BYTES:
                good += 1
            else:
                bad += 1
        prev = b
    return good, bad


def _looks_cp1258(data: bytes) -> bool:
    good, bad = _cp1258_score(data)
    return good >= 1 and good >= 3 * bad


def _checked(decoded: DecodedText, where: str) -> DecodedText:
    """Reject decodings that are mostly control characters (binary files)."""
    text = decoded.text
    # Count control characters with str.count per character (C speed: files have 10^7 characters).
    controls = sum(text.count(chr(i)) for i in range(32) if chr(i) not in _ALLOWED_CONTROLS)
    if "\x00" in text or controls > len(text) * 0.01:
        raise EncodingError(
            f"binary data{where}: control characters after decoding as {decoded.encoding}"
        )
    return decoded
