"""The summary metrics of the eval: shares of summaries naming the shipment, carrying the labelled new
ETA, copying the subject, holding PII; n/a where nothing is labelled, and their gates skip then."""

from __future__ import annotations

from typing import Any

from evals.gates import DEFAULT_GATES, Gate, evaluate_gate, load_gates
from evals.summary_quality import draft_check, draft_metrics, summary_check, summary_metrics

EXPECTED = {"must_keep": ["PRO 7734-1186", "45120098"], "must_redact": ["Kevin Marsh"], "new_eta": "2026-02-12"}


def test_a_good_summary_passes_every_check() -> None:
    summary = "PRO 7734-1186 is delayed by bad weather (PO 45120098). New ETA: 2026-02-12."
    check = summary_check(summary, "Weather delay - PRO 7734-1186 / your PO 45120098", EXPECTED)
    assert (check.has_primary_ref, check.has_new_eta, check.copies_subject, check.has_pii) == (True, True, False, False)


def test_copy_of_the_subject_missing_eta_and_pii_are_caught() -> None:
    summary = "Weather delay - PRO 7734-1186 / your PO 45120098. Kevin Marsh says the road is closed."
    check = summary_check(summary, "Weather delay - PRO 7734-1186 / your PO 45120098", EXPECTED)
    assert check.copies_subject and check.has_pii and check.has_new_eta is False


def test_shares_are_null_without_labels_and_the_gate_skips() -> None:
    checks = [summary_check("Routine status update.", "Status update", {"must_keep": []})]
    shares = summary_metrics(checks)
    metrics: dict[str, Any] = {"n": 1, "summary": shares}
    assert shares["new_eta_rate"] is None and shares["primary_ref_rate"] is None
    assert shares["subject_copy_rate"] == 0.0  # "Status update" is too short to count as a copy
    gate = Gate(id="eta", metric="summary.new_eta_rate", min=0.9, skip_when_unlabelled=True)
    assert evaluate_gate(gate, metrics, None).status == "skip"
    strict = Gate(id="eta", metric="summary.new_eta_rate", min=0.9)
    assert evaluate_gate(strict, metrics, None).status == "fail"
    assert evaluate_gate(gate, {"n": 1}, None).status == "fail"  # a metric missing altogether still fails


def test_drafts_holding_personal_data_are_counted_and_gated() -> None:
    clean = draft_check("Dear customer,\n\nYour shipment PRO 7734-1186 is delayed.\n\nKind regards", EXPECTED)
    leaked = draft_check("Dear Kevin  Marsh,\n\nYour shipment is delayed.", EXPECTED)  # spacing does not hide it
    none = draft_check(None, EXPECTED)
    # a short name inside another word is no leak (prio-092 labels "Tom"; every English draft says "customer")
    assert draft_check("Dear customer,", {"must_redact": ["Tom"]}).has_pii is False
    assert draft_check("Dear Tom,", {"must_redact": ["Tom"]}).has_pii is True
    assert (clean.has_pii, leaked.has_pii, none.has_pii) == (False, True, None)
    shares = draft_metrics([clean, leaked, none])
    assert shares == {"n": 2, "pii_rate": 0.5}
    [gate] = [g for g in load_gates(DEFAULT_GATES) if g.id == "drafts_no_pii"]
    assert (gate.metric, gate.max) == ("drafts.pii_rate", 0.0)
    assert evaluate_gate(gate, {"n": 3, "drafts": shares}, None).status == "fail"
    assert evaluate_gate(gate, {"n": 3, "drafts": draft_metrics([clean])}, None).status == "pass"
    assert evaluate_gate(gate, {"n": 1, "drafts": draft_metrics([none])}, None).status == "skip"  # n/a


def test_summary_pii_is_a_whole_word_match_that_still_catches_phones_mails_and_full_names() -> None:
    labels = {"must_redact": ["Tom", "+49 170 5551234", "ana.silva@example.com", "(11) 95555-0123", "Rui  Costa"]}
    held = "Container MSCU1234566 is held at customs. The sender says: \u201cCustoms asks for the invoice.\u201d"
    assert summary_check(held, None, labels).has_pii is False  # "Tom" is no leak inside "Customs"
    for leak in (
        "Call Tom today.",
        "Call +49 170 5551234.",
        "Mail ana.silva@example.com.",
        "Tel (11) 95555-0123",
        "rui costa wrote",
    ):
        assert summary_check(f"Shipment 1234567 is late. {leak}", None, labels).has_pii is True, leak
