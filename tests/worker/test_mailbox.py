"""The mailbox reader against a real IMAP server (Dovecot on localhost) and the real store: each
message becomes exactly one case (or quarantine entry), is marked processed only after that is
committed, and a crash between the two neither loses nor duplicates it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from imap_tools import MailBoxUnencrypted

from agents.ingest_service import IngestService
from agents.settings import Settings
from agents.worker.mailbox import Mailbox, MailboxReader
from tests.support.clock import FakeClock
from tests.support.dovecot import ImapServer
from tools.ingest.imap_source import PROCESSED_KEYWORD, ImapConfig, open_imap
from tools.store.cases import CaseStore
from tools.store.db import make_engine, migrate
from tools.store.mailbox_seen import MailboxSeen


def email(n: int, message_id: str | None = None, body: str | None = None) -> bytes:
    mid = message_id or f"<carrier-{n}@mail.example>"
    text = body if body is not None else f"Truck broke down near Lyon, PRO 0412-55{n:04d} delayed by a day.\r\n"
    return (
        f"From: Dispatch <dispatch@carrier.example>\r\nTo: ops@shipper.example\r\n"
        f"Subject: Delay PRO 0412-55{n:04d}\r\nMessage-ID: {mid}\r\nDate: Mon, 2 Mar 2026 09:{n % 60:02d}:00 +0000\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{text}"
    ).encode()


def deliver(server: ImapServer, *messages: bytes) -> None:
    with MailBoxUnencrypted("127.0.0.1", server.port) as box:
        box.login(server.user, server.password)
        for data in messages:
            box.append(data, "INBOX")


def server_state(server: ImapServer, folder: str = "INBOX") -> tuple[list[str], list[str]]:
    """(all UIDs, UIDs not yet processed) in `folder`."""
    with MailBoxUnencrypted("127.0.0.1", server.port) as box:
        box.login(server.user, server.password, initial_folder=folder)
        return box.uids("ALL"), box.uids(f"UNKEYWORD {PROCESSED_KEYWORD}")


class Crash(Exception):
    """Stands in for the process dying at that point."""


@pytest.fixture
def parts(home: Path, settings: Settings, clock: FakeClock) -> tuple[CaseStore, IngestService, MailboxSeen]:
    engine = make_engine(settings.store_url)
    migrate(engine)
    store = CaseStore(engine)
    return store, IngestService(store, clock, settings), MailboxSeen(engine)


def reader(
    server: ImapServer,
    parts: tuple[CaseStore, IngestService, MailboxSeen],
    clock: FakeClock,
    on_committed: Callable[[str], None] | None = None,
    wrap: Callable[[Mailbox], Mailbox] | None = None,
    processed_folder: str | None = None,
) -> MailboxReader:
    config = ImapConfig.from_url(server.url, server.user, server.password, processed_folder=processed_folder)

    @contextmanager
    def open_box() -> Iterator[Mailbox]:
        with open_imap(config) as box:
            yield wrap(box) if wrap else box

    _store, ingest, seen = parts
    return MailboxReader(open_box, ingest, seen, clock, on_committed=on_committed)


def test_each_message_becomes_one_case_or_quarantine_entry_and_is_fetched_once(
    imap_server: ImapServer, parts: tuple[CaseStore, IngestService, MailboxSeen], clock: FakeClock
) -> None:
    store, _ingest, seen = parts
    empty = b"From: x@carrier.example\r\nMessage-ID: <empty@carrier.example>\r\n\r\n"
    deliver(imap_server, email(1), email(2), empty, email(3, message_id="<carrier-1@mail.example>"))
    first = reader(imap_server, parts, clock).poll()
    assert (first.fetched, first.cases, first.duplicates, first.quarantined) == (4, 2, 1, 1)
    counts = store.counts()
    assert counts["received"] == counts["cases"] + counts["duplicates"] + counts["quarantined"] == 4
    assert counts["cases"] == 2 and counts["status.received"] == 2  # waiting for a worker
    assert len(store.list_quarantine()) == 1
    all_uids, pending = server_state(imap_server)
    assert len(all_uids) == 4 and pending == []  # every one marked processed, none deleted
    again = reader(imap_server, parts, clock).poll()
    assert again.fetched == 0 and store.counts()["received"] == 4 and seen.count() == 4


def test_a_crash_after_the_commit_and_before_the_flag_loses_and_duplicates_nothing(
    imap_server: ImapServer, parts: tuple[CaseStore, IngestService, MailboxSeen], clock: FakeClock
) -> None:
    store, _ingest, _seen = parts
    deliver(imap_server, email(1), email(2))

    def die_after_first(uid: str) -> None:
        raise Crash(uid)

    with pytest.raises(Crash):
        reader(imap_server, parts, clock, on_committed=die_after_first).poll()
    # the case is committed, the message is not flagged: not lost
    assert store.counts()["cases"] == 1
    assert len(server_state(imap_server)[1]) == 2
    restarted = reader(imap_server, parts, clock).poll()
    # re-fetched, and the store's Message-ID dedupe makes it a duplicate, not a second case
    assert (restarted.fetched, restarted.cases, restarted.duplicates) == (2, 1, 1)
    counts = store.counts()
    assert counts["cases"] == 2 and counts["duplicates"] == 1
    assert counts["received"] == counts["cases"] + counts["duplicates"] + counts["quarantined"]
    assert server_state(imap_server)[1] == []


def test_a_crash_after_recording_and_before_the_flag_only_flags_it_next_time(
    imap_server: ImapServer, parts: tuple[CaseStore, IngestService, MailboxSeen], clock: FakeClock
) -> None:
    store, _ingest, _seen = parts
    deliver(imap_server, email(7))

    class FlagDies:
        def __init__(self, box: Mailbox) -> None:
            self.box, self.name = box, box.name

        def __getattr__(self, name: str) -> object:
            return getattr(self.box, name)

        def mark_processed(self, uid: str) -> None:
            raise Crash(uid)

    with pytest.raises(Crash):
        reader(imap_server, parts, clock, wrap=FlagDies).poll()  # type: ignore[arg-type]
    assert len(server_state(imap_server)[1]) == 1
    report = reader(imap_server, parts, clock).poll()
    assert (report.fetched, report.already_stored) == (0, 1)
    assert store.counts()["received"] == 1 and store.counts()["cases"] == 1
    assert server_state(imap_server)[1] == []


def test_processed_messages_can_be_moved_to_a_folder(
    imap_server: ImapServer, parts: tuple[CaseStore, IngestService, MailboxSeen], clock: FakeClock
) -> None:
    store, _ingest, _seen = parts
    deliver(imap_server, email(1), email(2))
    report = reader(imap_server, parts, clock, processed_folder="Processed").poll()
    assert report.cases == 2
    assert server_state(imap_server)[0] == []
    assert len(server_state(imap_server, "Processed")[0]) == 2
    assert store.counts()["cases"] == 2


def test_the_mailbox_command_reads_its_settings_from_the_environment(
    imap_server: ImapServer, home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from agents.cli import main

    deliver(imap_server, email(1), email(2))
    for key, value in imap_server.env().items():
        monkeypatch.setenv(key, value)
    assert main(["mailbox", "--once"]) == 0
    assert "cases 2" in capsys.readouterr().out
    assert main(["mailbox", "--once"]) == 0
    assert "fetched 0" in capsys.readouterr().out
