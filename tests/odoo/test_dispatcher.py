"""The dispatcher end to end against the sandbox: what lands in Odoo, exactly once, and every failure's status."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from agents.clock import SystemClock
from agents.state import ProposedAction
from tests.odoo.conftest import (
    TRACKING,
    FakeSettings,
    activity_action,
    add_case,
    approval_action,
    dispatch_case,
    gateway_for,
    proposal,
    target_for,
    ticket_action,
)
from tests.support.clock import FakeClock
from tools.odoo.allowlist import CreatedRecords
from tools.odoo.config import OdooOptions
from tools.odoo.dispatcher import Backoff, Dispatcher
from tools.odoo.gateway import OdooGateway
from tools.odoo.sandbox import SandboxServer
from tools.odoo.sandbox.faults import FaultRule
from tools.store import outbox
from tools.store import schema as t


def dispatcher(
    engine: Engine,
    server: SandboxServer,
    *,
    login: str = "admin",
    secret: str = "admin",
    timeout: float = 5.0,
    options: OdooOptions | None = None,
    max_attempts: int = 10,
    lease_s: float = 30.0,
    clock: FakeClock,
) -> Dispatcher:
    target = target_for(server, login, secret, timeout)

    def factory(created: CreatedRecords) -> OdooGateway:
        return OdooGateway(target, created=created)

    return Dispatcher(
        engine,
        factory,
        options=options,
        lease=timedelta(seconds=lease_s),
        backoff=Backoff(base_s=0.05, cap_s=0.2, max_attempts=max_attempts),
        parent_wait=timedelta(seconds=0.05),
        in_doubt=timedelta(seconds=0.3),
        rng=random.Random(1),
        clock=clock,
        sleep=clock.sleep,
    )


def records(server: SandboxServer, model: str) -> list[dict[str, Any]]:
    assert server.app is not None
    return sorted(server.app.emulator.state.all(model), key=lambda r: r["id"])


def with_marker(server: SandboxServer, model: str, field: str, marker: str) -> list[dict[str, Any]]:
    return [r for r in records(server, model) if marker in str(r.get(field) or "")]


def case_status(engine: Engine, case_id: str) -> tuple[str, str | None, str | None]:
    with engine.connect() as conn:
        row = conn.execute(
            select(t.cases.c.status, t.cases.c.dispatch_status, t.cases.c.dispatch_error).where(t.cases.c.id == case_id)
        ).one()
    return row[0], row[1], row[2]


def test_case_lands_in_odoo_as_ticket_activity_and_note(
    engine: Engine, sandbox: SandboxServer, clock: FakeClock
) -> None:
    add_case(engine, "c1", [TRACKING])
    draft = ProposedAction(kind="draft_customer_update", title="Delay notice", detail="Arrives Friday.")
    outbox.enqueue(engine, dispatch_case("c1"), proposal(ticket_action(), activity_action(), draft), now=clock.now())
    report = dispatcher(engine, sandbox, clock=clock).run()
    assert (report.sent, report.needs_person, report.found_existing) == (3, 0, 0)
    rows = {r.kind: r for r in outbox.rows_for_case(engine, "c1")}
    assert all(r.status == "sent" for r in rows.values())

    [ticket] = with_marker(sandbox, "helpdesk.ticket", "name", rows["ticket"].marker)
    assert rows["ticket"].odoo_model == "helpdesk.ticket" and rows["ticket"].odoo_id == ticket["id"]
    assert ticket["team_id"] == 1 and ticket["partner_id"] == 8 and ticket["priority"] == "2"
    tags = {r["id"]: r["name"] for r in records(sandbox, "helpdesk.ticket.tag")}
    assert sorted(tags[i] for i in ticket["tag_ids"]) == ["UPS", "weather"]
    assert "Storm closure at Hamburg hub" in ticket["description"] and "1Z999AA10123456784" in ticket["description"]

    [activity] = with_marker(sandbox, "mail.activity", "note", rows["activity"].marker)
    assert (activity["res_model"], activity["res_id"]) == ("helpdesk.ticket", ticket["id"])
    assert activity["user_id"] == 6  # the customer's account manager (Northwind's salesperson)
    assert activity["activity_type_id"] == 4  # To-Do
    [note] = with_marker(sandbox, "mail.message", "body", rows["note"].marker)
    assert (note["model"], note["res_id"], note["subtype_xmlid"]) == ("helpdesk.ticket", ticket["id"], "mail.mt_note")
    assert case_status(engine, "c1") == ("dispatched", "sent", None)


def test_without_approvals_an_approval_is_a_ticket_with_a_supervisor_activity(
    engine: Engine, sandbox: SandboxServer, clock: FakeClock
) -> None:
    add_case(engine, "c2", [TRACKING])
    outbox.enqueue(
        engine, dispatch_case("c2"), proposal(ticket_action(), approval_action("expedite", 120.0)), now=clock.now()
    )
    report = dispatcher(engine, sandbox, clock=clock).run()
    assert report.sent == 2 and report.needs_person == 0
    approval = next(r for r in outbox.rows_for_case(engine, "c2") if r.kind == "approval")
    [ticket] = with_marker(sandbox, "helpdesk.ticket", "name", approval.marker)
    assert ticket["team_id"] == 2 and ticket["name"].startswith("Approval needed - Expedite")  # the Approvals team
    assert "<b>Amount:</b> 120.00" in ticket["description"]
    [activity] = with_marker(sandbox, "mail.activity", "note", approval.marker)
    assert activity["res_id"] == ticket["id"] and activity["user_id"] == 6 and activity["summary"] == "Approve expedite"
    assert approval.odoo_model == "helpdesk.ticket" and approval.odoo_id == ticket["id"]


def test_with_approvals_an_approval_request_is_created_and_submitted(
    engine: Engine, enterprise: SandboxServer, clock: FakeClock
) -> None:
    add_case(engine, "c3", [TRACKING])
    outbox.enqueue(
        engine, dispatch_case("c3"), proposal(ticket_action(), approval_action("credit", 80.0)), now=clock.now()
    )
    report = dispatcher(engine, enterprise, clock=clock).run()
    assert report.sent == 3 and report.needs_person == 0  # ticket, approval request, Accounting's activity
    rows = {r.kind: r for r in outbox.rows_for_case(engine, "c3")}
    [request] = with_marker(enterprise, "approval.request", "name", rows["approval"].marker)
    categories = {r["id"]: r["name"] for r in records(enterprise, "approval.category")}
    assert categories[request["category_id"]] == "Credit"
    assert request["amount"] == 80.0 and request["request_status"] == "pending" and request["partner_id"] == 8
    assert rows["approval"].odoo_model == "approval.request"
    [ticket] = with_marker(enterprise, "helpdesk.ticket", "name", rows["ticket"].marker)
    assert ticket["team_id"] == 1 and ticket["ticket_ref"]  # Enterprise: helpdesk.team, ticket_ref


def test_follow_up_adds_a_note_to_the_open_ticket(engine: Engine, sandbox: SandboxServer, clock: FakeClock) -> None:
    add_case(engine, "first", [TRACKING])
    outbox.enqueue(engine, dispatch_case("first"), proposal(ticket_action()), now=clock.now())
    add_case(engine, "second", [TRACKING])
    outbox.enqueue(
        engine, dispatch_case("second", summary="Now delayed by 3 days"), proposal(ticket_action()), now=clock.now()
    )
    report = dispatcher(engine, sandbox, clock=clock).run()
    assert report.sent == 2
    assert len(records(sandbox, "helpdesk.ticket")) == 1
    [note_row] = outbox.rows_for_case(engine, "second")
    [first_ticket] = outbox.rows_for_case(engine, "first")
    [note] = with_marker(sandbox, "mail.message", "body", note_row.marker)
    assert note["res_id"] == first_ticket.odoo_id and "Follow-up message" in note["body"]


def test_timeout_after_commit_is_found_by_marker_not_duplicated(
    engine: Engine, sandbox: SandboxServer, clock: FakeClock
) -> None:
    assert sandbox.app is not None
    sandbox.app.faults.replace(
        [FaultRule("delay_after_commit", {"model": "helpdesk.ticket", "method": "create"}, seconds=0.8, times=1)]
    )
    add_case(engine, "c4", [TRACKING])
    outbox.enqueue(engine, dispatch_case("c4"), proposal(ticket_action()), now=clock.now())
    report = dispatcher(engine, sandbox, clock=clock, timeout=0.3).run()
    assert report.retried == 1 and report.errors == {"timeout": 1}
    assert report.sent == 1 and report.found_existing == 1
    [row] = outbox.rows_for_case(engine, "c4")
    assert row.status == "sent" and row.attempts == 2
    # the create was in doubt: its retry waited for Odoo's request limit (here 0.3 s), not just the backoff
    # On the fake clock only the waits count (the 0.3 s request itself takes no clock time): at least the
    # request limit, where the backoff alone would have been at most 0.2 s.
    assert (row.updated_at - row.created_at).total_seconds() >= 0.3
    assert [r["id"] for r in with_marker(sandbox, "helpdesk.ticket", "name", row.marker)] == [row.odoo_id]


def test_worker_killed_after_create_is_recovered_by_marker(
    engine: Engine, sandbox: SandboxServer, clock: FakeClock
) -> None:
    add_case(engine, "c5", [TRACKING])
    outbox.enqueue(engine, dispatch_case("c5"), proposal(ticket_action()), now=clock.now())
    [row] = outbox.claim(engine, "dead-worker", timedelta(seconds=0.2), now=clock.now())
    gw = gateway_for(sandbox)  # the dead worker's create reached Odoo; its outbox update never happened
    vals = gw.fieldmap.ticket_values(
        name=row.payload["name"],
        description=row.payload["description"],
        team_id=1,
        partner_id=8,
        priority="P2",
        tag_ids=[],
    )
    created = gw.create_ticket(vals)
    clock.advance(seconds=0.3)  # the dead worker's lease runs out
    report = dispatcher(engine, sandbox, clock=clock).run()
    assert report.sent == 1 and report.found_existing == 1
    [row] = outbox.rows_for_case(engine, "c5")
    assert row.odoo_id == created and len(with_marker(sandbox, "helpdesk.ticket", "name", row.marker)) == 1


def test_missing_rights_stop_at_needs_person_with_a_message(
    engine: Engine, sandbox: SandboxServer, clock: FakeClock
) -> None:
    add_case(engine, "c6", [TRACKING])
    outbox.enqueue(engine, dispatch_case("c6"), proposal(ticket_action(), activity_action()), now=clock.now())
    report = dispatcher(engine, sandbox, clock=clock, login="limited", secret="limited-pw-123").run()
    assert report.needs_person == 1 and report.errors == {"access_denied": 1}
    ticket, activity = outbox.rows_for_case(engine, "c6")
    assert ticket.status == "needs_person" and ticket.last_error is not None
    assert ticket.last_error.startswith("[access_denied]") and "Helpdesk/User" in ticket.last_error
    assert activity.status == "pending" and "needs a person" in str(activity.last_error)  # waits for its ticket
    status, dispatch_status, error = case_status(engine, "c6")
    assert (status, dispatch_status) == ("dispatch_failed", "needs_person") and error == ticket.last_error
    assert records(sandbox, "helpdesk.ticket") == []


def test_wrong_password_stops_the_run_and_leaves_the_rest_pending(
    engine: Engine, sandbox: SandboxServer, clock: FakeClock
) -> None:
    for i in range(3):
        add_case(engine, f"w{i}")
        outbox.enqueue(engine, dispatch_case(f"w{i}", refs=[]), proposal(ticket_action()), now=clock.now())
    report = dispatcher(engine, sandbox, clock=clock, secret="rotated").run()
    assert report.stopped is not None and report.stopped.code == "auth_failed"
    assert "ODOO_PASSWORD" in report.stopped.message and "rotated" not in report.stopped.message
    # the login failed before any row was claimed: nothing is marked, everything waits for the fix
    assert [(r.status, r.attempts) for r in outbox.all_rows(engine)] == [("pending", 0)] * 3
    assert dispatcher(engine, sandbox, clock=clock).run().sent == 3


def test_password_rotated_mid_run_stops_at_the_row_with_a_message(
    engine: Engine, sandbox: SandboxServer, clock: FakeClock
) -> None:
    for i in range(2):
        add_case(engine, f"r{i}")
        outbox.enqueue(engine, dispatch_case(f"r{i}", refs=[]), proposal(ticket_action()), now=clock.now())
    d = dispatcher(engine, sandbox, clock=clock, login="supervisor", secret="supervisor-pw-123")
    d.gateway.connect()
    assert sandbox.app is not None  # an administrator changes the user's password (as recorded in e22)
    sandbox.app.emulator.state.meta["passwords"]["supervisor"] = "rotated"
    report = d.run()
    assert report.stopped is not None and report.stopped.code == "auth_failed"
    first, second = outbox.all_rows(engine)
    assert first.status == "needs_person" and str(first.last_error).startswith("[auth_failed]")
    assert (second.status, second.attempts) == ("pending", 0)


def test_missing_team_then_fixed_and_requeued(engine: Engine, sandbox: SandboxServer, clock: FakeClock) -> None:
    add_case(engine, "c7", [TRACKING])
    outbox.enqueue(engine, dispatch_case("c7"), proposal(ticket_action()), now=clock.now())
    report = dispatcher(engine, sandbox, clock=clock, options=OdooOptions(ODOO_HELPDESK_TEAM="EU exceptions")).run()
    [row] = outbox.rows_for_case(engine, "c7")
    assert report.needs_person == 1 and row.last_error is not None
    assert row.last_error.startswith("[missing_config]") and "EU exceptions" in row.last_error
    assert outbox.requeue(engine, row_ids=[row.id], now=clock.now()) == 1
    assert dispatcher(engine, sandbox, clock=clock).run().sent == 1
    assert outbox.rows_for_case(engine, "c7")[0].status == "sent"


def test_bad_customer_is_a_validation_failure_for_a_person(
    engine: Engine, sandbox: SandboxServer, clock: FakeClock
) -> None:
    add_case(engine, "c8")
    outbox.enqueue(
        engine, dispatch_case("c8", refs=[], customer_partner_id=999999), proposal(ticket_action()), now=clock.now()
    )
    dispatcher(engine, sandbox, clock=clock).run()
    [row] = outbox.rows_for_case(engine, "c8")
    assert row.status == "needs_person" and str(row.last_error).startswith("[missing_record]")
    assert "res.partner(999999,)" in str(row.last_error)


def test_odoo_down_retries_with_backoff_then_sends(engine: Engine, sandbox: SandboxServer, clock: FakeClock) -> None:
    add_case(engine, "c9", [TRACKING])
    outbox.enqueue(engine, dispatch_case("c9"), proposal(ticket_action()), now=clock.now())
    d = dispatcher(engine, sandbox, clock=clock, max_attempts=50)
    d.gateway.connect()
    sandbox.stop()  # Odoo goes down after the worker connected
    report = d.run(until_idle=False, deadline_s=0.6)
    [row] = outbox.rows_for_case(engine, "c9")
    assert row.status in ("pending", "sending") and report.sent == 0 and report.retried >= 2
    assert report.errors.get("unreachable", 0) >= 2
    _, dispatch_status, error = case_status(engine, "c9")
    assert dispatch_status in ("retrying", "sending") and (error is None or error.startswith("[unreachable]"))
    sandbox.start()
    report = d.run()
    assert report.sent == 1 and outbox.rows_for_case(engine, "c9")[0].status == "sent"


def test_odoo_down_at_start_touches_no_row(engine: Engine, sandbox: SandboxServer, clock: FakeClock) -> None:
    add_case(engine, "c13")
    outbox.enqueue(engine, dispatch_case("c13", refs=[]), proposal(ticket_action()), now=clock.now())
    sandbox.stop()
    report = dispatcher(engine, sandbox, clock=clock, max_attempts=3).run()
    assert report.stopped is not None and report.stopped.code == "unreachable"
    assert report.errors == {"unreachable": 3}
    [row] = outbox.rows_for_case(engine, "c13")
    assert (row.status, row.attempts, row.last_error) == ("pending", 0, None)


def test_retries_exhausted_need_a_person(engine: Engine, sandbox: SandboxServer, clock: FakeClock) -> None:
    add_case(engine, "c10")
    outbox.enqueue(engine, dispatch_case("c10", refs=[]), proposal(ticket_action()), now=clock.now())
    d = dispatcher(engine, sandbox, clock=clock, max_attempts=3)
    d.gateway.connect()
    sandbox.stop()
    report = d.run(idle_wait_s=1.0)
    [row] = outbox.rows_for_case(engine, "c10")
    assert row.status == "needs_person" and row.attempts == 3
    assert str(row.last_error).startswith("[retry_exhausted]") and report.needs_person == 1


def test_backoff_grows_with_jitter_and_a_cap() -> None:
    b = Backoff(base_s=2, cap_s=60)
    rng = random.Random(3)
    delays = [b.delay(n, rng) for n in range(1, 9)]
    assert all(0 < d <= 60 for d in delays)
    assert 1 <= delays[0] <= 2 and 4 <= delays[2] <= 8 and 30 <= delays[-1] <= 60
    assert len({round(b.delay(3, rng), 6) for _ in range(20)}) > 10  # jitter


def test_cli_dispatch(
    engine: Engine, sandbox: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], clock: FakeClock
) -> None:
    from tools.odoo.cli import dispatch

    settings = FakeSettings(sandbox.url)
    add_case(engine, "c11", [TRACKING])
    outbox.enqueue(engine, dispatch_case("c11"), proposal(ticket_action(), activity_action()), now=clock.now())
    assert dispatch(settings, engine, SystemClock(), once=True) == 0  # the CLI runs on the real clock
    out = capsys.readouterr().out
    assert "sent 2" in out and "dispatch to Odoo" in out
    assert all(r.status == "sent" for r in outbox.rows_for_case(engine, "c11"))
    assert dispatch(FakeSettings(None), engine, SystemClock(), once=True) == 2


def test_dispatch_once_for_the_demo(engine: Engine, enterprise: SandboxServer, clock: FakeClock) -> None:
    from tools.odoo.dispatcher import dispatch_once

    add_case(engine, "c12", [TRACKING])
    outbox.enqueue(
        engine, dispatch_case("c12"), proposal(ticket_action(), approval_action("write_off", 15.0)), now=clock.now()
    )
    report = dispatch_once(engine, target_for(enterprise), SystemClock())
    assert report.sent == 3 and report.needs_person == 0  # ticket, approval request, Accounting's activity
    assert case_status(engine, "c12") == ("dispatched", "sent", None)
    assert len(records(enterprise, "approval.request")) == 1


def test_a_clean_ticket_lands_with_the_recorded_field_shapes_and_the_erp_carrier_tag(
    engine: Engine, sandbox: SandboxServer, clock: FakeClock
) -> None:
    """Issue 15: title `<Reason>: <reference> - <what>`, no rule ids, references once, the carrier tag
    from the alias table (the ERP's "DHL Express Worldwide" -> DHL), the fields as recorded (w04)."""
    import json
    import re

    from sqlalchemy import update

    from agents.action_queue import ActionQueue
    from agents.review_service import ReviewService
    from policies.engine import PolicyBook
    from tests.odoo.conftest import captures_dir

    add_case(engine, "c-clean", [TRACKING, TRACKING])
    erp = {
        "picking": {"name": "WH/OUT/00001", "carrier_id": [1, "DHL Express Worldwide"]},
        "customer": {"id": 7, "name": "Northwind Traders GmbH", "role": "customer", "matched_by": "order S00001"},
        "order": {"name": "S00001", "kind": "sale"},
    }
    with engine.begin() as conn:
        conn.execute(
            update(t.cases)
            .where(t.cases.c.id == "c-clean")
            .values(carrier=None, erp=erp, classification={"evidence": "hub closed due to storm warning"})
        )
    action = ProposedAction(
        kind="open_ticket", title="Open a helpdesk ticket", detail="rule ticket_for_every_exception"
    )
    carrier_tag = PolicyBook.load().carrier_tag
    queue = ActionQueue(engine, clock, ReviewService(engine, clock), "http://ui.example/", carrier_tag)
    queue.enqueue("c-clean", proposal(action).model_copy(update={"summary": ""}), "cs", "customer_service")
    assert dispatcher(engine, sandbox, clock=clock).run().sent == 1
    [row] = outbox.rows_for_case(engine, "c-clean")
    [ticket] = with_marker(sandbox, "helpdesk.ticket", "name", row.marker)
    title = r"Weather: 1Z999AA10123456784 - Storm closure at Hamburg hub delays by 2 days \[triage:[0-9a-f]{24}\]"
    assert re.fullmatch(title, ticket["name"]), ticket["name"]
    html = ticket["description"]
    assert "rule " not in html and "Open a helpdesk ticket" not in html
    assert html.count("<li>tracking: 1Z999AA10123456784</li>") == 1
    assert "<b>Customer:</b> Northwind Traders GmbH &middot; matched by order S00001" in html
    assert 'href="http://ui.example/case?id=c-clean"' in html
    tags = {r["id"]: r["name"] for r in records(sandbox, "helpdesk.ticket.tag")}
    assert sorted(tags[i] for i in ticket["tag_ids"]) == ["DHL", "weather"]
    # the same fields, with the same JSON types, as the recorded ticket create (w04)
    recorded = json.loads((captures_dir("odoo17-ops") / "097_w04_ticket_create.json").read_text())
    [vals] = recorded["request"]["body"]["params"]["args"][5]
    for name, value in vals.items():
        assert type(ticket[name]) is type(value) or name == "tag_ids", name
    assert isinstance(ticket["tag_ids"], list) and all(isinstance(i, int) for i in ticket["tag_ids"])
