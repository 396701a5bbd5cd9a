"""The local summary: at most three sentences, names the shipment and the new ETA, carries no PII."""

from __future__ import annotations

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
