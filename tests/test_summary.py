"""The local summary: at most three sentences, names the shipment and the new ETA, carries no PII."""

from __future__ import annotations

from agents.state import Classification, ErpContext, RedactedMessage
from agents.summary import write_summary
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
    assert summary.startswith("Equipment failure for container MSCU1234566.")
    assert "New ETA: 2026-03-14." in summary
    assert summary.count(". ") <= 2 and "<PHONE_NUMBER_1>" not in summary


def test_abstained_summary_says_it_needs_classification() -> None:
    message = RedactedMessage(channel="portal", body="Status update pending, see portal.")
    summary = write_summary(
        message, [], Classification(reason=None, confidence=0.2, abstained=True), ErpContext(), POLICY.reason_label
    )
    assert summary.startswith("Unclassified exception")
