"""Customer update drafts: a complete message per reason and language, from structured facts only.

Greeting with the customer's company (from the ERP), the reference, what happened in the customer's
words (no carrier blame, no internal codes), the new ETA or the next step, a closing; in the ERP
partner's language, English otherwise; no personal data even when the message is full of it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from agents.draft_facts import draft_facts
from agents.state import REASON_CODES, DraftFacts, ErpContext, RedactedMessage, Reference
from policies.drafts import CustomerDrafts
from policies.engine import PolicyBook

BOOK = PolicyBook.load()
LANGUAGES = ("en", "de", "fr", "es", "nl", "pt", "it")
# What a closing says in each language (the sign-off line), and the word for "shipment".
CLOSINGS = {
    "en": "Kind regards",
    "de": "Mit freundlichen Grüßen",
    "fr": "Cordialement",
    "es": "Atentamente",
    "nl": "Met vriendelijke groet",
    "pt": "Atenciosamente",
    "it": "Cordiali saluti",
}
ETA_WORDS = {
    "en": "16 January 2026",
    "de": "16. Januar 2026",
    "fr": "16 janvier 2026",
    "es": "16 de enero de 2026",
    "nl": "16 januari 2026",
    "pt": "16 de janeiro de 2026",
    "it": "16 gennaio 2026",
}
# Blaming the carrier in front of the customer: none of these words may appear.
BLAME = re.compile(
    r"\b(carrier|driver|haulier|spediteur|fahrer|transporteur|chauffeur|transportista|conductor|vervoerder|"
    r"chauffeur|transportadora|motorista|vettore|autista|fault|schuld|faute|culpa)\b",
    re.I,
)


def _internal_codes() -> set[str]:
    codes = {c for info in BOOK.reasons.values() for c in info.at7}
    codes |= {rule["id"] for rule in BOOK.actions_cfg["rules"]}
    codes |= {mod["id"] for mod in BOOK.priority_cfg["modifiers"]}
    codes |= {c for c in REASON_CODES if "_" in c}  # "weather", "damaged" and "lost" are plain words too
    return codes


INTERNAL = _internal_codes()


def _words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z0-9_]+", text))


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("reason", [*REASON_CODES, None])
def test_every_reason_and_language_gives_a_complete_message(reason: str | None, lang: str) -> None:
    facts = DraftFacts(
        reason=reason,  # type: ignore[arg-type]
        language=f"{lang}_XX" if lang != "en" else "en_US",
        company="Northwind Traders",
        shipment="PRO 0412-559812",
        order="S00042",
    )
    draft = BOOK.customer_draft(facts)
    greeting, body, closing = draft.split("\n\n", 2)
    assert "Northwind Traders" in greeting
    assert "PRO 0412-559812" in body and "S00042" in body
    t = BOOK.drafts.languages[lang]
    happened = t["reasons"][reason or "unclassified"]["happened"]
    assert happened in body and t["reasons"][reason or "unclassified"]["next"] in body  # no ETA: the next step
    assert CLOSINGS[lang] in closing
    assert not BLAME.search(draft), draft
    assert not (_words(draft) & INTERNAL), _words(draft) & INTERNAL


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_new_eta_replaces_the_next_step_in_the_customers_words(lang: str) -> None:
    facts = DraftFacts(reason="weather", language=lang, shipment="80-556231", new_eta="2026-01-16")
    draft = BOOK.customer_draft(facts)
    assert ETA_WORDS[lang] in draft and "2026-01-16" not in draft
    assert BOOK.drafts.languages[lang]["reasons"]["weather"]["next"] not in draft
    # an ETA as the message wrote it (no year) stays as written
    assert "16 Sep" in BOOK.customer_draft(facts.model_copy(update={"new_eta": "16 Sep"}))


def test_without_a_company_or_language_the_draft_is_generic_english() -> None:
    draft = BOOK.customer_draft(DraftFacts(reason="lost", language="ja_JP"))
    assert draft.startswith("Dear customer,")
    assert "your shipment." in draft and "started a search" in draft and draft.endswith("Customer Service")
    assert BOOK.drafts.language_for(None) == "en" and BOOK.drafts.language_for("pt_BR") == "pt"


def test_a_template_file_missing_a_reason_is_refused_when_loaded() -> None:
    english: dict[str, Any] = dict(BOOK.drafts_cfg["languages"]["en"])
    english["reasons"] = {k: v for k, v in english["reasons"].items() if k != "lost"}
    data = {"default_language": "en", "languages": {"en": english}}
    with pytest.raises(ValueError, match=r"reasons\.lost"):
        CustomerDrafts.from_dict(data, list(REASON_CODES))


def _message(body: str, subject: str | None = None) -> RedactedMessage:
    return RedactedMessage(channel="email", subject=subject, body=body)


def _ref(kind: str, value: str, body: str) -> Reference:
    start = body.index(value)
    return Reference(kind=kind, value=value, start=start, end=start + len(value))  # type: ignore[arg-type]


def test_facts_come_from_the_erp_and_the_references_never_from_the_text() -> None:
    body = (
        "Hallo, <PERSON> hier. Sendung 1Z999AA10123456784 steht wegen Glatteis. "
        "Die Zustellung verschiebt sich voraussichtlich auf den 2026-01-16. Tel. <PHONE_NUMBER>"
    )
    refs = [_ref("tracking", "1Z999AA10123456784", body), _ref("date", "2026-01-16", body)]
    erp = ErpContext(
        source="odoo-sandbox",
        order={"name": "S00007", "kind": "sale"},
        customer={"id": 8, "name": "Alpenmarkt GmbH", "lang": "de_DE"},
    )
    facts = draft_facts("weather", _message(body), refs, erp)
    assert facts == DraftFacts(
        reason="weather",
        language="de_DE",
        company="Alpenmarkt GmbH",
        shipment="1Z999AA10123456784",
        order="S00007",
        new_eta="2026-01-16",
    )
    draft = BOOK.customer_draft(facts)
    assert draft.startswith("Sehr geehrtes Team von Alpenmarkt GmbH,")
    assert "Sendung 1Z999AA10123456784 (Auftrag S00007)" in draft and "16. Januar 2026" in draft
    assert "<" not in draft and "Glatteis" not in draft  # nothing of the message text itself


def test_a_private_customer_or_a_vendor_is_not_named() -> None:
    body = "AWB 057-33920644 damaged on arrival."
    refs = [_ref("awb", "057-33920644", body)]
    private = ErpContext(source="odoo", customer={"id": 9, "name": None, "lang": "fr_FR"})  # the reader's rule
    facts = draft_facts("damaged", _message(body), refs, private)
    assert facts.company is None and facts.shipment == "AWB 057-33920644"
    assert BOOK.customer_draft(facts).startswith("Madame, Monsieur,")
    vendor = ErpContext(
        source="odoo", order={"name": "P00003", "kind": "purchase"}, customer={"id": 3, "name": "Supplier AG"}
    )
    facts = draft_facts("customs_hold", _message(body), refs, vendor)
    assert facts.company is None and facts.order is None and facts.language == "en"


def test_an_abstained_case_gets_the_unclassified_wording() -> None:
    draft = BOOK.customer_draft(DraftFacts(reason=None, shipment="MSCU 6623109"))
    assert "MSCU 6623109" in draft and "currently looking into" in draft
