"""E-mail (channel `email`): one RFC 822 message to an `InboundMessage`.

Structure comes from the stdlib parser (`email.policy.default` with raw header values, see
`headers.py`); bodies are decoded by us so a missing or wrong charset can be corrected; the text is
then split into newest message, older thread and signature (`thread.py`).
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field
from email import errors as email_errors
from email.generator import BytesGenerator
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from typing import Any

from agents.state import Attachment, InboundMessage
from tools.ingest import detect
from tools.ingest.attachments import default_filename, extract_attachment, is_signature_part
from tools.ingest.charsets import decode_bytes, normalise_charset
from tools.ingest.errors import BAD_MIME, BINARY, NO_TEXT, IngestError
from tools.ingest.headers import RAW_POLICY, decode_words, message_id, parse_date, sender_address, unescape_8bit
from tools.ingest.html_text import html_to_text
from tools.ingest.text import clean_line, clean_text
from tools.ingest.thread import is_note, join_signatures, split_thread

log = logging.getLogger(__name__)

MAX_DEPTH = 30  # nesting of multiparts and forwarded messages
MAX_PARTS = 500
SUBJECT_MAX = 998
_KNOWN_HEADERS = frozenset(
    {
        "from",
        "to",
        "cc",
        "subject",
        "date",
        "message-id",
        "mime-version",
        "content-type",
        "received",
        "return-path",
        "reply-to",
        "sender",
        "delivered-to",
    }
)
_BASE64_TEXT = re.compile(rb"[A-Za-z0-9+/=\s]*")
_BOUNDARY_DEFECTS: tuple[type[email_errors.MessageDefect], ...] = (
    email_errors.StartBoundaryNotFoundDefect,
    email_errors.NoBoundaryInMultipartDefect,
    email_errors.MultipartInvariantViolationDefect,
)


@dataclass
class _Forwarded:
    """A message/rfc822 part: an e-mail forwarded as an attachment."""

    sender: str | None
    subject: str | None
    date: str | None
    text: str

    def header_text(self) -> str:
        rows = [("From", self.sender), ("Date", self.date), ("Subject", self.subject)]
        return "\n".join(f"{k}: {v}" for k, v in rows if v)


@dataclass
class _Collected:
    texts: list[str] = field(default_factory=list)
    text_parts: int = 0
    binary_text_parts: int = 0  # text/plain or text/html parts that hold binary data
    attachments: list[Attachment] = field(default_factory=list)
    forwarded: list[_Forwarded] = field(default_factory=list)

    def merge(self, other: _Collected) -> None:
        self.texts += other.texts
        self.text_parts += other.text_parts
        self.binary_text_parts += other.binary_text_parts
        self.attachments += other.attachments
        self.forwarded += other.forwarded


def _header_end(data: bytes) -> int:
    found = [i for i in (data.find(b"\n\n"), data.find(b"\r\n\r\n"), data.find(b"\n\r\n")) if i >= 0]
    return min(found) if found else -1


def _header(msg: Message, name: str) -> str | None:
    try:
        value = msg.get(name)
    except Exception:
        return None
    return None if value is None else str(value)


def _filename(part: Message) -> str | None:
    try:
        raw = part.get_filename()
    except Exception:
        raw = None
    if not raw:
        return None
    name = decode_words(str(raw), 255) or ""
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()  # never a path from a sender
    return name or None


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        return b""
    return data if isinstance(data, bytes) else b""


def _text_payload(part: Message) -> bytes:
    """A text part's bytes; when it is labelled base64 but is not (plain text), the text as sent."""
    data = _payload(part)
    if str(part.get("content-transfer-encoding", "")).strip().lower() != "base64":
        return data
    # get_payload(decode=False) re-decodes 8-bit text with the declared charset, lossily; the
    # parser's own copy keeps the bytes as sent (surrogate-escaped).
    raw = getattr(part, "_payload", None)
    if not isinstance(raw, str):
        return data
    sent = raw.encode("utf-8", "surrogateescape")
    if detect.looks_binary(sent, declared_text=True):
        return data
    if _BASE64_TEXT.fullmatch(sent) and not detect.looks_binary(data, declared_text=True):
        return data
    log.debug("text part labelled base64 holds plain text; reading it as sent")
    return sent


def _charset(part: Message) -> str | None:
    try:
        value = part.get_param("charset")
    except Exception:
        return None
    if isinstance(value, tuple):  # RFC 2231 (charset, language, value)
        value = value[2]
    return unescape_8bit(str(value)) if value else None


def _part_text(payload: bytes, charset: str | None, ctype: str) -> str:
    text = decode_bytes(payload, charset)
    if ctype == "text/html":
        text = html_to_text(text)
    return clean_text(text)


class _Walker:
    def __init__(self, source: str) -> None:
        self.source = source
        self.parts = 0

    def _fail(self, path: str, ctype: str, what: str) -> IngestError:
        return IngestError(BAD_MIME, f"{self.source}: MIME part {path} ({ctype}) {what}")

    def _check(self, part: Message, path: str, ctype: str) -> None:
        for defect in part.defects:
            if isinstance(defect, email_errors.CloseBoundaryNotFoundDefect):
                raise self._fail(path, ctype, "ends without its closing boundary: the message looks truncated")
            if isinstance(defect, _BOUNDARY_DEFECTS):
                boundary = part.get_boundary()
                said = f"declares boundary {boundary!r} but" if boundary else "has no boundary parameter and"
                raise self._fail(path, ctype, f"{said} its parts cannot be found")

    def collect(self, part: Message, path: str, depth: int) -> _Collected:
        self.parts += 1
        ctype = clean_line(part.get_content_type(), 200)
        if depth > MAX_DEPTH:
            raise self._fail(path, ctype, f"is nested more than {MAX_DEPTH} levels deep")
        if self.parts > MAX_PARTS:
            raise IngestError(BAD_MIME, f"{self.source}: more than {MAX_PARTS} MIME parts; refused as malformed")
        self._check(part, path, ctype)
        out = _Collected()
        # Only a multipart's payload is read undecoded: for a leaf, get_payload() re-decodes with the
        # declared charset and raises on 8-bit garbage in the charset parameter.
        payload = part.get_payload() if part.is_multipart() else None
        if ctype in ("message/rfc822", "message/global") and isinstance(payload, list):
            self._forwarded(part, payload, path, depth, out)
        elif ctype == "message/delivery-status" and isinstance(payload, list):
            rows = [f"{k}: {v}" for block in payload if isinstance(block, Message) for k, v in block.items()]
            text = clean_text("\n".join(rows))
            out.attachments.append(
                Attachment(
                    filename="delivery-status.txt",
                    content_type=ctype,
                    size=len(text),
                    text=text or None,
                    note=None if text else "empty delivery status",
                )
            )
        elif part.is_multipart() and isinstance(payload, list):
            children = [c for c in payload if isinstance(c, Message)]
            if ctype == "multipart/alternative":
                out.merge(self._alternative(children, path, depth))
            elif ctype == "multipart/signed" and children:
                out.merge(self.collect(children[0], f"{path}.1", depth + 1))
            else:
                for n, child in enumerate(children, 1):
                    out.merge(self.collect(child, f"{path}.{n}", depth + 1))
        else:
            self._leaf(part, ctype, self.parts, out)
        return out

    def _alternative(self, children: list[Message], path: str, depth: int) -> _Collected:
        options = [(c.get_content_type(), self.collect(c, f"{path}.{n}", depth + 1)) for n, c in enumerate(children, 1)]
        filled = [(t, c) for t, c in options if any(x.strip() for x in c.texts)]
        if not filled:
            return options[-1][1] if options else _Collected()
        plain = [c for t, c in filled if t == "text/plain"]
        return plain[0] if plain else filled[-1][1]  # RFC 2046: the last alternative is the richest

    def _leaf(self, part: Message, ctype: str, index: int, out: _Collected) -> None:
        disposition = part.get_content_disposition()
        filename = _filename(part)
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
            payload, charset = _text_payload(part), _charset(part)
            wide = (normalise_charset(charset) or "").startswith(("utf_16", "utf_32"))  # NULs are expected there
            if wide or not detect.looks_binary(payload, declared_text=True):
                out.texts.append(_part_text(payload, charset, ctype))
                out.text_parts += 1
                return
            name = default_filename(ctype, index)
            what = detect.magic_kind(payload) or "binary data"
            note = f"declared {ctype} but holds {what}; not read as text"
            out.attachments.append(Attachment(filename=name, content_type=ctype, size=len(payload), note=note))
            out.binary_text_parts += 1
            return
        if is_signature_part(ctype):
            return
        name = filename or default_filename(ctype, index)
        out.attachments.append(extract_attachment(name, ctype, _payload(part), _charset(part)))

    def _forwarded(self, part: Message, payload: list[Any], path: str, depth: int, out: _Collected) -> None:
        inner = next((m for m in payload if isinstance(m, Message)), None)
        if inner is None:
            out.attachments.append(
                Attachment(
                    filename="forwarded.eml",
                    content_type="message/rfc822",
                    size=0,
                    note="forwarded e-mail part with no message in it",
                )
            )
            return
        sub = self.collect(inner, f"{path}.1", depth + 1)
        subject = decode_words(_header(inner, "subject"), SUBJECT_MAX)
        forwarded = _Forwarded(
            sender=sender_address(_header(inner, "from")),
            subject=subject,
            date=clean_line(_header(inner, "date") or "", 200) or None,
            text=clean_text("\n\n".join(t for t in sub.texts if t.strip())),
        )
        out.forwarded.append(forwarded)
        out.forwarded += sub.forwarded
        out.attachments.append(
            Attachment(
                filename=(_filename(part) or f"{(subject or 'forwarded')[:80]}.eml"),
                content_type="message/rfc822",
                size=_size(inner),
                note="forwarded e-mail: its text is in the thread (or the body, when forwarded without comment)",
            )
        )
        out.attachments += sub.attachments


def _size(msg: Message) -> int:
    buffer = io.BytesIO()
    try:
        BytesGenerator(buffer, policy=compat32.clone(max_line_length=0)).flatten(msg)
    except Exception:
        return 0
    return buffer.tell()


def _parse_structure(data: bytes, source: str) -> Message:
    end = _header_end(data)
    head = data[: end if end >= 0 else 8192][:8192]
    if detect.looks_binary(head):
        what = detect.magic_kind(data) or "binary data"
        raise IngestError(BINARY, f"{source} is {what}, not an e-mail (no RFC 822 headers)")
    try:
        msg = BytesParser(policy=RAW_POLICY).parsebytes(data)
    except RecursionError:
        raise IngestError(BAD_MIME, f"{source}: MIME structure nested too deeply to parse") from None
    names = {k.lower() for k in msg}
    if not names & _KNOWN_HEADERS:
        raise IngestError(
            BAD_MIME, f"{source} is not an e-mail: it does not start with RFC 822 headers (From:, Subject:, Date: ...)"
        )
    missing_separator = any(isinstance(d, email_errors.MissingHeaderBodySeparatorDefect) for d in msg.defects)
    # Headers alone are a valid message when they end with a line break; headers that stop in the
    # middle of a line, or announce multipart content that never comes, were cut off.
    cut = not data.endswith((b"\n", b"\r")) or msg.get_content_maintype() == "multipart"
    if end < 0 and not missing_separator and cut:
        raise IngestError(
            BAD_MIME,
            f"{source}: the header block never ends (no blank line, no body, last line cut off); "
            "the message is truncated",
        )
    return msg


def parse_email(data: bytes, source: str) -> InboundMessage:
    """One e-mail as an InboundMessage. Raises IngestError for input that cannot be one."""
    msg = _parse_structure(data, source)
    walker = _Walker(source)
    try:
        collected = walker.collect(msg, "1", 0)
    except RecursionError:
        raise IngestError(BAD_MIME, f"{source}: MIME structure nested too deeply to read") from None

    subject = decode_words(_header(msg, "subject"), SUBJECT_MAX) or None
    readable_attachment = any(a.text for a in collected.attachments)
    if collected.text_parts == 0 and not collected.forwarded and not readable_attachment:
        if collected.binary_text_parts:
            raise IngestError(
                BAD_MIME, f"{source}: no parseable body: its text part holds binary data, and nothing else is readable"
            )
        kinds = ", ".join(sorted({a.content_type for a in collected.attachments})) or "none"
        raise IngestError(
            BAD_MIME,
            f"{source}: no parseable body: no text/plain or text/html part, no forwarded message and no readable "
            f"attachment (parts found: {kinds})",
        )

    text = clean_text("\n\n".join(t for t in collected.texts if t.strip()))
    parts = split_thread(text, subject=subject)
    structured: dict[str, str] = {}
    body, thread, signature, note = parts.body, parts.thread, parts.signature, parts.forward_note
    forwarded_headers = dict(parts.forwarded_headers)
    rfc822 = [f for f in collected.forwarded if f.text.strip()]
    if rfc822:
        first, rest = rfc822[0], rfc822[1:]
        if not body.strip() or is_note(body):
            inner = split_thread(first.text, subject=first.subject)
            note = body.strip() or None
            body = inner.body
            signature = join_signatures(signature, inner.signature)
            thread = inner.thread + thread
            forwarded_headers = {"from": first.sender or "", "date": first.date or "", "subject": first.subject or ""}
        else:
            thread = [*thread, f"{first.header_text()}\n\n{first.text}".strip()]
        thread += [f"{f.header_text()}\n\n{f.text}".strip() for f in rest]
    if note:
        structured["forward_note"] = note
    for key in ("from", "date", "subject"):
        if forwarded_headers.get(key):
            structured[f"forwarded_{key}"] = clean_line(forwarded_headers[key], 998)

    if not (body.strip() or subject or any(t.strip() for t in thread) or readable_attachment):
        raise IngestError(NO_TEXT, f"{source}: the e-mail has no subject, no body text and no readable attachment")

    received_at = parse_date(_header(msg, "date"))
    if received_at is None:
        received = msg.get_all("received") or []
        if received:
            received_at = parse_date(str(received[0]).rsplit(";", 1)[-1])

    return InboundMessage(
        channel="email",
        source=source,
        message_id=message_id(_header(msg, "message-id")),
        sender=sender_address(_header(msg, "from")),
        subject=subject,
        body=body,
        thread=thread,
        signature=signature,
        attachments=collected.attachments,
        received_at=received_at,
        structured=structured,
    )
