"""The case store on both SQLite and PostgreSQL: migrations, raw kept apart, dedupe keys, quarantine, retention."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect, select

from agents.state import InboundMessage, RedactedMessage
from tests.support.clock import FakeClock
from tools.store import schema as t
from tools.store.cases import CaseStore, content_fingerprint
from tools.store.db import migrate


def message(**kw: object) -> InboundMessage:
    base: dict[str, object] = {
        "channel": "email",
        "source": "inbox/a.eml",
        "message_id": "<a@carrier.example>",
        "sender": "ops@carrier.example",
        "subject": "Breakdown BOL 8812-3390",
        "body": "Truck broke down near Lyon. Driver Luis Ortega 269-555-0176.",
    }
    base.update(kw)
    return InboundMessage.model_validate(base)


def test_migrations_create_every_table_and_are_idempotent(engine) -> None:
    migrate(engine)  # second run is a no-op
    names = set(inspect(engine).get_table_names())
    assert {"raw_messages", "cases", "duplicates", "quarantine", "outbox", "audit_log", "approvals"} <= names
    assert "alembic_version" in names


def test_raw_text_stays_in_raw_table_and_case_holds_only_redacted(store: CaseStore, clock: FakeClock) -> None:
    msg = message()
    case_id, raw_id = store.add_message(msg, content_fingerprint(msg), clock.now(), timedelta(days=30)) or ("", "")
    redacted = RedactedMessage(
        channel="email",
        sender_domain="carrier.example",
        subject=msg.subject,
        body="Truck broke down near Lyon. Driver <PERSON_1> <PHONE_NUMBER_1>.",
    )
    store.save_triage(case_id, clock.now(), redacted, status="redacted")
    case = store.get_case(case_id)
    assert case is not None and case["status"] == "redacted"
    assert "Luis" not in str(case) and "269-555-0176" not in str(case)
    assert store.load_raw(raw_id).body == msg.body


def test_same_message_id_is_a_duplicate(store: CaseStore, clock: FakeClock) -> None:
    first = message()
    store.add_message(first, content_fingerprint(first), clock.now(), timedelta(days=30))
    again = message(source="inbox/copy.eml", body="different text but same id")
    match = store.find_duplicate(again, content_fingerprint(again), timedelta(hours=72))
    assert match is not None and match.matched_by == "message_id"
    # a concurrent writer that skipped the check still cannot store the same Message-ID twice
    assert store.add_message(again, content_fingerprint(again), clock.now(), timedelta(days=30)) is None


def test_same_content_same_sender_within_window_is_a_duplicate(store: CaseStore, clock: FakeClock) -> None:
    first = message(message_id=None, received_at=clock.now())
    store.add_message(first, content_fingerprint(first), clock.now(), timedelta(days=30))
    window = timedelta(hours=72)
    soon = message(message_id=None, received_at=clock.now() + timedelta(hours=5), body=first.body.upper() + "  ")
    assert store.find_duplicate(soon, content_fingerprint(soon), window) is not None
    late = message(message_id=None, received_at=clock.now() + timedelta(days=5))
    assert store.find_duplicate(late, content_fingerprint(late), window) is None
    other_sender = message(message_id=None, sender="someone@else.example", received_at=clock.now())
    assert store.find_duplicate(other_sender, content_fingerprint(other_sender), window) is None


def test_quarantine_keeps_bytes_and_reason(store: CaseStore, clock: FakeClock) -> None:
    qid = store.quarantine(
        "inbox/broken.json", "portal", "not_json", "inbox/broken.json: line 1 ...", b"{oops", clock.now()
    )
    item, payload = store.quarantined_payload(qid)
    assert payload == b"{oops" and item.reason == "not_json" and item.status == "open"
    assert [i.id for i in store.list_quarantine()] == [qid]
    store.resolve_quarantine(qid, "reprocessed", None, clock.now())
    assert store.list_quarantine() == []
    with pytest.raises(KeyError, match="no quarantined input"):
        store.quarantined_payload("q-missing")


def test_retention_purges_raw_text_but_keeps_the_case(store: CaseStore, clock: FakeClock) -> None:
    msg = message()
    case_id, raw_id = store.add_message(msg, content_fingerprint(msg), clock.now(), timedelta(days=30)) or ("", "")
    assert store.purge_raw(clock.now() + timedelta(days=29)) == 0
    assert store.purge_raw(clock.now() + timedelta(days=31)) == 1
    with pytest.raises(LookupError, match="purged"):
        store.load_raw(raw_id)
    with store.engine.connect() as conn:
        body = conn.execute(select(t.raw_messages.c.body).where(t.raw_messages.c.id == raw_id)).scalar()
    assert body == "" and store.get_case(case_id) is not None


def test_migrations_match_the_schema_module(engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": t.include_name})
        diffs = compare_metadata(context, t.metadata)
    assert diffs == []
