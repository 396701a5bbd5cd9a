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


class Redactor(Protocol):
    def redact(self, message: InboundMessage) -> RedactedMessage:
        """Replace PII by typed placeholders, consistent within the message; keep references intact."""
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
