"""score_redaction with a hand-written fake redactor (the arithmetic) and the real one (the contract)."""

from __future__ import annotations

from typing import Any

from agents.state import InboundMessage, RedactedMessage
from tools.redaction.presidio_redactor import PresidioRedactor
from tools.redaction.scoring import RedactionScore, message_from_record, score_redaction

RECORDS: list[dict[str, Any]] = [
    {
        "id": "ex-1",
        "channel": "email",
        "sender": "ops@carrier.example",
        "subject": "Breakdown - BOL 8812-3390",
        "body": "Truck broke down. Call Luis Ortega on 269-555-0176.",
        "expected": {"must_redact": ["Luis Ortega", "269-555-0176"], "must_keep": ["8812-3390"]},
    },
    {
        "id": "ex-2",
        "channel": "portal",
        "sender": None,
        "subject": None,
        "body": "EXC AO - PRO 0412-559812 HELD. NEW ETA 03/14",
        "expected": {"must_redact": [], "must_keep": ["0412-559812"]},
    },
]


class DropDigits:
    """Fake: removes every digit (leaks names, loses references)."""

    def redact(self, message: InboundMessage) -> RedactedMessage:
        strip = str.maketrans("", "", "0123456789")
        return RedactedMessage(
            channel=message.channel,
            subject=(message.subject or "").translate(strip) or None,
            body=message.body.translate(strip),
        )


def test_scoring_arithmetic() -> None:
    score = score_redaction(RECORDS, DropDigits())
    assert (score.n_records, score.n_redact, score.n_keep) == (2, 2, 2)
    assert [(m.record_id, m.value) for m in score.leaks] == [("ex-1", "Luis Ortega")]
    assert {m.value for m in score.keep_failures} == {"8812-3390", "0412-559812"}
    assert score.leak_rate == 0.5 and score.keep_rate == 0.0
    dumped = score.model_dump()
    assert dumped["leak_rate"] == 0.5 and dumped["keep_rate"] == 0.0


def test_empty_score_rates() -> None:
    assert RedactionScore().leak_rate == 0.0 and RedactionScore().keep_rate == 1.0


def test_record_becomes_message() -> None:
    message = message_from_record({"id": "x", "channel": "fax", "body": "b", "subject": None})
    assert message.channel == "email" and message.source == "dataset:x" and message.body == "b"


def test_real_redactor_on_the_design_example(redactor: PresidioRedactor) -> None:
    score = score_redaction(RECORDS, redactor)
    assert score.leaks == [] and score.keep_failures == []
