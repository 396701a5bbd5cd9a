"""Inputs built in code for the ingestion tests: e-mails, PDFs (fpdf2), DOCX (python-docx), zips."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage
from email.policy import SMTP

import docx
from fpdf import FPDF

from agents.state import Channel, InboundMessage
from tools.ingest import ParseOutcome, RawInput, parse_input

MAX = 10 * 1024 * 1024


def parse(source: str, data: bytes, hint: Channel | None = None, max_bytes: int = MAX) -> list[ParseOutcome]:
    return parse_input(RawInput(source=source, data=data, channel_hint=hint), max_bytes=max_bytes)


def parse_ok(source: str, data: bytes, hint: Channel | None = None) -> InboundMessage:
    outcomes = parse(source, data, hint)
    assert len(outcomes) == 1, outcomes
    outcome = outcomes[0]
    assert outcome.error is None, outcome.error
    assert outcome.message is not None
    return outcome.message


def parse_err(source: str, data: bytes, hint: Channel | None = None, max_bytes: int = MAX) -> tuple[str, str]:
    outcomes = parse(source, data, hint, max_bytes)
    assert len(outcomes) == 1, outcomes
    outcome = outcomes[0]
    assert outcome.message is None, outcome.message
    assert outcome.error is not None
    assert source in outcome.error.detail
    return outcome.error.code, outcome.error.detail


def email(
    body: str | None = "Truck 4471 broke down near Kalamazoo. BOL 8812-3390 will be one day late.",
    *,
    subject: str = "Breakdown - BOL 8812-3390",
    sender: str = "Luis Ortega <ops@carrier.example>",
    date: str = "Mon, 02 Mar 2026 10:14:00 +0100",
    msgid: str = "<a1@carrier.example>",
    html: str | None = None,
    charset: str = "utf-8",
    cte: str | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "exceptions@shipper.example"
    msg["Subject"] = subject
    msg["Date"] = date
    msg["Message-ID"] = msgid
    if body is not None:
        msg.set_content(body, charset=charset, cte=cte)
        if html is not None:
            msg.add_alternative(html, subtype="html")
    elif html is not None:
        msg.set_content(html, subtype="html", charset=charset, cte=cte)
    return msg


def as_bytes(msg: EmailMessage) -> bytes:
    return msg.as_bytes(policy=SMTP)


def raw_email(headers: dict[str, str], body: bytes) -> bytes:
    """Hand-written bytes, for what EmailMessage refuses to produce (wrong charsets, broken MIME)."""
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode("ascii")
    return head + b"\r\n" + body


BASE_HEADERS = {
    "From": "ops@carrier.example",
    "To": "exceptions@shipper.example",
    "Subject": "Delay",
    "Date": "Mon, 02 Mar 2026 09:14:00 +0000",
    "Message-ID": "<raw@carrier.example>",
    "MIME-Version": "1.0",
}


def text_email(body: bytes, content_type: str = "text/plain; charset=utf-8", cte: str = "8bit") -> bytes:
    return raw_email({**BASE_HEADERS, "Content-Type": content_type, "Content-Transfer-Encoding": cte}, body)


def pdf(*lines: str) -> bytes:
    doc = FPDF()
    doc.add_page()
    doc.set_font("helvetica", size=11)
    for line in lines:
        doc.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(doc.output())


def scanned_pdf() -> bytes:
    """A page with only a filled rectangle: what a scan without OCR looks like to a text extractor."""
    doc = FPDF()
    doc.add_page()
    doc.rect(20, 20, 120, 80, style="F")
    return bytes(doc.output())


def docx_bytes(paragraphs: list[str], table: list[list[str]] | None = None, after: list[str] | None = None) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    for text in after or []:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buffer.getvalue()
