"""Hand-written fakes at the ports (no patching of library internals)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from agents.state import (
    Classification,
    ErpContext,
    InboundMessage,
    Proposal,
    RedactedMessage,
    Reference,
    SimilarCase,
)

_NAME = re.compile(r"\b(Luis Ortega|Maria Keller|Tomasz Nowak)\b")
_PHONE = re.compile(r"\+?\d[\d\- ]{8,}\d")


class FakeRedactor:
    """Replaces a fixed set of names and phone-like digit runs; counts calls."""

    def __init__(self) -> None:
        self.calls = 0

    def redact(self, message: InboundMessage) -> RedactedMessage:
        self.calls += 1

        def scrub(text: str) -> str:
            return _PHONE.sub("<PHONE_NUMBER_1>", _NAME.sub("<PERSON_1>", text))

        return RedactedMessage(
            channel=message.channel,
            sender_domain=(message.sender or "").split("@")[-1] or None,
            subject=scrub(message.subject or "") or None,
            body=scrub(message.body),
            structured=message.structured,
            context=message.context,
        )


class FakeMemory:
    def __init__(self) -> None:
        self.remembered: dict[str, tuple[str, Proposal]] = {}

    def similar(self, text: str, k: int = 5) -> list[SimilarCase]:
        return [SimilarCase(case_id="seed-1", score=0.7, reason="equipment_failure", excerpt="truck broke down")][:k]

    def remember(self, case_id: str, text: str, approved: Proposal, resolution: str | None = None) -> None:
        self.remembered[case_id] = (text, approved)


class KeywordReasoner:
    """Deterministic stand-in for a model: a few keywords, counts calls."""

    name = "local"
    RULES = (("broke down", "equipment_failure"), ("customs", "customs_hold"), ("damaged", "damaged"),
             ("delivered", "no_exception"))

    def __init__(self) -> None:
        self.calls = 0

    def classify(self, message: RedactedMessage, references: Sequence[Reference],
                 similar: Sequence[SimilarCase]) -> Classification:
        self.calls += 1
        text = message.text_for_models().lower()
        for word, reason in self.RULES:
            if word in text:
                return Classification(reason=reason, confidence=0.9, evidence=word)  # type: ignore[arg-type]
        return Classification(reason=None, confidence=0.2, abstained=True)


class FakeErp:
    def __init__(self, context: ErpContext | None = None) -> None:
        self.context = context or ErpContext(source="none")

    def lookup(
        self, references: Sequence[Reference], sender_domain: str | None = None, text: str = ""
    ) -> ErpContext:
        return self.context
