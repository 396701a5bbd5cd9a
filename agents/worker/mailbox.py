"""The mailbox reader: each new IMAP message becomes an e-mail input of the ingest service, exactly
once, and is marked processed on the server only after its case (or duplicate or quarantine entry) is
committed.

Per message, in this order: fetch by UID (unless `mailbox_seen` already has it); ingest through the
same service as files (`parse_input`, dedupe, quarantine, counts); record it in `mailbox_seen`; flag
or move it on the server. A crash after the ingest and before the record re-fetches the message on
the next poll, and the store's Message-ID dedupe makes it a duplicate, not a second case; a crash
after the record only re-flags it. Nothing is ever lost: a message stays unflagged until it is stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from typing import Protocol

from agents.ingest_service import IngestCounts, IngestService
from agents.metrics import Metrics
from agents.ports import Clock
from tools.ingest import RawInput
from tools.store.mailbox_seen import MailboxSeen

log = logging.getLogger(__name__)


class Mailbox(Protocol):
    name: str

    def uidvalidity(self) -> str: ...

    def pending_uids(self) -> list[str]: ...

    def fetch(self, uid: str) -> bytes | None: ...

    def mark_processed(self, uid: str) -> None: ...


@dataclass
class MailboxReport:
    fetched: int = 0
    received: int = 0
    cases: int = 0
    duplicates: int = 0
    quarantined: int = 0
    already_stored: int = 0  # recorded before a crash, only flagged now

    def add(self, other: MailboxReport) -> None:
        for key in self.__dataclass_fields__:
            setattr(self, key, getattr(self, key) + getattr(other, key))

    def line(self) -> str:
        return (
            f"mailbox: fetched {self.fetched}, cases {self.cases}, duplicates {self.duplicates}, "
            f"quarantined {self.quarantined}, already stored {self.already_stored}"
        )


def _message_id(data: bytes) -> str | None:
    try:
        value = BytesHeaderParser().parsebytes(data).get("Message-ID")
    except Exception:  # unparseable headers: the parser quarantines it, the UID still identifies it
        return None
    return str(value).strip() if value else None


class MailboxReader:
    def __init__(
        self,
        open_mailbox: Callable[[], AbstractContextManager[Mailbox]],
        ingest: IngestService,
        seen: MailboxSeen,
        clock: Clock,
        metrics: Metrics | None = None,
        on_committed: Callable[[str], None] | None = None,  # fault injection for tests: after the ingest commit
        max_per_poll: int = 500,
    ) -> None:
        self.open_mailbox = open_mailbox
        self.ingest = ingest
        self.seen = seen
        self.clock = clock
        self.metrics = metrics
        self.on_committed = on_committed
        self.max_per_poll = max_per_poll
        self.total = MailboxReport()

    def poll(self) -> MailboxReport:
        report = MailboxReport()
        with self.open_mailbox() as box:
            validity = box.uidvalidity()
            for uid in box.pending_uids()[: self.max_per_poll]:
                self._one(box, validity, uid, report)
        self.total.add(report)
        if report.fetched or report.already_stored:
            log.info("%s", report.line())
        return report

    def _one(self, box: Mailbox, validity: str, uid: str, report: MailboxReport) -> None:
        if self.seen.seen(box.name, validity, uid):
            box.mark_processed(uid)
            report.already_stored += 1
            return
        data = box.fetch(uid)
        if data is None:
            return  # expunged meanwhile by someone else
        report.fetched += 1
        source = f"imap:{box.name}/{validity}/{uid}"
        counts = self.ingest.ingest([RawInput(source=source, data=data, channel_hint="email")])
        self._count(counts, report)
        if self.on_committed is not None:
            self.on_committed(uid)
        outcome, ref = _outcome(counts)
        self.seen.record(box.name, validity, uid, _message_id(data), outcome, ref, self.clock.now())
        box.mark_processed(uid)

    def _count(self, counts: IngestCounts, report: MailboxReport) -> None:
        report.received += counts.received
        report.cases += counts.cases
        report.duplicates += counts.duplicates
        report.quarantined += counts.quarantined
        if self.metrics is not None:
            self.metrics.messages_received.labels(channel="email", integration="mailbox").inc(counts.received)


def _outcome(counts: IngestCounts) -> tuple[str, str | None]:
    if counts.new_case_ids:
        return "case", counts.new_case_ids[0]
    if counts.quarantine_ids:
        return "quarantined", counts.quarantine_ids[0]
    return "duplicate", None
