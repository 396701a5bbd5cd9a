"""SLA reconciliation on SQLite and PostgreSQL with the fake clock: each rule breaches, escalates once,
and a second run changes nothing; an open Odoo ticket past its SLA gets one note and one activity
(sandbox over real HTTP)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from agents.metrics import Metrics
from agents.reconcile_service import ReconcileService
from policies.engine import PolicyBook
from policies.escalation import EscalationPolicy, load_escalation_policy
from tests.odoo.conftest import activity_action, approval_action, dispatch_case, proposal, target_for, ticket_action
from tests.ops.support import add_case, audit_events, case_row, claim_and_fail, sample_value
from tests.support.clock import FakeClock
from tools.odoo.allowlist import CreatedRecords
from tools.odoo.dispatcher import Backoff, Dispatcher
from tools.odoo.gateway import OdooGateway
from tools.odoo.sandbox import SandboxServer
from tools.odoo.tickets import OdooTicketStates
from tools.store import outbox
from tools.store import schema as t
from tools.store.escalations import EscalationStore

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def sandbox(tmp_path: Path) -> Any:
    with SandboxServer(tmp_path / "sandbox-home", "community", "17.0") as server:
        yield server


def service(engine: Engine, clock: FakeClock, metrics: Metrics | None = None, **kw: Any) -> ReconcileService:
    return ReconcileService(EscalationStore(engine), clock, PolicyBook.load().escalation, metrics=metrics, **kw)


def escalation_rows(engine: Engine) -> list[tuple[str, str, int]]:
    e = t.escalations.c
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(e.case_id, e.rule, e.seq).order_by(e.id))]


def test_the_policy_is_a_value_read_from_yaml() -> None:
    policy = load_escalation_policy()
    assert policy.rule_ids == ["review_overdue", "approval_waiting", "outbox_needs_person", "ticket_unresolved"]
    ticket = policy.by_kind("ticket_unresolved")[0]
    assert ticket.limit("P2") == timedelta(hours=24) and ticket.odoo_note and ticket.odoo_activity
    assert policy.by_kind("approval_waiting")[0].limit("P9") == timedelta(hours=8)  # the default
    with pytest.raises(ValueError, match="unknown kind"):
        EscalationPolicy.from_dict({"rules": [{"id": "x", "kind": "nope"}]})
    with pytest.raises(ValueError, match="unknown role"):
        EscalationPolicy.from_dict({"rules": [{"id": "x", "kind": "review_overdue", "role": "boss"}]})


def test_review_overdue_escalates_once_per_window(engine: Engine) -> None:
    clock = FakeClock(T0)
    add_case(engine, "c-late", status="awaiting_review", priority="P3", sla_due=T0 + timedelta(hours=2), now=T0)
    add_case(engine, "c-ok", status="awaiting_review", priority="P3", sla_due=T0 + timedelta(hours=24), now=T0)
    metrics = Metrics()
    svc = service(engine, clock, metrics)

    first = svc.run_once().rules["review_overdue"]
    assert first.as_json() == {"checked": 0, "escalated": 0, "already_escalated": 0, "errors": 0}

    clock.advance(hours=3)  # c-late is past its sla_due, c-ok is not
    report = svc.run_once()
    assert report.rules["review_overdue"].as_json() == {
        "checked": 1, "escalated": 1, "already_escalated": 0, "errors": 0,
    }
    late = case_row(engine, "c-late")
    assert late["escalation_rule"] == "review_overdue" and late["assigned_role"] == "supervisor"
    assert late["escalated_at"] is not None and late["status"] == "awaiting_review"
    assert case_row(engine, "c-ok")["escalated_at"] is None
    assert audit_events(engine, "c-late") == [("escalation", "escalated", "reconcile", "system")]
    assert sample_value(metrics, "triage_escalations_total", rule="review_overdue") == 1

    before = (escalation_rows(engine), case_row(engine, "c-late"), audit_events(engine, "c-late"))
    again = svc.run_once().rules["review_overdue"]
    assert again.as_json() == {"checked": 1, "escalated": 0, "already_escalated": 1, "errors": 0}
    assert (escalation_rows(engine), case_row(engine, "c-late"), audit_events(engine, "c-late")) == before
    assert sample_value(metrics, "triage_escalations_total", rule="review_overdue") == 1

    clock.advance(hours=24)  # the window has passed and the case still waits: it escalates again
    assert svc.run_once().rules["review_overdue"].escalated == 2  # c-ok breached meanwhile too
    assert [r for r in escalation_rows(engine) if r[0] == "c-late"] == [
        ("c-late", "review_overdue", 1),
        ("c-late", "review_overdue", 2),
    ]


def test_escalated_cases_come_first_in_the_queue(engine: Engine) -> None:
    from tools.store.queries import QueueFilters, queue_page

    clock = FakeClock(T0)
    add_case(engine, "c-p1", status="awaiting_review", priority="P1", sla_due=T0 + timedelta(hours=5), now=T0)
    add_case(engine, "c-p4", status="awaiting_review", priority="P4", sla_due=T0 + timedelta(hours=1), now=T0)
    assert [r.id for r in queue_page(engine, QueueFilters(), clock.now()).rows] == ["c-p1", "c-p4"]
    clock.advance(hours=2)
    service(engine, clock).run_once()
    assert [r.id for r in queue_page(engine, QueueFilters(), clock.now()).rows] == ["c-p4", "c-p1"]


def test_approval_waiting_past_its_limit(engine: Engine) -> None:
    from agents.review_service import ReviewService

    clock = FakeClock(T0)
    add_case(engine, "c-appr", status="approved", priority="P2", now=T0)
    approval_id = ReviewService(engine, clock).open_approval("c-appr", approval_action(), requested_by="cs.anna")
    svc = service(engine, clock)
    clock.advance(hours=3)  # P2 limit is 4 h
    assert svc.run_once().rules["approval_waiting"].as_json() == {
        "checked": 1, "escalated": 0, "already_escalated": 0, "errors": 0,
    }
    clock.advance(hours=2)
    assert svc.run_once().rules["approval_waiting"].escalated == 1
    row = case_row(engine, "c-appr")
    assert row["escalation_rule"] == "approval_waiting" and row["assigned_role"] == "admin"
    e = t.escalations.c
    with engine.connect() as conn:
        assert conn.execute(select(e.subject_id).where(e.case_id == "c-appr")).scalar_one() == approval_id
    assert svc.run_once().rules["approval_waiting"].as_json() == {
        "checked": 1, "escalated": 0, "already_escalated": 1, "errors": 0,
    }


def test_outbox_row_in_needs_person_past_its_limit(engine: Engine) -> None:
    clock = FakeClock(T0)
    add_case(engine, "c-obx", status="approved", priority="P3", now=clock.now())
    outbox.enqueue(engine, dispatch_case("c-obx"), proposal(ticket_action()), now=clock.now())
    claim_and_fail(engine, "[access_denied] give the user Helpdesk rights", clock.now())
    svc = service(engine, clock)
    assert svc.run_once().rules["outbox_needs_person"].as_json() == {
        "checked": 1, "escalated": 0, "already_escalated": 0, "errors": 0,
    }
    clock.advance(hours=3)  # limit 2 h
    assert svc.run_once().rules["outbox_needs_person"].escalated == 1
    assert case_row(engine, "c-obx")["assigned_role"] == "admin"
    counts = svc.run_once().rules["outbox_needs_person"]
    assert (counts.escalated, counts.already_escalated) == (0, 1)


def test_two_reconcilers_racing_record_one_escalation(engine: Engine) -> None:
    clock = FakeClock(T0 + timedelta(hours=5))
    add_case(engine, "c-race", status="awaiting_review", priority="P2", sla_due=T0, now=T0)
    store = EscalationStore(engine)
    first = store.record("c-race", "review_overdue", "supervisor", "late", timedelta(hours=24), clock.now(),
                         priority="P2", due_at=T0)
    # a second reconciler that computed the same sequence number before the first committed
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(t.escalations.insert().values(case_id="c-race", rule="review_overdue", seq=first,
                                                   role="supervisor", at=clock.now()))
    assert escalation_rows(engine) == [("c-race", "review_overdue", 1)]


def _dispatcher(engine: Engine, server: SandboxServer, clock: FakeClock) -> Dispatcher:
    target = target_for(server)

    def factory(created: CreatedRecords) -> OdooGateway:
        return OdooGateway(target, created=created)

    return Dispatcher(engine, factory, lease=timedelta(seconds=30), backoff=Backoff(base_s=0.05, cap_s=0.2),
                      parent_wait=timedelta(seconds=0.05), in_doubt=timedelta(seconds=0.3), rng=random.Random(1),
                      clock=clock, sleep=clock.sleep)


def _sandbox_records(server: SandboxServer, model: str, marker_field: str, text: str) -> list[dict[str, Any]]:
    assert server.app is not None
    return [r for r in server.app.emulator.state.all(model) if text in str(r.get(marker_field) or "")]


def test_open_ticket_past_its_sla_gets_one_note_and_one_activity(engine: Engine, sandbox: SandboxServer) -> None:
    clock = FakeClock(datetime.now(UTC))
    for case_id in ("c-open", "c-done"):
        add_case(engine, case_id, status="approved", priority="P2", now=clock.now())
        # no shared shipment reference: two tickets, not a ticket and a follow-up note
        outbox.enqueue(engine, dispatch_case(case_id, refs=[], priority="P2"), proposal(ticket_action()),
                       now=clock.now())
    assert _dispatcher(engine, sandbox, clock).run().sent == 2
    assert case_row(engine, "c-open")["status"] == "dispatched"
    rows = {r.case_id: r for r in outbox.all_rows(engine)}
    assert sandbox.app is not None
    state = sandbox.app.emulator.state
    done = dict(state.get("helpdesk.ticket", int(rows["c-done"].odoo_id or 0)) or {})
    state.put("helpdesk.ticket", {**done, "stage_id": 4})  # someone solved it in Odoo ("Done", closed)

    def tickets() -> OdooTicketStates:
        return OdooTicketStates(OdooGateway(target_for(sandbox), read_only=True))

    metrics = Metrics()
    svc = service(engine, clock, metrics, tickets=tickets, escalation_login="supervisor")
    clock.advance(hours=23)
    assert svc.run_once().rules["ticket_unresolved"].as_json() == {
        "checked": 2, "escalated": 0, "already_escalated": 0, "errors": 0,
    }
    clock.advance(hours=2)  # P2: 24 h to resolve
    report = svc.run_once()
    assert report.rules["ticket_unresolved"].as_json() == {
        "checked": 2, "escalated": 1, "already_escalated": 0, "errors": 0,
    }
    assert case_row(engine, "c-open")["escalation_rule"] == "ticket_unresolved"
    assert case_row(engine, "c-done")["escalated_at"] is None
    assert case_row(engine, "c-open")["status"] == "dispatched"  # its ticket exists; the note is only queued

    assert _dispatcher(engine, sandbox, clock).run().sent == 2  # the note and the activity
    ticket_id = int(rows["c-open"].odoo_id or 0)
    notes = [m for m in _sandbox_records(sandbox, "mail.message", "body", "Escalation")
             if m["model"] == "helpdesk.ticket" and m["res_id"] == ticket_id]
    activities = [a for a in _sandbox_records(sandbox, "mail.activity", "summary", "Escalated")
                  if a["res_id"] == ticket_id]
    assert len(notes) == 1 and len(activities) == 1
    assert activities[0]["user_id"] == 6  # the supervisor (team lead) in the sandbox
    assert case_row(engine, "c-open")["status"] == "dispatched"

    again = svc.run_once().rules["ticket_unresolved"]
    assert (again.escalated, again.already_escalated) == (0, 1)
    _dispatcher(engine, sandbox, clock).run()
    notes = [m for m in _sandbox_records(sandbox, "mail.message", "body", "Escalation") if m["res_id"] == ticket_id]
    assert len(notes) == 1 and len(_sandbox_records(sandbox, "mail.activity", "summary", "Escalated")) == 1
    assert sample_value(metrics, "triage_escalations_total", rule="ticket_unresolved") == 1


def test_ticket_rule_counts_errors_when_odoo_cannot_be_read(engine: Engine, sandbox: SandboxServer) -> None:
    clock = FakeClock(datetime.now(UTC))
    add_case(engine, "c-x", status="approved", priority="P1", now=clock.now())
    outbox.enqueue(engine, dispatch_case("c-x", priority="P1"), proposal(ticket_action(), activity_action()),
                   now=clock.now())
    assert _dispatcher(engine, sandbox, clock).run().sent == 2
    sandbox.stop()  # Odoo is down
    try:
        clock.advance(hours=9)
        svc = service(engine, clock, tickets=lambda: OdooTicketStates(
            OdooGateway(target_for(sandbox, timeout=2.0), read_only=True)))
        report = svc.run_once()
        assert report.rules["ticket_unresolved"].as_json() == {
            "checked": 1, "escalated": 0, "already_escalated": 0, "errors": 1,
        }
        assert report.notes and "unreachable" in report.notes[0]
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(t.escalations)).scalar_one() == 0
    finally:
        sandbox.start()
