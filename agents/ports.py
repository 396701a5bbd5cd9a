"""Ports: what the graph's nodes need from the outside world. Adapters in `tools/` implement them;
tests use real adapters or hand-written fakes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from agents.state import (
    Classification,
    ErpContext,
    InboundMessage,
    Proposal,
    RedactedMessage,
    Reference,
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


class Embedder(Protocol):
    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


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
    def lookup(self, references: Sequence[Reference]) -> ErpContext:
        """Read-only shipment context (transfer, order, customer, tier) for the references."""
        ...
