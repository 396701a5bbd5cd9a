"""A short summary for a busy reader, built from redacted facts only (no PII can enter it)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from agents.state import Classification, ErpContext, ReasonCode, RedactedMessage, Reference
from agents.text_patterns import SENTENCE_BOUNDARY

_SHIPMENT_KINDS = ("tracking", "container", "bol", "awb", "pro", "transfer", "sale_order", "po", "booking")
_ETA = re.compile(
    r"\b(?:new\s+)?(?:eta|estimated\s+(?:arrival|delivery)|delivery\s+(?:on|by)|re-?deliver\w*\s+on)\b", re.I
)
_MAX_EVIDENCE = 180


def write_summary(
    message: RedactedMessage,
    references: Sequence[Reference],
    result: Classification,
    erp: ErpContext,
    reason_label: Callable[[ReasonCode], str],
) -> str:
    """At most three sentences: what happened to which shipment, the impact, and the new ETA if known."""
    shipment = _primary_shipment(references, erp)
    if result.reason is None:
        what = "Unclassified exception (needs a person to classify it)"
    else:
        what = reason_label(result.reason)
    sentences = [f"{what} for {shipment}." if shipment else f"{what}."]
    evidence = _clip(result.evidence) if result.evidence else _first_sentence(message.body)
    if evidence:
        sentences.append(f"Carrier/sender reports: \u201c{evidence}\u201d")
    eta = _new_eta(message, references)
    if eta:
        sentences.append(f"New ETA: {eta}.")
    elif erp.promised_date:
        sentences.append(f"Promised to the customer for {erp.promised_date}.")
    return " ".join(sentences[:3])


def _primary_shipment(references: Sequence[Reference], erp: ErpContext) -> str | None:
    for kind in _SHIPMENT_KINDS:
        for ref in references:
            if ref.kind == kind:
                return f"{kind.replace('_', ' ')} {ref.value}"
    if erp.picking and erp.picking.get("name"):
        return f"transfer {erp.picking['name']}"
    return None


def _new_eta(message: RedactedMessage, references: Sequence[Reference]) -> str | None:
    if message.structured.get("eta"):
        return message.structured["eta"]
    dates = [r for r in references if r.kind == "date" and r.field == "body"]
    for match in _ETA.finditer(message.body):
        after = [d for d in dates if 0 <= d.start - match.end() <= 40]
        if after:
            return after[0].value
    return None


def _first_sentence(text: str) -> str:
    for part in SENTENCE_BOUNDARY.split(text.strip()):
        part = part.strip(" >-*")
        if len(part) > 12:
            return _clip(part)
    return ""


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_EVIDENCE else text[: _MAX_EVIDENCE - 1].rsplit(" ", 1)[0] + "\u2026"
