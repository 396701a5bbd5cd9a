"""Bytes to text when the declared charset is missing, unknown or wrong."""

from __future__ import annotations

import codecs
import logging
import re

import charset_normalizer
from charset_normalizer.md import mess_ratio

log = logging.getLogger(__name__)

# Above this share of "mess" (mojibake, odd symbol mixes) a decoding is judged wrong.
_MAX_MESS = 0.15
# WHATWG: labels that mean windows-1252 in practice (mailers declare latin-1/ascii and send cp1252).
_AS_CP1252 = frozenset({"latin_1", "iso8859_1", "ascii", "cp1252"})
_UTF8 = "utf_8"
_DETECT_LIMIT = 256 * 1024  # bytes given to charset_normalizer; enough to judge, bounded in time
_STRAY = re.compile("[\udc80-\udcff]+")  # bytes that surrogateescape kept: not valid UTF-8
_BOMS = (
    (codecs.BOM_UTF8, "utf_8_sig"),
    (codecs.BOM_UTF32_LE, "utf_32"),  # before UTF-16 LE, whose mark is its prefix
    (codecs.BOM_UTF16_LE, "utf_16"),
    (codecs.BOM_UTF16_BE, "utf_16"),
)


def normalise_charset(label: str | None) -> str | None:
    """Python codec name for a MIME charset label, or None when missing or unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    aliases = {"utf8": "utf-8", "unicode-1-1-utf-8": "utf-8", "x-unknown": "", "unknown-8bit": ""}
    label = aliases.get(label, label)
    if not label:
        return None
    try:
        return codecs.lookup(label).name.replace("-", "_")
    except (LookupError, ValueError):
        return None


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError, ValueError):
        return None


def _utf8_with_stray_bytes(data: bytes) -> str | None:
    """UTF-8 text with a few invalid bytes (a flipped byte, inserted garbage), or None when it is not UTF-8.

    Decoding such a message as cp1252 because of one bad byte turns every correct "á" into "Ã¡", so
    greetings and names stop reading as text and redaction loses its context. When the bytes hold at least
    one valid multi-byte UTF-8 sequence they are taken as UTF-8, and only the invalid bytes are read as
    cp1252 (latin-1 where cp1252 leaves a byte undefined). cp1252 text declared as UTF-8 has no valid
    sequence and keeps the existing path.
    """
    text = data.decode(_UTF8, errors="surrogateescape")
    if not any(ord(c) > 0x7F and not 0xDC80 <= ord(c) <= 0xDCFF for c in text):
        return None
    return _STRAY.sub(_stray_as_cp1252, text)


def _stray_as_cp1252(match: re.Match[str]) -> str:
    out = []
    for c in match.group():
        byte = bytes([ord(c) - 0xDC00])
        out.append(_strict(byte, "cp1252") or byte.decode("latin_1"))
    return "".join(out)


def _looks_right(text: str) -> bool:
    if text.isascii():
        return True
    return mess_ratio(text[:_DETECT_LIMIT], _MAX_MESS) < _MAX_MESS


def _guess(data: bytes) -> str:
    """Decode bytes whose charset is unknown: UTF-8, then Western (cp1252), then charset_normalizer."""
    text = _strict(data, _UTF8) or _utf8_with_stray_bytes(data)
    if text is not None:
        return text
    # charset_normalizer often picks cp1250/cp775 for short Western text ("seńor"); cp1252 read
    # without mess is the likelier truth for this product's senders. Cyrillic, Greek or CJK bytes
    # read as cp1252 give mojibake, fail the mess test, and fall through to the detector.
    text = _strict(data, "cp1252")
    if text is not None and _looks_right(text):
        return text
    best = charset_normalizer.from_bytes(data[:_DETECT_LIMIT]).best()
    if best is not None:
        codec = normalise_charset(best.encoding)
        if codec:
            decoded = _strict(data, codec)
            if decoded is not None:
                return decoded
            return data.decode(codec, errors="replace")
    return data.decode("cp1252" if text is not None else "latin-1", errors="replace")


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Text of `data`, trusting the declared charset only when the result reads right.

    Handles a missing label, an unknown label, a label that is wrong (UTF-8 sent as latin-1,
    cp1252 sent as UTF-8), byte-order marks, and cp1252 declared as ISO-8859-1 or ASCII.
    """
    if not data:
        return ""
    for bom, bom_codec in _BOMS:
        if data.startswith(bom):
            text = _strict(data, bom_codec)
            if text is not None:
                return text
            lenient = data.decode(bom_codec, errors="replace").rstrip("\ufffd")  # e.g. a stray final "\n" after UTF-16
            if lenient.count("\ufffd") <= max(2, len(lenient) // 100):
                return lenient
    if data.isascii():
        return data.decode("ascii")
    codec = normalise_charset(declared)
    if codec in _AS_CP1252:
        codec = "cp1252"
    if codec:
        text = _strict(data, codec)
        if text is not None:
            if codec == _UTF8:
                return text
            utf8 = _strict(data, _UTF8)
            if utf8 is not None:  # non-ASCII bytes that form valid UTF-8 are almost never anything else
                log.debug("declared charset %s is wrong: the bytes are UTF-8", declared)
                return utf8
            if _looks_right(text):
                return text
        if codec == _UTF8:
            mostly = _utf8_with_stray_bytes(data)
            if mostly is not None:
                return mostly
        if codec == "cp1252":  # the 5 bytes cp1252 leaves undefined: read as latin-1 if it reads right
            latin = data.decode("latin_1")
            if _looks_right(latin):
                return latin
        log.debug("declared charset %s does not fit the bytes; detecting", declared)
    return _guess(data)
