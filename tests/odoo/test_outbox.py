"""The outbox repository: idempotent enqueue, atomic claims, leases, the case mirror, follow-ups."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, make_url, select, text, update

from agents.action_queue import ActionQueue
from agents.review_service import ReviewService
from tests.odoo.conftest import TRACKING, activity_action, add_case, dispatch_case, proposal, ticket_action
from tests.support.clock import FakeClock
from tools.store import outbox
from tools.store import schema as t
from tools.store.db import make_engine, migrate

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the outbox takes its time from the caller, never the machine


def case_row(engine: Engine, case_id: str) -> dict[str, object]:
    with engine.connect() as conn:
        row = conn.execute(select(t.cases).where(t.cases.c.id == case_id)).mappings().one()
    return dict(row)


def test_enqueue_is_idempotent(engine: Engine) -> None:
    add_case(engine, "c1", [TRACKING])
    first = outbox.enqueue(engine, dispatch_case("c1"), proposal(ticket_action(), activity_action()), now=NOW)
    again = outbox.enqueue(engine, dispatch_case("c1"), proposal(ticket_action(), activity_action()), now=NOW)
    assert first == again and len(first) == 2
    rows = outbox.rows_for_case(engine, "c1")
    assert [r.kind for r in rows] == ["ticket", "activity"]
    assert all(r.status == "pending" and r.attempts == 0 for r in rows)
    assert case_row(engine, "c1")["dispatch_status"] == "pending"


def test_claims_never_overlap_between_concurrent_workers(engine: Engine) -> None:
    for i in range(40):
        add_case(engine, f"k{i}")
        outbox.enqueue(engine, dispatch_case(f"k{i}", refs=[]), proposal(ticket_action(), activity_action()), now=NOW)
    claimed: dict[str, list[str]] = {}
    lock = threading.Lock()

    def work(name: str) -> None:
        mine: list[str] = []
        while True:
            # a second later: every row, the activities queued a microsecond after their tickets too
            rows = outbox.claim(engine, name, timedelta(minutes=5), limit=3, now=NOW + timedelta(seconds=1))
            if not rows:
                break
            mine += [r.id for r in rows]
        with lock:
            claimed[name] = mine

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    every = [rid for ids in claimed.values() for rid in ids]
    assert len(every) == 80 and len(set(every)) == 80
    assert outbox.counts(engine)["sending"] == 80


def test_expired_lease_is_reclaimed_and_the_old_worker_is_fenced(engine: Engine) -> None:
    add_case(engine, "c2")
    outbox.enqueue(engine, dispatch_case("c2", refs=[]), proposal(ticket_action()), now=NOW)
    now = NOW
    [row] = outbox.claim(engine, "crashed", timedelta(seconds=30), now=now)
    assert outbox.claim(engine, "other", timedelta(seconds=30), now=now + timedelta(seconds=10)) == []
    [again] = outbox.claim(engine, "other", timedelta(seconds=30), now=now + timedelta(seconds=31))
    assert again.id == row.id and again.attempts == 2 and again.claimed_by == "other"
    assert not outbox.renew(engine, row.id, "crashed", timedelta(seconds=30), now=NOW)
    assert not outbox.mark_sent(engine, row.id, "crashed", "helpdesk.ticket", 1, now=NOW)
    assert outbox.mark_sent(engine, row.id, "other", "helpdesk.ticket", 1, now=NOW)
    assert outbox.is_product_record(engine, "helpdesk.ticket", 1)
    assert not outbox.is_product_record(engine, "helpdesk.ticket", 2)


def test_case_mirrors_its_rows_and_requeue(engine: Engine) -> None:
    add_case(engine, "c3")
    ids = outbox.enqueue(engine, dispatch_case("c3", refs=[]), proposal(ticket_action(), activity_action()), now=NOW)
    [ticket] = outbox.claim(engine, "w", timedelta(minutes=1), now=NOW)
    outbox.mark_retry(engine, ticket.id, "w", "[timeout] Odoo did not answer", NOW - timedelta(seconds=1), now=NOW)
    case = case_row(engine, "c3")
    assert case["dispatch_status"] == "retrying" and case["dispatch_error"] == "[timeout] Odoo did not answer"
    assert case["status"] == "approved"
    [ticket] = outbox.claim(engine, "w", timedelta(minutes=1), now=NOW)
    outbox.mark_needs_person(engine, ticket.id, "w", "[access_denied] give the user Helpdesk rights", now=NOW)
    with engine.begin() as conn:  # the activity was waiting for the ticket
        conn.execute(update(t.outbox).where(t.outbox.c.id == ids[1]).values(next_attempt_at=NOW + timedelta(hours=1)))
    case = case_row(engine, "c3")
    assert case["status"] == "dispatch_failed" and case["dispatch_status"] == "needs_person"
    assert "Helpdesk rights" in str(case["dispatch_error"])
    assert outbox.requeue(engine, case_id="c3", now=NOW) == 1
    rows = outbox.rows_for_case(engine, "c3")
    assert [r.status for r in rows] == ["pending", "pending"] and rows[0].attempts == 0
    assert all(r.next_attempt_at <= NOW for r in rows)  # the waiting activity is due again
    assert case_row(engine, "c3")["status"] == "approved"
    for row in outbox.claim(engine, "w", timedelta(minutes=1), limit=5, now=NOW):
        outbox.mark_sent(engine, row.id, "w", "helpdesk.ticket", 7, now=NOW)
    case = case_row(engine, "c3")
    assert case["status"] == "dispatched" and case["dispatch_status"] == "sent" and case["dispatch_error"] is None


def test_follow_up_about_an_open_case_becomes_a_note(engine: Engine) -> None:
    add_case(engine, "first", [TRACKING])
    outbox.enqueue(engine, dispatch_case("first"), proposal(ticket_action()), now=NOW)
    add_case(engine, "second", [TRACKING])
    outbox.enqueue(engine, dispatch_case("second"), proposal(ticket_action(), activity_action()), now=NOW)
    rows = outbox.rows_for_case(engine, "second")
    assert [(r.kind, r.parent_key) for r in rows] == [("note", "first:ticket"), ("activity", "first:ticket")]
    # once the first case is closed, the same shipment opens a new ticket
    with engine.begin() as conn:
        conn.execute(update(t.cases).where(t.cases.c.id == "first").values(status="closed"))
    add_case(engine, "third", [TRACKING])
    outbox.enqueue(engine, dispatch_case("third"), proposal(ticket_action()), now=NOW)
    assert [r.kind for r in outbox.rows_for_case(engine, "third")] == ["ticket"]


def test_action_queue_builds_the_case_from_the_store(engine: Engine) -> None:
    add_case(engine, "c5", [TRACKING])
    with engine.begin() as conn:
        conn.execute(
            update(t.cases)
            .where(t.cases.c.id == "c5")
            .values(
                subject="Delay <PERSON_1>",
                body="Truck stuck",
                erp={"customer": {"id": 7}},
                classification={"evidence": "stuck at hub"},
            )
        )
    clock = FakeClock()
    queue = ActionQueue(engine, clock, ReviewService(engine, clock), "http://ui.example/")
    ids = queue.enqueue("c5", proposal(ticket_action()), "alice", "customer_service")
    [row] = outbox.rows_for_case(engine, "c5")
    assert ids == [row.id]
    p = row.payload
    assert p["partner_id"] == 7 and "stuck at hub" in p["description"] and "Delay &lt;PERSON_1&gt;" in p["description"]
    assert 'href="http://ui.example/case?id=c5"' in p["description"]


# ---------------------------------------------------------------------- PostgreSQL (FOR UPDATE SKIP LOCKED)

PG_ADMIN = os.environ.get("TRIAGE_TEST_PG_ADMIN", "postgresql+psycopg://postgres@/postgres?host=/var/run/postgresql")


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    name = f"triage_outbox_{uuid.uuid4().hex[:8]}"
    try:
        admin = make_engine(PG_ADMIN).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server here
        pytest.skip(f"PostgreSQL not available: {type(exc).__name__}")
    engine = make_engine(make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False))
    migrate(engine)
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))


@pytest.mark.postgres
def test_postgres_claims_skip_locked_rows(pg_engine: Engine) -> None:
    for i in range(30):
        add_case(pg_engine, f"p{i}")
        outbox.enqueue(
            pg_engine, dispatch_case(f"p{i}", refs=[]), proposal(ticket_action(), activity_action()), now=NOW
        )
    compiled = str(select(t.outbox.c.id).with_for_update(skip_locked=True).compile(dialect=pg_engine.dialect))
    assert "FOR UPDATE SKIP LOCKED" in compiled
    seen: list[str] = []
    lock = threading.Lock()

    def work(name: str) -> None:
        # Under contention a claim can come back empty while rows are still due (a row another worker
        # claimed between this one's snapshot and its lock is re-checked and dropped), so a worker
        # stops when nothing is due any more, as the dispatcher's loop does, not at its first empty claim.
        while outbox.counts(pg_engine)[outbox.PENDING]:
            rows = outbox.claim(pg_engine, name, timedelta(minutes=5), limit=2, now=NOW + timedelta(seconds=1))
            with lock:
                seen.extend(r.id for r in rows)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(seen) == 60 and len(set(seen)) == 60
