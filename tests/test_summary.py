"""The local summary: at most three sentences, names the shipment and the new ETA, carries no PII."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agents.state import Classification, ErpContext, RedactedMessage
from agents.summary import new_eta, write_summary
from policies.engine import PolicyBook
from tools.references import extract_references

POLICY = PolicyBook.load()


def test_summary_names_shipment_reason_and_new_eta() -> None:
    message = RedactedMessage(
        channel="email",
        subject="Delay container MSCU1234566",
        body="Hi <PERSON_1>, the reefer unit on MSCU1234566 failed at Rotterdam. New ETA 2026-03-14. "
        "Call <PHONE_NUMBER_1>. More text. And more. And even more sentences here.",
    )
    refs = extract_references(message)
    result = Classification(reason="equipment_failure", confidence=0.9, evidence="the reefer unit failed")
    summary = write_summary(message, refs, result, ErpContext(), POLICY.reason_label)
    assert summary.startswith("Container MSCU1234566 is delayed by a vehicle or equipment breakdown.")
    assert "New ETA: 2026-03-14." in summary
    assert summary.count(". ") <= 2 and "<PHONE_NUMBER_1>" not in summary and "<PERSON_1>" not in summary


def test_abstained_summary_says_it_needs_classification() -> None:
    message = RedactedMessage(channel="portal", body="Status update pending, see portal.")
    summary = write_summary(
        message, [], Classification(reason=None, confidence=0.2, abstained=True), ErpContext(), POLICY.reason_label
    )
    assert summary.startswith("A shipment has an exception that needs a person to classify it.")


def test_summary_says_what_happened_not_the_subject_and_gives_the_next_step() -> None:
    message = RedactedMessage(
        channel="email",
        subject="TEMPERATURE EXCURSION - AWB 057-33920644 - insulin pens quarantined",
        body="Dear <PERSON_1>,\n\nTEMPERATURE EXCURSION - AWB 057-33920644 - insulin pens quarantined\n"
        "The data logger on AWB 057-33920644 (your PO 4500012345) shows 14 hours above 8 C at the hub. "
        "The pens are quarantined pending a QA decision.",
    )
    refs = extract_references(message)
    result = Classification(reason="damaged", confidence=0.9, evidence="TEMPERATURE EXCURSION")
    summary = write_summary(message, refs, result, ErpContext(), POLICY.reason_label)
    assert summary.startswith("AWB 057-33920644 arrived or was found damaged (PO 4500012345).")
    assert "insulin pens quarantined" not in summary  # the subject line is not the summary
    assert "The data logger on AWB 057-33920644" in summary
    assert summary.endswith("next step: confirm the extent of the damage and the replacement or credit.")


def test_new_eta_follows_an_eta_word_in_any_language_and_skips_the_old_date() -> None:
    message = RedactedMessage(
        channel="email",
        body="Die Zustellung verschiebt sich voraussichtlich auf den 2026-01-16. "
        "The revised ETA Genoa is 2026-12-19 instead of 2026-12-07.",
    )
    refs = extract_references(message)
    assert new_eta(message, refs) == "2026-01-16"
    body = "Vessel omits the port: revised ETA Genoa is 2026-12-19 instead of 2026-12-07."
    late = RedactedMessage(channel="email", body=body)
    assert new_eta(late, extract_references(late)) == "2026-12-19"


def test_an_untyped_load_number_still_names_the_shipment() -> None:
    message = RedactedMessage(channel="portal", body="running late, wont make 7712-905 before they close, tomorrow 8am")
    summary = write_summary(
        message,
        extract_references(message),
        Classification(reason="capacity_delay", confidence=0.8),
        ErpContext(),
        POLICY.reason_label,
    )
    assert summary.startswith("Shipment 7712-905 is delayed")


def _eta(body: str, received: str | None, language: str | None = None) -> str | None:
    at = datetime.fromisoformat(received + "T09:00:00+00:00") if received else None
    return new_eta(RedactedMessage(channel="email", body=body, received_at=at, language=language))


@pytest.mark.parametrize(
    ("body", "received", "expected"),
    [
        ("STATUS: VERSPAETUNG. NEUER LIEFERTERMIN 09.03.2027.", "2027-03-01", "2027-03-09"),
        ("Livraison reportée au 3 mars, créneau 8h-12h.", "2027-02-26", "2027-03-03"),
        ("La entrega se hará el 7 de abril por la tarde.", "2026-04-01", "2026-04-07"),
        ("Verwachte levering: 22-09-26 tussen 10 en 14 uur.", "2026-09-20", "2026-09-22"),
        ("Il camion è fermo a Bologna; consegna prevista giovedì.", "2026-03-02", "2026-03-05"),
        ("Reagendamos a entrega para amanhã de manhã.", "2026-05-10", "2026-05-11"),
        ("Nous prévoyons la livraison le 5 janvier.", "2026-12-20", "2027-01-05"),  # next year, not this
        ("ETD Antwerp 02/11/2026, ETA Montreal 16/11/2026.", "2026-10-28", "2026-11-16"),
        ("Keine Zustellung am Freitag, 10.04.2026. Zustellung am nächsten Werktag.", "2026-04-08", "2026-04-13"),
        ("De zendingen worden op woensdag 8 juli bezorgd.", "2026-07-03", "2026-07-08"),
        ("Revised ETA 03/04 at the dock.", "2026-03-01", "2026-03-04"),
        ("Moved to the late flight, departing 2026-08-02 21:40, arriving 23:55.", "2026-08-01", "2026-08-02"),
    ],
)
def test_new_eta_reads_dates_as_written_in_each_language(body: str, received: str, expected: str) -> None:
    language = "en" if body.startswith("Revised") else None
    assert _eta(body, received, language) == expected


def test_new_eta_never_guesses_a_year_and_skips_what_is_no_new_date() -> None:
    assert _eta("Lieferung voraussichtlich am 14. März.", None) == "14. März"  # as written: no arrival day
    assert _eta("ENTREGADO 03/04/2026 09:12 - POD DISPONIBLE", "2026-04-03") is None  # delivered, not due
    assert _eta("CONSEGNA PARZIALE 2/3 COLLI, ricerca in corso.", "2026-05-02") is None  # a count
    assert _eta("Nessuna consegna il 02/06/2026 (festa).", "2026-05-30") is None  # no delivery that day
    assert _eta("La livraison du 16/03/2026 était incomplète.", "2026-03-20") is None  # a past date
    assert _eta("Cambiar la franja de entrega de mañana a tarde.", "2026-10-20") is None  # a morning


def test_a_summary_is_english_and_quotes_the_evidence_as_written() -> None:
    message = RedactedMessage(
        channel="email",
        subject="Retard livraison",
        body="Bonjour <PERSON_1>,\n\nSuite à la panne du hayon, notre camion n'a pas pu décharger chez votre client. "
        "Nouvelle livraison prévue le mardi 13 octobre.\n\nCordialement",
        received_at=datetime(2026, 10, 9, 8, 0, tzinfo=UTC),
        language="fr",
    )
    result = Classification(reason="equipment_failure", confidence=0.8, evidence="la panne du hayon")
    summary = write_summary(message, extract_references(message), result, ErpContext(), POLICY.reason_label)
    assert summary.startswith("A shipment is delayed by a vehicle or equipment breakdown.")
    assert "The sender says: \u201cSuite à la panne du hayon, notre camion n'a pas pu décharger" in summary
    assert summary.endswith("New ETA: 2026-10-13.")


def test_a_sentence_with_a_placeholder_is_quoted_by_its_fragments() -> None:
    message = RedactedMessage(
        channel="portal", body="FAILED DELIVERY - <ADDRESS_1> - CONSIGNEE MOVED, NO FORWARDING ADDRESS"
    )
    result = Classification(reason="address_issue", confidence=0.8, evidence=message.body)
    summary = write_summary(message, [], result, ErpContext(), POLICY.reason_label)
    assert "\u201cCONSIGNEE MOVED, NO FORWARDING ADDRESS\u201d" in summary and "<ADDRESS_1>" not in summary


@pytest.mark.parametrize(
    ("body", "shipment"),
    [
        ("Unit TCLU 480211 7 is still on the quay.", "Shipment TCLU 480211 7"),
        ("Item CP123456785DE returned to sender.", "Shipment CP123456785DE"),
        ("Consignment LDN-XR-20931 missed the trunk.", "Shipment LDN-XR-20931"),
        ("Colli 4410 2287 1903 gesorteerd naar depot.", "Shipment 4410 2287 1903"),
        ("Parcel 7KQZ20441928 scanned at the hub.", "Shipment 7KQZ20441928"),
        ("Spedizione 22VR 104455 6 in giacenza.", "Shipment 22VR 104455 6"),
        ("Guia 2027/TRF/0098 sem movimento.", "Shipment 2027/TRF/0098"),
        ("ETD 2026-03-19 for the load, 12 pallets.", "A shipment"),  # a milestone date is no shipment
    ],
)
def test_untyped_carrier_numbers_name_the_shipment(body: str, shipment: str) -> None:
    message = RedactedMessage(channel="portal", body=body)
    summary = write_summary(
        message, [], Classification(reason="lost", confidence=0.8), ErpContext(), POLICY.reason_label
    )
    assert summary.startswith(f"{shipment} is missing or lost")


def test_a_reference_that_names_its_kind_is_not_prefixed_twice() -> None:
    from agents.summary import _labelled

    assert _labelled("po", "PO-55102") == "PO-55102"
    assert _labelled("po", "4471-22") == "PO 4471-22"
    assert _labelled("awb", "AWB 057-33920644") == "AWB 057-33920644"


def test_a_date_the_sender_only_asks_about_is_no_new_eta() -> None:
    from datetime import date

    from agents.eta import pick_new_eta

    received = date(2026, 5, 4)
    asked = "The pallets are back on our truck. Please advise whether we should return them or redeliver tomorrow."
    assert pick_new_eta(asked, received) is None
    assert pick_new_eta("Can we deliver on Friday?", received) is None
    assert pick_new_eta("Falls gewünscht, Zustellung am 07.05.2026.", received) is None
    told = pick_new_eta("We will redeliver tomorrow morning.", received)
    assert told is not None and told.value == date(2026, 5, 5)
    later = pick_new_eta("Nueva entrega prevista el 07/05/2026, si el cliente está.", received)
    assert later is not None and later.value == date(2026, 5, 7)  # the condition comes after the date


def test_a_condition_ends_at_otherwise_and_later_today_is_today() -> None:
    from datetime import date

    from agents.eta import pick_new_eta

    received = date(2026, 2, 10)
    text = (
        "Please confirm if you want us to reroute; otherwise we wait for the road to reopen, "
        "current estimate 2026-02-12."
    )
    told = pick_new_eta(text, received)
    assert told is not None and told.value == date(2026, 2, 12)
    still_asked = pick_new_eta("Please confirm if you want us to reroute and deliver on 2026-02-12.", received)
    assert still_asked is None
    tonight = pick_new_eta("We expect to complete delivery to the correct site this evening.", received)
    assert tonight is not None and tonight.value == received
    drop = pick_new_eta("wont make it before they close, can do tomorrow 8am first drop", received)
    assert drop is not None and drop.value == date(2026, 2, 11)
    assert pick_new_eta("The driver attempted delivery today and left a card.", received) is None


def test_a_customer_request_names_the_requested_date_and_a_carrier_question_does_not() -> None:
    body = (
        "Kunnen jullie de levering van order S02231 uitstellen naar volgende week donderdag 19 maart? "
        "Ons magazijn staat nog vol."
    )
    message = RedactedMessage(
        channel="email", subject="Levering uitstellen", body=body, language="nl",
        received_at=datetime(2026, 3, 10, 10, 44, tzinfo=UTC),
    )  # fmt: skip
    refs = extract_references(message)
    asked = Classification(reason="customer_request", confidence=0.9, evidence="")
    summary = write_summary(message, refs, asked, ErpContext(), POLICY.reason_label)
    assert "Requested delivery date: 2026-03-19; next step: confirm the change to the customer." in summary
    assert "New ETA" not in summary and new_eta(message, refs) is None
    carrier = Classification(reason="recipient_unavailable", confidence=0.9, evidence="")
    assert "2026-03-19" not in write_summary(message, refs, carrier, ErpContext(), POLICY.reason_label)
