"""Documents (channel `document`): PDF via pypdf, DOCX via python-docx, plain text via charset detection."""

from __future__ import annotations

import io
import logging
import zipfile

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph
from pypdf import PdfReader

from agents.state import InboundMessage
from tools.ingest import detect
from tools.ingest.charsets import decode_bytes
from tools.ingest.errors import BINARY, NO_TEXT, UNREADABLE, UNSUPPORTED_TYPE, IngestError
from tools.ingest.text import clean_text, first_line

log = logging.getLogger(__name__)

MAX_PDF_PAGES = 300  # beyond this, text extraction costs minutes; the first pages carry the story
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024  # a DOCX that inflates past this is refused (zip bomb)


def pdf_text(data: bytes, name: str) -> str:
    """Text of a PDF's text layer. Raises IngestError (unreadable, no_text) naming `name`."""
    if not detect.is_pdf(data):
        what = detect.magic_kind(data) or ("text" if not detect.looks_binary(data) else "unknown binary data")
        raise IngestError(UNREADABLE, f"{name} is not a PDF: it has no %PDF header and looks like {what}")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(UNREADABLE, f"{name} is an encrypted PDF; ask the sender for an unprotected copy")
        pages = reader.pages
        count = len(pages)
        texts = []
        for index in range(min(count, MAX_PDF_PAGES)):
            texts.append(pages[index].extract_text() or "")
    except IngestError:
        raise
    except Exception as exc:  # pypdf raises many types on damaged files; all mean "cannot read it"
        detail = f"{name} is a damaged PDF that pypdf cannot read ({type(exc).__name__}: {str(exc)[:200]})"
        raise IngestError(UNREADABLE, detail) from None
    if count > MAX_PDF_PAGES:
        log.warning("%s: only the first %d of %d pages were read", name, MAX_PDF_PAGES, count)
    text = clean_text("\n\n".join(t.strip("\n") for t in texts))
    if not text.strip():
        raise IngestError(
            NO_TEXT,
            f"{name} has no extractable text in {count} page(s): a scanned PDF without a text layer, or a damaged "
            "one; run OCR on it or ask the sender for a text PDF",
        )
    return text


def _check_zip(data: bytes, name: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            inflated = sum(info.file_size for info in zf.infolist())
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise IngestError(UNREADABLE, f"{name} is not a readable DOCX: the ZIP container is damaged ({exc})") from None
    if "word/document.xml" not in names:
        raise IngestError(UNREADABLE, f"{name} is a ZIP archive but not a Word document (no word/document.xml)")
    if inflated > MAX_UNZIPPED_BYTES:
        raise IngestError(UNREADABLE, f"{name} would unpack to {inflated:,} bytes; refused as a possible zip bomb")


def _table_lines(table: Table) -> list[str]:
    lines = []
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:  # a merged cell is returned once per grid column it spans
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            lines.append(" | ".join(cells))
    return lines


def docx_text(data: bytes, name: str) -> str:
    """Paragraphs and tables of a DOCX, in document order. Raises IngestError naming `name`."""
    if not detect.is_zip(data):
        what = detect.magic_kind(data) or ("text" if not detect.looks_binary(data) else "unknown binary data")
        raise IngestError(UNREADABLE, f"{name} is not a DOCX (a DOCX is a ZIP archive); it looks like {what}")
    _check_zip(data, name)
    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                lines.append(block.text)
            elif isinstance(block, Table):
                lines.extend(_table_lines(block))
    except Exception as exc:  # python-docx / lxml raise many types on damaged parts
        detail = f"{name} is a damaged DOCX that python-docx cannot read ({type(exc).__name__}: {str(exc)[:200]})"
        raise IngestError(UNREADABLE, detail) from None
    return clean_text("\n".join(lines))


def plain_text(data: bytes, name: str) -> str:
    if detect.looks_binary(data):
        what = detect.magic_kind(data) or "binary data"
        raise IngestError(BINARY, f"{name} is {what}, not text")
    return clean_text(decode_bytes(data))


def document_kind(data: bytes, source: str) -> str:
    """ "pdf", "docx" or "txt": the bytes' own format first, then the file extension."""
    suffix = detect.suffix_of(source)
    if detect.is_pdf(data):
        return "pdf"
    if detect.is_zip(data) and (suffix == ".docx" or detect.is_docx(data)):
        return "docx"
    if suffix in (".pdf", ".docx"):
        return suffix[1:]  # the named format; its parser reports what the bytes really are
    if suffix not in ("", ".txt"):
        raise IngestError(UNSUPPORTED_TYPE, f"{source}: documents must be .pdf, .docx or .txt, not {suffix}")
    return "txt"


def parse_document(data: bytes, source: str) -> InboundMessage:
    kind = document_kind(data, source)
    if kind == "pdf":
        text = pdf_text(data, source)
    elif kind == "docx":
        text = docx_text(data, source)
    else:
        text = plain_text(data, source)
    if not any(ch.isalnum() for ch in text):
        raise IngestError(NO_TEXT, f"{source} contains no text: no letters or digits in the {kind.upper()}")
    return InboundMessage(channel="document", source=source, subject=first_line(text), body=text)
