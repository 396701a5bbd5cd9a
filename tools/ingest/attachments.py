"""One e-mail attachment to an `Attachment`: text where we can read it, a note where we cannot.

A failing attachment never fails its message: the error becomes the attachment's `note`.
"""

from __future__ import annotations

import logging
import mimetypes

from agents.state import Attachment
from tools.ingest import detect
from tools.ingest.charsets import decode_bytes
from tools.ingest.documents import docx_text, pdf_text
from tools.ingest.errors import IngestError
from tools.ingest.html_text import html_to_text
from tools.ingest.text import clean_text

log = logging.getLogger(__name__)

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_ARCHIVE_TYPES = frozenset(
    {
        "application/zip",
        "application/x-zip-compressed",
        "application/x-7z-compressed",
        "application/x-rar",
        "application/x-rar-compressed",
        "application/vnd.rar",
        "application/gzip",
        "application/x-gzip",
        "application/x-tar",
        "application/x-bzip2",
        "application/x-xz",
    }
)
_ARCHIVE_SUFFIXES = (".zip", ".7z", ".rar", ".gz", ".tgz", ".tar", ".bz2", ".xz")
_SIGNATURE_TYPES = frozenset(
    {"application/pgp-signature", "application/pkcs7-signature", "application/x-pkcs7-signature"}
)


def effective_type(filename: str, content_type: str) -> str:
    """The declared type, or the one the file name implies when the sender said only octet-stream."""
    if content_type in ("application/octet-stream", "application/binary", "application/x-download", ""):
        guessed, _ = mimetypes.guess_type(filename)
        if guessed:
            return guessed
    return content_type


def is_signature_part(content_type: str) -> bool:
    return content_type in _SIGNATURE_TYPES


def extract_attachment(filename: str, content_type: str, data: bytes, charset: str | None = None) -> Attachment:
    ctype = effective_type(filename, content_type)
    lower = filename.lower()
    size = len(data)

    def listed(note: str, text: str | None = None) -> Attachment:
        return Attachment(filename=filename, content_type=ctype, size=size, text=text, note=note)

    if size == 0:
        return listed("empty attachment (0 bytes)")
    try:
        if ctype == "application/pdf" or lower.endswith(".pdf"):
            return Attachment(filename=filename, content_type=ctype, size=size, text=pdf_text(data, filename))
        if ctype == DOCX_TYPE or lower.endswith(".docx"):
            text = docx_text(data, filename)
            if not text.strip():
                return listed("Word document with no text")
            return Attachment(filename=filename, content_type=ctype, size=size, text=text)
    except IngestError as err:
        log.info("attachment %s not extracted: %s", filename, err.detail)
        return listed(err.detail)
    if ctype in _ARCHIVE_TYPES or lower.endswith(_ARCHIVE_SUFFIXES) or detect.is_zip(data):
        return listed("archive: listed, not opened")
    if ctype.startswith("text/"):
        if detect.looks_binary(data):
            return listed(f"declared {ctype} but holds {detect.magic_kind(data) or 'binary data'}; not extracted")
        text = decode_bytes(data, charset)
        if ctype == "text/html":
            text = html_to_text(text)
        text = clean_text(text)
        return Attachment(
            filename=filename,
            content_type=ctype,
            size=size,
            text=text or None,
            note=None if text else "text attachment with no text",
        )
    if ctype.startswith("image/"):
        return listed(f"image ({ctype}); no text extracted (no OCR)")
    what = detect.magic_kind(data)
    return listed(f"{ctype} is not a type we extract text from" + (f" ({what})" if what else ""))


def default_filename(content_type: str, index: int) -> str:
    ext = mimetypes.guess_extension(content_type) or ".bin"
    return f"part-{index}{ext}"
