"""Ingestion service: parsed inputs become cases, duplicates or quarantine entries, and nothing else.

Invariant 5: every received item is counted exactly once, so received = cases + duplicates + quarantined.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from agents.ports import Clock
from agents.settings import Settings
from tools.ingest import ParseOutcome, RawInput, parse_input
from tools.ingest.errors import STORE_CONFLICT, UNSTORABLE, parser_crash
from tools.store.cases import CaseStore, content_fingerprint

log = logging.getLogger(__name__)


@dataclass
class IngestCounts:
    received: int = 0
    cases: int = 0
    duplicates: int = 0
    quarantined: int = 0
    new_case_ids: list[str] = field(default_factory=list)
    quarantine_ids: list[str] = field(default_factory=list)
    duplicate_of: list[str] = field(default_factory=list)  # the first case of each duplicate
    new_raw_ids: list[str] = field(default_factory=list)  # the raw message of each new case

    def as_json(self) -> dict[str, int]:
        return {
            "received": self.received,
            "cases": self.cases,
            "duplicates": self.duplicates,
            "quarantined": self.quarantined,
        }

    def settle_redaction_refusals(self, quarantined: dict[str, str]) -> None:
        """Cases of this ingest that the redactor then refused (case id -> quarantine id, from
        `CaseStore.quarantined_cases`) count as quarantined, as the store's ingest log now says."""
        for case_id, qid in quarantined.items():
            if case_id in self.new_case_ids:
                self.new_case_ids.remove(case_id)
                self.cases -= 1
                self.quarantined += 1
                self.quarantine_ids.append(qid)

    def add(self, other: IngestCounts) -> None:
        self.received += other.received
        self.cases += other.cases
        self.duplicates += other.duplicates
        self.quarantined += other.quarantined
        self.new_case_ids += other.new_case_ids
        self.quarantine_ids += other.quarantine_ids
        self.duplicate_of += other.duplicate_of
        self.new_raw_ids += other.new_raw_ids


class IngestService:
    def __init__(self, store: CaseStore, clock: Clock, settings: Settings) -> None:
        self.store = store
        self.clock = clock
        self.settings = settings

    def ingest(self, inputs: Iterable[RawInput], on_item: Callable[[str], None] | None = None) -> IngestCounts:
        counts = IngestCounts()
        for raw in inputs:
            for outcome in self.parse(raw):
                counts.add(self.accept(outcome))
            if on_item:
                on_item(raw.source)
        return counts

    def parse(self, raw: RawInput) -> list[ParseOutcome]:
        """One outcome per item of `raw`; a parser crash becomes that input's quarantine outcome."""
        try:
            return parse_input(raw, max_bytes=self.settings.max_input_bytes)
        except Exception as exc:  # a parser bug must not stop the pipeline or lose the input
            log.exception("parser failed on %s", raw.source)
            return [ParseOutcome(source=raw.source, data=raw.data, message=None, error=parser_crash(raw.source, exc))]

    def accept(self, outcome: ParseOutcome, integration: str | None = None) -> IngestCounts:
        """Route one parsed item; the single place where received/cases/duplicates/quarantined are counted.

        `integration` names the API integration that delivered it (recorded on a new case)."""
        now = self.clock.now()
        counts = IngestCounts(received=1)
        if outcome.message is None:
            err = outcome.error
            err = err or parser_crash(outcome.source, RuntimeError("no message and no error from the parser"))
            code, detail = err.code, err.detail
            qid = self.store.quarantine(outcome.source, None, code, detail, outcome.data, now)
            self.store.log_ingest(outcome.source, "quarantined", qid, now)
            log.info("quarantined %s: %s", outcome.source, code)
            counts.quarantined, counts.quarantine_ids = 1, [qid]
            return counts
        try:
            return self._store_message(outcome, counts, now, integration)
        except (UnicodeError, ValueError) as exc:  # text the database cannot hold: keep the bytes instead
            detail = f"{outcome.source}: the parsed text could not be stored ({type(exc).__name__}); kept for replay"
            qid = self.store.quarantine(
                outcome.source, outcome.message.channel, UNSTORABLE, detail, outcome.data, now
            )
            self.store.log_ingest(outcome.source, "quarantined", qid, now)
            return IngestCounts(received=1, quarantined=1, quarantine_ids=[qid])

    def _store_message(
        self, outcome: ParseOutcome, counts: IngestCounts, now: datetime, integration: str | None = None
    ) -> IngestCounts:
        message = outcome.message
        assert message is not None
        fingerprint = content_fingerprint(message)
        window = timedelta(hours=self.settings.dedupe_window_hours)
        retention = timedelta(days=self.settings.raw_retention_days)
        for _attempt in range(2):  # a lost Message-ID insert race is re-checked once as a duplicate
            match = self.store.find_duplicate(message, fingerprint, window)
            if match:
                self.store.add_duplicate(match, message, now, ingest_source=outcome.source)
                counts.duplicates, counts.duplicate_of = 1, [match.case_id]
                return counts
            stored = self.store.add_message(
                message, fingerprint, now, retention, ingest_source=outcome.source, integration=integration
            )
            if stored:
                case_id, raw_id = stored
                counts.cases, counts.new_case_ids, counts.new_raw_ids = 1, [case_id], [raw_id]
                return counts
        qid = self.store.quarantine(
            outcome.source,
            message.channel,
            STORE_CONFLICT,
            f"{outcome.source}: could not be stored",
            outcome.data,
            now,
        )
        self.store.log_ingest(outcome.source, "quarantined", qid, now)
        counts.quarantined, counts.quarantine_ids = 1, [qid]
        return counts

    def reprocess(self, quarantine_id: str, fixed: bytes | None = None) -> IngestCounts:
        """Re-run a quarantined input (optionally replaced by a fixed version) through the same path."""
        item, payload = self.store.quarantined_payload(quarantine_id)
        if item.status != "open":
            raise ValueError(f"quarantined input {quarantine_id} is already {item.status}")
        if item.case_id is not None:  # refused at redaction: the case and its raw message are stored
            if fixed is not None:
                raise ValueError(f"{quarantine_id} is a stored case refused at redaction; retry it without a file")
            reopened = self.store.reopen_quarantined_case(quarantine_id, self.clock.now())
            return IngestCounts(received=1, cases=1, new_case_ids=[reopened])
        source = item.source.split("#", 1)[0]
        # channel_hint None: the parser detects the channel from the file type, as on first delivery.
        raw = RawInput(source=source, data=fixed if fixed is not None else payload, channel_hint=None)
        counts = IngestCounts()
        for outcome in self.parse(raw):
            counts.add(self.accept(outcome))
        now = self.clock.now()
        if counts.quarantined == 0:
            case_id = counts.new_case_ids[0] if counts.new_case_ids else None
            self.store.resolve_quarantine(quarantine_id, "reprocessed", case_id, now)
        return counts
