"""Ports: what the graph's nodes need from the outside world. Adapters in `tools/` implement them;
tests use real adapters or hand-written fakes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

import numpy as np

from agents.state import (
    AcceptDecision,
    Classification,
    DraftFacts,
    EditDecision,
    ErpContext,
    InboundMessage,
    ManipulationSpan,
    OpenCase,
    PolicyDecision,
    Priority,
    Proposal,
    ProposedAction,
    ReasonCode,
    RedactedMessage,
    Reference,
    RejectDecision,
    SimilarCase,
)


class Clock(Protocol):
    def now(self) -> datetime: ...


class RedactionIncomplete(Exception):
    """The redactor could not finish a message: it must not pass on, partly redacted (fail closed).

    `code` is the quarantine reason, one per failure kind (`REDACTION_CODES`); `pattern` names the
    recognizer or pattern that failed, if one did. Neither, nor `str()`, ever holds message text.
    """

    def __init__(self, code: str, detail: str, pattern: str | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.pattern = pattern


# Quarantine reasons of a message whose redaction did not complete, one per failure kind.
REDACTION_CODES = {
    "redaction_incomplete": "a recognizer pattern timed out: its PII would have been skipped",
    "redaction_failed": "a recognizer raised an error",
    "redaction_over_budget": "the message used up its redaction time budget",
    "redaction_too_large": "the message is longer than the analysable size",
}


class Redactor(Protocol):
    def redact(self, message: InboundMessage) -> RedactedMessage:
        """Replace PII by typed placeholders, consistent within the message; keep references intact.

        Raises `RedactionIncomplete` rather than return a message with any recognizer skipped."""
        ...


class LanguageDetector(Protocol):
    def detect(self, text: str) -> str | None:
        """The ISO 639-1 code of the text's language, or None when it cannot tell."""
        ...


class ManipulationDetector(Protocol):
    def scan(self, message: RedactedMessage) -> list[ManipulationSpan]:
        """Spans of the message that address the assistant or the system instead of reporting a shipment."""
        ...


class Embedder(Protocol):
    def embed_array(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised row per text (a dot product is the cosine similarity)."""
        ...


class CaseMemory(Protocol):
    def similar(self, text: str, k: int = 5) -> list[SimilarCase]: ...

    def remember(self, case_id: str, text: str, approved: Proposal, resolution: str | None = None) -> None:
        """Add (or replace) a reviewed case; redacted text only."""
        ...


class Reasoner(Protocol):
    name: str

    def classify(
        self, message: RedactedMessage, references: Sequence[Reference], similar: Sequence[SimilarCase]
    ) -> Classification: ...


class ErpReader(Protocol):
    def lookup(
        self, references: Sequence[Reference], sender_domain: str | None = None, text: str = ""
    ) -> ErpContext:
        """Read-only shipment context (transfer, order, customer, tier) for the references; when none
        finds the customer, the sender's domain or a company name in the redacted text may."""
        ...


class ReferenceExtractor(Protocol):
    def extract(self, message: RedactedMessage) -> list[Reference]:
        """Shipment, order and document references (and dates, places) with their spans."""
        ...


class Policy(Protocol):
    """The decision rules (policies/*.yaml), as the graph needs them."""

    def decide_case(
        self,
        reason: ReasonCode | None,
        abstained: bool,
        now: datetime,
        context: dict[str, Any],
        erp: ErpContext,
        redacted_text: str,
    ) -> PolicyDecision: ...

    def review_sla(self, priority: Priority) -> timedelta: ...

    def at7_codes(self, reason: ReasonCode | None) -> list[str]: ...

    def reason_label(self, reason: ReasonCode) -> str: ...

    def customer_draft(self, facts: DraftFacts) -> str: ...

    def once_per_shipment(self, action: ProposedAction) -> bool:
        """Is this action done once per shipment (policies/followups.yaml)?"""
        ...


class OpenCases(Protocol):
    """The case thread of a shipment: finds the still-open case a new message follows up on."""

    def open_case_about(self, case_id: str, references: Sequence[Reference]) -> OpenCase | None:
        """The still-open case (any channel) that shares a shipment reference with this one and came in
        before it, with what the shipment's open cases already hold; None when there is none."""
        ...

    def join_thread(self, parent_id: str, case_id: str, summary: str, eta: str | None, now: datetime) -> None:
        """The follow-up joins the parent's thread: the parent's summary (and ETA, when given) are refreshed."""
        ...


class TriageStore(Protocol):
    """What the graph reads and writes in the case store."""

    def case_status(self, case_id: str) -> str | None: ...

    def get_case(self, case_id: str) -> dict[str, Any] | None: ...

    def load_raw(self, raw_id: str) -> InboundMessage:
        """The raw message (PII): only the redact step reads it."""
        ...

    def save_triage(self, case_id: str, now: datetime, redacted: RedactedMessage, **values: Any) -> None:
        """Write the triaged case row once, complete: the redacted message and what was understood."""
        ...

    def quarantine_case(self, case_id: str, reason: str, detail: str, now: datetime) -> str:
        """Take a case whose redaction was refused out of every queue, into quarantine; the entry's id."""
        ...


class DecisionRecorder(Protocol):
    def record_decision(
        self, case_id: str, proposal: Proposal, decision: AcceptDecision | EditDecision | RejectDecision
    ) -> Proposal | None:
        """Check the reviewer's rights, write the audit entry, return the approved proposal (None = rejected)."""
        ...


class ActionQueue(Protocol):
    def enqueue(self, case_id: str, approved: Proposal, decided_by: str, role: str) -> list[str]:
        """Queue the approved actions (outbox rows or supervisor approvals), idempotently; their ids."""
        ...


class TicketStates(Protocol):
    def open_tickets(self, ticket_ids: Sequence[int]) -> dict[int, bool]:
        """Read-only: ticket id -> True while its stage is not a closing one (tickets gone are left out)."""
        ...


class TriageEvents(Protocol):
    """What the graph reports as it goes, for the operators' metrics (`agents.metrics.Metrics` implements it)."""

    def quarantined(self, reason: str) -> None: ...


class NoEvents:
    """Reports nowhere: for graphs built without metrics (tests, one-off tools)."""

    def quarantined(self, reason: str) -> None:
        return None
