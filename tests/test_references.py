"""tools.references: kinds, spans and check digits on real-looking logistics text."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy

from agents.state import Attachment, RedactedMessage
from tools.redaction.engine import vendored_model_path
from tools.references import (
    awb_valid,
    extract_references,
    find_reference_spans,
    find_references,
    gs1_valid,
    iso6346_valid,
)


def _kinds(text: str) -> list[tuple[str, str]]:
    return [(r.kind, r.value) for r in find_references(text)]


# --------------------------------------------------------------------------- check digits


def test_iso6346_check_digit() -> None:
    assert iso6346_valid("CSQU3054383")  # the standard's own example
    assert iso6346_valid("MAEU1234567")
    assert iso6346_valid("CSQU 305438 3")
    assert not iso6346_valid("CSQU3054384")
    assert not iso6346_valid("MSCU1234565")  # the check digit of MSCU123456 is 6
    assert not iso6346_valid("MSC1234565")


def test_awb_mod7_check_digit() -> None:
    assert awb_valid("176-12345675")
    assert awb_valid("17612345675")
    assert not awb_valid("176-12345670")
    assert not awb_valid("176-1234567")


def test_gs1_check_digit() -> None:
    assert gs1_valid("340123450000000017")
    assert not gs1_valid("340123450000000018")


# --------------------------------------------------------------------------- kinds


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("UPS 1Z999AA10123456784 exception", "tracking", "1Z999AA10123456784"),
        ("FedEx tracking 781234567890 / PO-44871", "tracking", "781234567890"),
        ("USPS 9400111899223344556677 delivered", "tracking", "9400111899223344556677"),
        ("DHL Express waybill 1234567890 held", "tracking", "1234567890"),
        ("SSCC 340123450000000018 crushed", "tracking", "340123450000000018"),
        ("pallet (00)340123450000000017 wet", "tracking", "340123450000000017"),
        ("Tracking: 4412-3456-7890 absent", "tracking", "4412-3456-7890"),
        ("reefer CSQU3054383 alarm", "container", "CSQU3054383"),
        ("Maersk container MSCU1234565 rolled", "container", "MSCU1234565"),
        ("container TGHU 987654 3 on hold", "container", "TGHU 987654 3"),
        ("Breakdown - BOL 8812-3390", "bol", "8812-3390"),
        ("Master B/L: MAEU241234567", "bol", "MAEU241234567"),
        ("MAWB 176-12345675 offloaded", "awb", "176-12345675"),
        ("offloaded 176-12345675 from CDG", "awb", "176-12345675"),
        ("HAWB MIA2604417 6 pcs", "awb", "MIA2604417"),
        ("PRO 0412-559812 HELD", "pro", "0412-559812"),
        ("PRO# 2041187736 refused", "pro", "2041187736"),
        ("your PO-44871 is late", "po", "PO-44871"),
        ("PO 4500012345 short", "po", "4500012345"),
        ("P.O. 77120 short", "po", "77120"),
        ("SAP order 4500012345", "po", "4500012345"),
        ("Order S00042 late", "sale_order", "S00042"),
        ("picking WH/OUT/00042 not shipped", "transfer", "WH/OUT/00042"),
        ("receipt WH/IN/00007 short", "transfer", "WH/IN/00007"),
        ("BKG 7781234 rolled", "booking", "7781234"),
        ("Booking no. HLCU4471203 amended", "booking", "HLCU4471203"),
        ("ENT 123-4567890-1 on hold", "customs_entry", "123-4567890-1"),
        ("MRN 24DE1234567890ABC1 not released", "customs_entry", "24DE1234567890ABC1"),
        ("new ETA 14/03 PM", "date", "14/03"),
        ("delivery March 14 instead", "date", "March 14"),
        ("ETA 2026-03-14T10:00Z", "date", "2026-03-14"),
        ("Datum 05.02.2026 10:20", "date", "05.02.2026"),
        ("delivered 14 March 2026", "date", "14 March 2026"),
        ("stuck at Rotterdam since Monday", "place", "Rotterdam"),
        ("WX DELAY MEMPHIS HUB", "place", "MEMPHIS"),
    ],
)
def test_kind_and_value(text: str, kind: str, value: str) -> None:
    assert (kind, value) in _kinds(text), _kinds(text)


def test_spans_point_at_the_value() -> None:
    text = "Breakdown near Memphis - BOL 8812-3390 / PO-44871, new ETA 14/03. Container MSCU1234565."
    refs = find_references(text)
    assert refs, "nothing found"
    for ref in refs:
        assert text[ref.start : ref.end] == ref.value
        assert ref.field == "body"
    assert [r.kind for r in refs] == ["place", "bol", "po", "date", "container"]


def test_failed_check_digits_are_not_reported_but_protected() -> None:
    text = "bare MSCU1234565 and 176-12345670 here"
    assert _kinds(text) == []
    protected = {(s.value, s.valid) for s in find_reference_spans(text)}
    assert ("MSCU1234565", False) in protected and ("176-12345670", False) in protected


def test_identifiers_of_no_kind_are_protected_only() -> None:
    text = "CMR 0098172, seal 0093316, shipment GD-FR-77129044"
    assert _kinds(text) == []
    values = {s.value for s in find_reference_spans(text)}
    assert {"0098172", "0093316", "GD-FR-77129044"} <= values


def test_bare_ten_digits_take_their_kind_from_the_words_before() -> None:
    assert ("po", "1234567890") in _kinds("purchase order 1234567890")
    assert ("tracking", "1234567890") in _kinds("DHL 1234567890")
    assert ("po", "4500012345") in _kinds("see 4500012345")  # SAP purchase order range


def test_phone_numbers_are_no_references() -> None:
    assert _kinds("call +1 269-555-0176 or (305) 555-0187") == []


# --------------------------------------------------------------------------- message level


def _message() -> RedactedMessage:
    return RedactedMessage(
        channel="email",
        sender_domain="carrier.example",
        subject="Breakdown - BOL 8812-3390 / PO-44871",
        body="Hi <PERSON_1>,\n\nTruck on BOL 8812-3390 broke down near Memphis. New ETA 14/03.\nBOL 8812-3390 again.",
        structured={"tracking_number": "781234567890"},
        attachments=[Attachment(filename="pod.pdf", content_type="application/pdf", size=1, text="S00042")],
    )


def test_extract_references_per_occurrence_and_field() -> None:
    message = _message()
    refs = extract_references(message)
    bols = [(r.field, r.start) for r in refs if r.kind == "bol"]
    first_body = message.body.index("8812-3390")
    assert bols == [
        ("subject", (message.subject or "").index("8812-3390")),
        ("body", first_body),
        ("body", message.body.index("8812-3390", first_body + 1)),
    ]
    assert ("structured", "781234567890") in {(r.field, r.value) for r in refs}
    assert ("attachment", "S00042") in {(r.field, r.value) for r in refs}
    for r in refs:
        text = {"subject": message.subject or "", "body": message.body}.get(r.field)
        if text is not None:
            assert text[r.start : r.end] == r.value


def test_extract_references_deduplicates() -> None:
    message = _message().model_copy(update={"structured": {"a": "781234567890", "b": "781234567890"}})
    refs = [r for r in extract_references(message) if r.field == "structured"]
    assert len(refs) == 1  # same kind, value, field and start


@pytest.fixture(scope="module")
def nlp() -> spacy.language.Language:
    path: Path = vendored_model_path()
    return spacy.load(path, exclude=["tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer"])


def test_places_from_the_ner(nlp: spacy.language.Language) -> None:
    message = RedactedMessage(
        channel="email",
        body="Hi <PERSON_1>, the load left Zaragoza for Valladolid; transit via Rotterdam.",
    )
    places = {r.value for r in extract_references(message, nlp=nlp) if r.kind == "place"}
    assert {"Zaragoza", "Valladolid", "Rotterdam"} <= places
    assert not any("PERSON" in p for p in places)
