"""The two value types of the ingestion API: what goes into a parser and what comes out."""

from __future__ import annotations

from dataclasses import dataclass

from agents.state import Channel, InboundMessage
from tools.ingest.errors import IngestError


@dataclass(frozen=True)
class RawInput:
    """Bytes as received, before any parsing. `source` names where they came from for a person."""

    source: str  # "data/inbox/email/a.eml", "stdin", "api:<client>"
    data: bytes
    channel_hint: Channel | None  # None: decided from the file type, or sniffed from the bytes


@dataclass(frozen=True)
class ParseOutcome:
    """One parsed item: exactly one of `message` and `error` is set.

    `data` is this item's own bytes (one mbox message, one JSON Lines line ...), so a quarantined
    item can be fixed and replayed alone.
    """

    source: str
    data: bytes
    message: InboundMessage | None
    error: IngestError | None

    def __post_init__(self) -> None:
        if (self.message is None) == (self.error is None):
            raise ValueError("ParseOutcome needs exactly one of message and error")
