"""What kind of bytes these are: channel from a file name, format from magic numbers, text or binary."""

from __future__ import annotations

import codecs
import io
import json
import re
import zipfile
from pathlib import PurePath

import charset_normalizer

from agents.state import Channel
from agents.text_patterns import HEADER_LINE

EMAIL_SUFFIXES = frozenset({".eml", ".mbox"})
PORTAL_SUFFIXES = frozenset({".json", ".jsonl"})
DOCUMENT_SUFFIXES = frozenset({".pdf", ".docx", ".txt"})
SUPPORTED_SUFFIXES = EMAIL_SUFFIXES | PORTAL_SUFFIXES | DOCUMENT_SUFFIXES

_ITEM_SUFFIX = re.compile(r"#\d+$")
_TEXT_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE, whose mark is its prefix
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# (magic prefix, description); checked in order on the first bytes of an input.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an OLE2 file (Outlook .msg, .doc or .xls)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
)

_KNOWN_EMAIL_HEADERS = frozenset(
    {
        b"from",
        b"to",
        b"cc",
        b"subject",
        b"date",
        b"message-id",
        b"mime-version",
        b"content-type",
        b"received",
        b"return-path",
        b"reply-to",
        b"delivered-to",
        b"x-mailer",
        b"dkim-signature",
        b"thread-topic",
    }
)


def suffix_of(source: str) -> str:
    """Lower-case extension of a source ("" when there is none, e.g. "stdin" or "api:n8n").

    An API delivery "api:<integration>/<webhook-id>/<file name>" has the extension of its file name only
    (integration names and webhook ids may hold dots)."""
    if source == "stdin":
        return ""
    if source.startswith("api:"):
        if "/" not in source:
            return ""
        source = source.rsplit("/", 1)[1]
    return PurePath(_ITEM_SUFFIX.sub("", source)).suffix.lower()


def channel_for_suffix(suffix: str) -> Channel | None:
    if suffix in EMAIL_SUFFIXES:
        return "email"
    if suffix in PORTAL_SUFFIXES:
        return "portal"
    if suffix in DOCUMENT_SUFFIXES:
        return "document"
    return None


def magic_kind(data: bytes) -> str | None:
    """A person-readable name of a known binary format, from its first bytes."""
    head = data[:16]
    for prefix, what in _MAGIC:
        if head.startswith(prefix):
            return what
    if b"%PDF-" in data[:1024]:  # PDF readers accept junk before the header
        return "a PDF document"
    return None


def is_pdf(data: bytes) -> bool:
    return b"%PDF-" in data[:1024]


def is_zip(data: bytes) -> bool:
    return data[:4] in (b"PK\x03\x04", b"PK\x05\x06")


def is_docx(data: bytes) -> bool:
    """A ZIP holding a WordprocessingML main part (what python-docx can open)."""
    if not is_zip(data):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return "word/document.xml" in zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return False


def looks_binary(data: bytes, *, sample: int = 8192, declared_text: bool = False) -> bool:
    """True for bytes that are not text in any common encoding.

    Looks at the first `sample` bytes: NULs or many control characters mean binary; UTF-16/32 with
    a byte-order mark is text if it decodes; bytes that are not UTF-8 are judged by
    charset_normalizer, which tells random bytes from text in a legacy charset. For bytes a sender
    declared as text (`declared_text`), a stray NUL is tolerated and only counts as a control character.
    """
    head = data[:sample]
    for bom, codec in _TEXT_BOMS:
        if head.startswith(bom):
            cut = len(head) - (len(head) - len(bom)) % (4 if "32" in codec else 2)
            replaced = head[:cut].decode(codec, errors="replace").count("\ufffd")
            return replaced > max(2, cut // 200)
    head = head.removeprefix(b"\xef\xbb\xbf")
    if not head:
        return False
    if b"\x00" in head and not declared_text:
        return True
    controls = sum(1 for b in head if b < 0x20 and b not in (0x09, 0x0A, 0x0C, 0x0D, 0x1B))
    if controls > len(head) * 0.05:
        return True
    try:
        head.decode("utf-8")
        return False
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:  # a character cut by the sample boundary
            return False
    return len(head) >= 32 and charset_normalizer.is_binary(head)


def looks_like_email(data: bytes) -> bool:
    """Starts with an mbox "From " line or with RFC 822 headers, one of them a common e-mail header."""
    head = data[:16384].lstrip(b"\r\n")
    if head.startswith(b"From ") and b"\n" in head:
        head = head.split(b"\n", 1)[1]
    known = 0
    for line in head.splitlines()[:50]:
        if not line.strip():
            break
        if line[:1] in (b" ", b"\t"):
            continue
        if not HEADER_LINE.match(line):
            return False
        if line.split(b":", 1)[0].lower() in _KNOWN_EMAIL_HEADERS:
            known += 1
    return known > 0


def looks_like_json(data: bytes) -> bool:
    """A JSON document, or JSON Lines whose first line is one ("[URGENT] truck ..." is text, not JSON)."""
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] not in (b"{", b"["):
        return False
    for candidate in (stripped, stripped.split(b"\n", 1)[0]):
        try:
            json.loads(candidate)
            return True
        except (ValueError, RecursionError):
            continue
    # Broken JSON is still meant as JSON when it opens like an object or an array of them.
    return bool(re.match(rb'[{\[]\s*["{\[\]}]', stripped))


def sniff_channel(data: bytes) -> Channel | None:
    """Channel of bytes with no file name (stdin, an extension-less file); None when unknown."""
    if is_pdf(data) or is_docx(data):
        return "document"
    if magic_kind(data) is not None or looks_binary(data):
        return None
    if looks_like_json(data):
        return "portal"
    if looks_like_email(data):
        return "email"
    return "document"  # plain text
