"""Header values read from raw text: RFC 2047 words, addresses, dates, Message-IDs.

The stdlib's `policy.default` header classes parse on access and are unsafe on hostile input
(measured: ~50 s for an 800 KB Subject of encoded words; IndexError on some malformed From
values; memory blow-up on a Content-Type with 100k parameters). So the e-mail parser keeps header
values as raw strings and this module decodes the few it needs, with length caps, using the
linear compat helpers of `email.header` and `email.utils`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import utils
from email.header import decode_header
from email.policy import EmailPolicy
from typing import Any

from tools.ingest.charsets import decode_bytes
from tools.ingest.text import clean_line

MAX_HEADER_CHARS = 4096  # longer values (RFC 5322 allows 998 per line) are cut before decoding
_LINESEP = re.compile(r"\r\n|\r|\n")
_SURROGATE = re.compile(r"[\udc80-\udcff]")


class RawHeaderPolicy(EmailPolicy):
    """`policy.default`, except header values come back as raw unfolded strings, capped in length.

    Everything else (the feed parser, multipart handling, transfer decoding, defects) is the
    default policy's. Content-Type parameters are still read by `Message.get_param`, which is
    quadratic in the header's length: the cap keeps it bounded.
    """

    def header_fetch_parse(self, name: str, value: Any) -> Any:
        if hasattr(value, "name"):
            return value
        text = "".join(_LINESEP.split(str(value)))
        return text[:MAX_HEADER_CHARS]


RAW_POLICY = RawHeaderPolicy()


def unescape_8bit(value: str) -> str:
    """A header read by BytesParser keeps raw 8-bit bytes as surrogates: decode them properly."""
    if not _SURROGATE.search(value):
        return value
    return decode_bytes(value.encode("ascii", "surrogateescape"))


def decode_words(value: str | None, limit: int | None = None) -> str | None:
    """RFC 2047 decoding ("=?utf-8?q?Versp=C3=A4tung?="), tolerant of wrong or unknown charsets."""
    if value is None:
        return None
    value = unescape_8bit(value[:MAX_HEADER_CHARS])
    try:
        chunks = decode_header(value)
    except Exception:  # malformed encoded words: keep them as written
        return clean_line(value, limit)
    parts = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            parts.append(chunk)
        elif charset is None:
            parts.append(chunk.decode("raw-unicode-escape", errors="replace"))
        else:
            parts.append(decode_bytes(chunk, charset))
    return clean_line("".join(parts), limit)


def sender_address(value: str | None) -> str | None:
    """The address of a From header ("ops@carrier.example"), or its text when it holds none."""
    if not value:
        return None
    raw = unescape_8bit(value[:MAX_HEADER_CHARS])
    try:
        pairs = utils.getaddresses([raw])
    except Exception:
        pairs = []
    for _name, addr in pairs:
        addr = clean_line(addr)
        if "@" in addr:
            return addr[:320]
    text = decode_words(raw, 320)
    return text or None


def parse_date(value: str | None) -> datetime | None:
    """RFC 5322 date as an aware UTC datetime; None when missing or unparseable."""
    if not value:
        return None
    try:
        when = utils.parsedate_to_datetime(clean_line(value, 200))
    except Exception:
        return None
    if when is None:
        return None
    if when.tzinfo is None:  # "-0000" or no zone: RFC 5322 says the zone is unknown; UTC is the best guess
        when = when.replace(tzinfo=UTC)
    try:
        return when.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def message_id(value: str | None) -> str | None:
    if not value:
        return None
    text = clean_line(unescape_8bit(value), 998)
    return text or None
