"""Fail closed (issue 19): a message whose redaction cannot complete is refused, never passed on with a
recognizer skipped, and in the pipeline it lands in quarantine, not in the review queue.

The real redactor (Presidio + spaCy). A recognizer is forced to time out by adding a pattern that
backtracks exponentially on a run of x's (it would run for years); the budget is 3 s for the test.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from presidio_analyzer import EntityRecognizer, RecognizerResult
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from agents.ingest_service import IngestService
from agents.metrics import Metrics
from agents.ports import REDACTION_CODES, RedactionIncomplete
from agents.settings import Settings
from agents.state import InboundMessage
from tests.support.clock import FakeClock
from tests.support.graph_harness import open_harness
from tools.ingest import RawInput
from tools.redaction.budget import guard_recognizer
from tools.redaction.policy import PatternRecognizerSpec, PatternSpec
from tools.redaction.presidio_redactor import PresidioRedactor
from tools.redaction.recognizers import PolicyPatternRecognizer
from tools.store.queries import REVIEW_STATUSES

SECRET = "Luis Ortega"
HOSTILE = f"Truck 4471 broke down, driver {SECRET}, call +1 269-555-0176.\n" + "x" * 40 + "!\n"


def _msg(body: str, **kw: Any) -> InboundMessage:
    return InboundMessage(channel="email", source="test", body=body, **kw)


class _Raises(EntityRecognizer):
    """A recognizer that fails, with the text in its exception (which must not travel on)."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["PERSON"], name="raises", supported_language="en")

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        raise ValueError(f"cannot read {text[:40]}")


class _LogsPresidioSkip(EntityRecognizer):
    """Does what Presidio's own pattern recognizers do on a regex timeout: warn and carry on."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["PERSON"], name="presidio_like", supported_language="en")

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        logging.getLogger("presidio-analyzer").warning(
            "Regex pattern '%s' timed out after %s seconds, skipping.", "IBAN Generic", 1
        )
        return []


@pytest.fixture
def with_recognizer(redactor: PresidioRedactor) -> Iterator[Any]:
    """Adds recognizers to the session redactor for one test, and removes them after."""
    added: list[str] = []

    def add(recognizer: EntityRecognizer) -> None:
        redactor.analyzer.registry.add_recognizer(guard_recognizer(recognizer))
        added.append(str(getattr(recognizer, "name", "")))

    yield add
    for name in added:
        redactor.analyzer.registry.remove_recognizer(name)


def _catastrophic(redactor: PresidioRedactor) -> PolicyPatternRecognizer:
    spec = PatternRecognizerSpec(
        name="forced",
        entity="PERSON",
        patterns=[PatternSpec(name="exponential", regex=r"(x|xx)+z", score=0.9)],
    )
    return PolicyPatternRecognizer(spec, redactor.policy)


def test_a_pattern_that_times_out_refuses_the_message(
    redactor: PresidioRedactor, with_recognizer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_recognizer(_catastrophic(redactor))
    monkeypatch.setattr(redactor, "budget_ms", 3_000)
    with pytest.raises(RedactionIncomplete) as refused:
        redactor.redact(_msg(HOSTILE))
    assert refused.value.code == "redaction_incomplete"
    assert refused.value.pattern == "forced/exponential"
    assert "pattern 'forced/exponential' timed out" in str(refused.value)
    assert SECRET not in str(refused.value) and "4471" not in refused.value.detail
    # the same redactor, the same recognizer: an ordinary message is redacted as before
    out = redactor.redact(_msg(f"Driver {SECRET} called, truck 4471 is late."))
    assert SECRET not in out.body and "4471" in out.body


def test_a_recognizer_that_fails_refuses_the_message_without_its_text(
    redactor: PresidioRedactor, with_recognizer: Any
) -> None:
    with_recognizer(_Raises())
    with pytest.raises(RedactionIncomplete) as refused:
        redactor.redact(_msg(HOSTILE))
    assert refused.value.code == "redaction_failed" and refused.value.pattern == "raises"
    assert refused.value.__cause__ is None and refused.value.__context__ is not None  # not chained in a log
    assert SECRET not in str(refused.value) and "Truck" not in str(refused.value)


def test_presidios_own_skip_is_refused(redactor: PresidioRedactor, with_recognizer: Any) -> None:
    with_recognizer(_LogsPresidioSkip())
    with pytest.raises(RedactionIncomplete) as refused:
        redactor.redact(_msg("Truck 4471 broke down."))
    assert refused.value.code == "redaction_incomplete" and refused.value.pattern == "IBAN Generic"


def test_the_skip_watch_reads_presidios_actual_warning() -> None:
    from presidio_analyzer import pattern_recognizer
    from presidio_analyzer.predefined_recognizers.generic import iban_recognizer

    for module in (pattern_recognizer, iban_recognizer):
        assert "Regex pattern '%s' timed out after %s seconds, skipping." in inspect.getsource(module)


def test_too_long_a_message_is_refused(redactor: PresidioRedactor, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redactor, "max_chars", 1_000)
    with pytest.raises(RedactionIncomplete) as refused:
        redactor.redact(_msg(HOSTILE + "Truck 4471 broke down.\n" * 60))
    assert refused.value.code == "redaction_too_large"
    redactor.redact(_msg(HOSTILE[:900]))  # under the size: redacted


def test_a_message_over_its_time_budget_is_refused(
    redactor: PresidioRedactor, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks = iter(range(0, 10_000, 1))  # a clock that moves one second per reading: over budget at once
    monkeypatch.setattr(redactor, "timer", lambda: float(next(ticks)))
    monkeypatch.setattr(redactor, "budget_ms", 1_500)
    with pytest.raises(RedactionIncomplete) as refused:
        redactor.redact(_msg(HOSTILE))
    assert refused.value.code == "redaction_over_budget"
    assert set(REDACTION_CODES) >= {refused.value.code, "redaction_incomplete", "redaction_failed"}


def test_budget_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.setenv("TRIAGE_REDACTION_BUDGET_MS", "2500")
    monkeypatch.setenv("TRIAGE_REDACTION_MAX_CHARS", "50000")
    settings = Settings()
    assert settings.redaction_budget_ms == 2500 and settings.redaction_max_chars == 50_000
    monkeypatch.setenv("TRIAGE_REDACTION_MAX_CHARS", "200000")  # over what is analysed whole
    with pytest.raises(ValueError):
        Settings()


def _eml(subject: str, body: str, n: int) -> RawInput:
    data = (
        f"From: Luis Ortega <ops@carrier.example>\nTo: x@shipper.example\nSubject: {subject}\n"
        f"Message-ID: <m{n}@carrier.example>\nDate: Mon, 02 Mar 2026 10:14:00 +0100\n\n{body}"
    ).encode()
    return RawInput(f"inbox/m{n}.eml", data, "email")


def test_in_the_pipeline_the_case_is_quarantined_not_queued_and_the_counts_add_up(
    redactor: PresidioRedactor, with_recognizer: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    settings: Settings, caplog: pytest.LogCaptureFixture,
) -> None:
    with_recognizer(_catastrophic(redactor))
    monkeypatch.setattr(redactor, "budget_ms", 3_000)
    clock = FakeClock()
    with open_harness(tmp_path / "h", clock) as h:
        h.deps.redactor = redactor
        h.deps.events = metrics = Metrics()
        store = h.store
        service = IngestService(store, clock, settings)
        inputs = [
            _eml("Breakdown BOL 8812-3390", "Truck 4471 broke down near Kalamazoo.", 1),
            _eml("Delay BOL 8812-3391", HOSTILE, 2),
            _eml("Customs hold BOL 8812-3392", "Held at customs, duties unpaid.", 3),
        ]
        counts = service.ingest(inputs)
        assert counts.as_json() == {"received": 3, "cases": 3, "duplicates": 0, "quarantined": 0}
        with caplog.at_level(logging.INFO):
            reached = [h.runner.start(case_id) is not None for case_id in counts.new_case_ids]
        assert reached == [True, False, True]  # the other messages of the batch go on to review
        hostile = counts.new_case_ids[1]
        counts.settle_redaction_refusals(store.quarantined_cases(counts.new_case_ids))
        assert counts.as_json() == {"received": 3, "cases": 2, "duplicates": 0, "quarantined": 1}
        scraped = {
            s.labels["reason"]: s.value
            for family in text_string_to_metric_families(generate_latest(metrics.registry).decode())
            for s in family.samples
            if s.name == "triage_messages_quarantined_total"
        }
        assert scraped == {"redaction_incomplete": 1.0}  # the refusal counts for the operators

        case = store.get_case(hostile)
        assert case is not None and case["status"] == "quarantined" and case["status"] not in REVIEW_STATUSES
        assert case["body"] is None and case["redacted"] is None and case["proposal"] is None
        assert hostile not in store.case_ids(REVIEW_STATUSES)
        (item,) = store.list_quarantine()
        assert item.reason == "redaction_incomplete" and item.case_id == hostile
        assert "pattern 'forced/exponential' timed out" in item.detail and "inbox/m2.eml" in item.detail
        _, payload = store.quarantined_payload(item.id)
        assert payload == b""  # the raw text stays in the raw store only, under its retention
        totals = store.counts()
        assert totals["received"] == totals["cases"] + totals["duplicates"] + totals["quarantined"] == 3
        assert totals["quarantined"] == 1 and totals["status.quarantined"] == 1
        assert h.runner.start(hostile) is None and h.reasoner.calls == 2  # nothing downstream saw it
        assert not any(SECRET in r.getMessage() or "4471" in r.getMessage() for r in caplog.records)

        # the same message delivered again is a duplicate of the quarantined case: no second budget spent
        again = service.ingest([_eml("Delay BOL 8812-3391", HOSTILE, 2)])
        assert again.duplicates == 1 and again.cases == 0

        # after the fix (here: the pattern removed), a retry triages the same case to review
        redactor.analyzer.registry.remove_recognizer("forced")
        retried = service.reprocess(item.id)
        assert retried.new_case_ids == [hostile]
        assert h.runner.start(hostile) is not None
        assert store.case_status(hostile) == "awaiting_review"
        after = store.counts()
        assert after["received"] == after["cases"] + after["duplicates"] + after["quarantined"]
        assert after["quarantined"] == 0 and after["cases"] == 3
        redactor.analyzer.registry.add_recognizer(_catastrophic(redactor))  # the fixture removes it
