"""A short summary for a busy reader, built from redacted facts only (no PII can enter it).

At most three sentences, in English whatever the message's language: what happened in plain words to
which shipment (and order), what the sender says about it (the body sentence that carries the evidence,
quoted as written, in the original language; never the subject line, never a redaction placeholder),
and the new ETA as YYYY-MM-DD (agents/eta.py) or the next step. Built from the classified reason, the
references with their spans, the dates, and the evidence span.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from agents.eta import pick_new_eta
from agents.state import Classification, ErpContext, ReasonCode, RedactedMessage, Reference
from agents.text_patterns import PLACEHOLDER, SENTENCE_BOUNDARY

_SHIPMENT_KINDS = ("tracking", "container", "bol", "awb", "pro", "transfer", "booking")
_ORDER_KINDS = ("sale_order", "po")
# An identifier the reference patterns did not type (a carrier's own load, consignment or parcel number),
# never a date, an amount or a milestone: a container (or a parcel so written) with spaces, a document
# number (2026/EXP/0412), a postal item, a carrier barcode of capitals and digits, letter groups joined
# to a number by hyphens, letters then digits, digit groups joined by spaces, dots, a hyphen or a
# slash, or a long number.
_BARE_ID = re.compile(
    r"(?<![\w<>/.:#-])(?!\d{4}-\d{2}-\d{2})(?!(?:EUR|USD|GBP|CHF|BRL|MXN|ETA|ETD|KG|PCS)\b)"
    r"(?:(?:[A-Z]{4}|\d{2}[A-Z]{2}) ?\d{6} ?\d|\d{2,4}/[A-Z]{2,5}/\d{3,}"
    r"|[A-Z]{2}\d{9}[A-Z]{2}"
    r"|(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{10,}"
    r"|(?:[A-Z]{1,5}-)+\d{3,}(?:-[A-Z0-9]{1,4})?"
    r"|[A-Z]{2,5}[ -]?\d[\d-]{3,}\d|[A-Z]{2,5} \d{4}/\d{3,}"
    r"|\d{4,5}(?: \d{2,4}){2,}|\d{3}(?:\.\d{3}){2,}"
    r"|\d{2,}[-/]\d{3,}|\d{3,}-[A-Z]\b|\d{7,})(?![\w>/-])"
)
_MAX_EVIDENCE = 180

# What happened, in plain words, and the usual next step when the message gives no new date.
_PLAIN: dict[str, tuple[str, str]] = {
    "weather": ("is delayed by bad weather", "confirm the new delivery date with the carrier"),
    "equipment_failure": ("is delayed by a vehicle or equipment breakdown", "confirm the recovery plan and new date"),
    "customs_hold": ("is held at customs", "provide the documents or duties customs asks for"),
    "address_issue": ("cannot be delivered: the address is wrong or incomplete", "confirm the correct address"),
    "recipient_unavailable": ("could not be delivered: nobody was there to receive it", "arrange a new delivery"),
    "delivery_refused": ("was refused at delivery", "decide between redelivery and return"),
    "damaged": ("arrived or was found damaged", "confirm the extent of the damage and the replacement or credit"),
    "lost": ("is missing or lost", "start the search and plan a replacement"),
    "capacity_delay": ("is delayed: the carrier has no capacity", "confirm the new pick-up and delivery date"),
    "external_disruption": ("is delayed by a disruption (strike, closure or outage)", "confirm a new route or date"),
    "customer_request": ("has a change requested by the customer", "confirm the change to the customer"),
    "no_exception": ("has a routine status update, no exception", "none"),
}


def write_summary(
    message: RedactedMessage,
    references: Sequence[Reference],
    result: Classification,
    erp: ErpContext,
    reason_label: Callable[[ReasonCode], str],
) -> str:
    """At most three sentences: what happened to which shipment, the impact, and the new ETA if known."""
    shipment = primary_reference(references, erp, message)
    subject = (message.subject or "").strip()
    if result.reason is None:
        first = f"{_cap(shipment or 'A shipment')} has an exception that needs a person to classify it"
        next_step = "classify the exception"
    else:
        plain, next_step = _PLAIN.get(result.reason, (f"has an exception: {reason_label(result.reason)}", ""))
        first = f"{_cap(shipment or 'A shipment')} {plain}"
    others = _other_references(references, shipment, erp)
    if others:
        first += f" ({', '.join(others)})"
    sentences = [first + "."]
    evidence = _evidence(message, result.evidence, subject)
    if evidence:
        sentences.append(f"The sender says: \u201c{evidence}\u201d")
    eta = new_eta(message, references)
    requested = requested_date(message) if not eta and result.reason == "customer_request" else None
    if eta:
        sentences.append(f"New ETA: {eta}.")
    elif requested:
        sentences.append(f"Requested delivery date: {requested}; next step: {next_step}.")
    elif next_step and next_step != "none":
        sentences.append(f"No new ETA given; next step: {next_step}.")
    return " ".join(sentences[:3])


def primary_reference(
    references: Sequence[Reference], erp: ErpContext, message: RedactedMessage | None = None
) -> str | None:
    """The shipment the case is about, as "kind value": the first reference of the most specific kind,
    else the ERP transfer, else the first untyped identifier of the subject or body, else the order."""
    for kind in _SHIPMENT_KINDS:
        for ref in references:
            if ref.kind == kind:
                return _labelled(kind, ref.value)
    if erp.picking and erp.picking.get("name"):
        return f"transfer {erp.picking['name']}"
    orders = {r.value for r in references if r.kind in _ORDER_KINDS}
    if message is not None:
        for text in (message.subject or "", message.body):
            for m in _BARE_ID.finditer(text):
                if m.group(0) not in orders and not any(m.group(0) in o for o in orders):
                    return f"shipment {m.group(0)}"
    for kind in _ORDER_KINDS:
        for ref in references:
            if ref.kind == kind:
                return _labelled(kind, ref.value)
    return None


def new_eta(message: RedactedMessage, references: Sequence[Reference] = ()) -> str | None:
    """The new delivery date the message announces, as YYYY-MM-DD when the message and the day it
    arrived say which day (agents/eta.py), else as written. The body first, then the message it
    answers or forwards (a short note over a carrier notice)."""
    if message.structured.get("eta"):
        return message.structured["eta"]
    for text in (message.body, *message.thread[:1]):
        found = _delivery_date(message, text, asked=False)
        if found is not None:
            return found
    return None


def requested_date(message: RedactedMessage) -> str | None:
    """The delivery date a customer asks for ("could you deliver on Thursday the 19th?"), as
    YYYY-MM-DD when known: the date a request names, which is not yet anybody's ETA."""
    return _delivery_date(message, message.body, asked=True)


def _delivery_date(message: RedactedMessage, text: str, *, asked: bool) -> str | None:
    """`pick_new_eta` on one of the message's texts, read against the day it arrived, as a string."""
    received = message.received_at.date() if message.received_at else None
    found = pick_new_eta(text, received, day_first=message.language != "en", asked=asked)
    if found is None:
        return None
    return found.value.isoformat() if found.value else found.text.rstrip(".")


def _other_references(references: Sequence[Reference], shipment: str | None, erp: ErpContext) -> list[str]:
    """Up to two more references (another shipment number, the order), each once."""
    seen = {shipment} if shipment else set()
    out: list[str] = []
    for kind in (*_ORDER_KINDS, *_SHIPMENT_KINDS, "customs_entry"):
        for ref in references:
            label = _labelled(kind, ref.value)
            if ref.kind == kind and label not in seen and not (shipment and ref.value in shipment):
                seen.add(label)
                out.append(label)
    if not any(k in " ".join(out) for k in ("order", "PO")) and erp.order and erp.order.get("name"):
        out.insert(0, f"order {erp.order['name']}")
    return out[:2]


def _evidence(message: RedactedMessage, evidence: str, subject: str) -> str:
    """The body sentence that carries the evidence, quoted as written (in the message's language);
    never the subject. Of a sentence with a placeholder only the fragments around it are quoted."""
    sentences = [s for s in _fragments(message.body) if not _same(s, subject)]
    pieces = sorted(_fragments(evidence), key=len, reverse=True)
    needle = " ".join(pieces[0].split()).lower() if pieces else ""
    if needle and not _same(needle, subject):
        for s in sentences:
            if needle[:40] in " ".join(s.split()).lower():
                return _clip(s)
    plain = [s for s in sentences if not _GREETING.match(s) and not s.isupper()]
    for s in plain:
        if len(s.split()) >= 6 and not s.endswith(":"):
            return _clip(s)
    return _clip(plain[0]) if plain else ""


def _fragments(text: str) -> list[str]:
    """Sentences of `text` longer than 20 characters, each split at its placeholders."""
    out: list[str] = []
    for sentence in SENTENCE_BOUNDARY.split(text.strip()):
        for part in PLACEHOLDER.split(sentence):
            part = part.strip(" >-*|,;:'\"()")
            if len(part) > 20:
                out.append(part)
    return out


_GREETING = re.compile(
    r"^(?:dear|hello|hi|good\s+(?:morning|afternoon)|hallo|guten|sehr\s+geehrte|liebe|bonjour|madame|hola|"
    r"estimad[oa]s?|beste|geachte|buongiorno|gentil)\b|,$",
    re.I,
)


def _same(a: str, b: str) -> bool:
    a, b = " ".join(a.lower().split()), " ".join(b.lower().split())
    return bool(a and b) and (a == b or (len(b) > 15 and b in a))


def _kind_word(kind: str) -> str:
    return _KIND_WORDS.get(kind, kind)


def _labelled(kind: str, value: str) -> str:
    """"PO 4471", but "PO-55102" as it is: a value that already names its kind is not prefixed twice."""
    word = _kind_word(kind)
    return value if value.lower().startswith(word.lower()) else f"{word} {value}"


_KIND_WORDS = {"sale_order": "order", "po": "PO", "awb": "AWB", "pro": "PRO", "bol": "BOL", "customs_entry": "entry"}


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_EVIDENCE else text[: _MAX_EVIDENCE - 1].rsplit(" ", 1)[0] + "\u2026"
