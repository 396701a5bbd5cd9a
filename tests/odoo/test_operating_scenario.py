"""The operating scenario end to end (issue 18), over the real graph, store and checkpointer, the real
ERP reader and dispatcher, and the sandbox over HTTP in its "ops-more" state (S00002 / WH/OUT/00002
waiting for 3 NW-WIDGET in WH/Stock; Reno DC holding 40 of them free):

- a delay on S00002 proposes "ship from Reno DC" (supervisor-approved), and the explanation says why;
- with no stock elsewhere (S00001's pallet racks), it proposes expedite;
- a done transfer gets no stock check; a reader without stock rights still triages, "stock unknown";
- approving the ship-from proposal and dispatching makes one approval ticket with the stock facts and
  changes no stock record; an approved credit makes one activity for Accounting, also after a retry.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import Engine, select

from agents.action_queue import ActionQueue
from agents.review_service import ReviewService, User
from agents.state import AcceptDecision, InboundMessage, Proposal, TriageState
from tests.odoo.conftest import FakeSettings
from tests.support.clock import FakeClock
from tests.support.graph_harness import Harness, open_harness
from tools.odoo.allowlist import CreatedRecords
from tools.odoo.config import OdooTarget
from tools.odoo.dispatcher import Backoff, Dispatcher
from tools.odoo.gateway import OdooGateway
from tools.odoo.reader import make_erp_reader
from tools.odoo.sandbox import SandboxServer
from tools.odoo.sandbox.faults import FaultRule
from tools.store import outbox
from tools.store import schema as t
from tools.store.cases import content_fingerprint

WHEN = datetime(2026, 3, 2, 10, tzinfo=UTC)
STOCK_MODELS = ("stock.picking", "stock.move", "stock.quant", "stock.warehouse", "stock.location", "product.product")
SUPERVISOR = User("sup.omar", "supervisor")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def scenario(tmp_path: Path, clock: FakeClock) -> Iterator[SandboxServer]:
    with SandboxServer(tmp_path / "odoo", "community", "17.0", scenario="ops-more", clock=clock) as server:
        yield server


@pytest.fixture
def scenario18_ee(tmp_path: Path, clock: FakeClock) -> Iterator[SandboxServer]:
    with SandboxServer(tmp_path / "odoo-ee", "enterprise", "18.0", scenario="ops-more", clock=clock) as server:
        yield server


def harness(
    tmp_path: Path,
    server: SandboxServer,
    clock: FakeClock,
    user: str = "triage-bot",
    password: str = "triage-bot-pw-123",
) -> Any:
    reader = make_erp_reader(FakeSettings(server.url, user=user, password=password), clock=clock)
    return open_harness(tmp_path / "home", clock, erp=reader)  # type: ignore[arg-type]


def triage(h: Harness, body: str, subject: str = "Delay notice") -> tuple[str, TriageState]:
    msg = InboundMessage.model_validate(
        {"channel": "email", "source": "test.eml", "sender": "ops@carrier.example", "subject": subject, "body": body}
    )
    stored = h.store.add_message(msg, content_fingerprint(msg), h.deps.clock.now(), timedelta(days=30))
    assert stored is not None
    case_id = stored[0]
    assert h.runner.start(case_id) is not None  # paused at the review
    case = h.store.get_case(case_id) or {}
    assert case.get("status") == "awaiting_review"
    return case_id, h.runner.state(case_id)


def kinds(proposal: Proposal | None) -> list[str]:
    assert proposal is not None
    return [a.approval_kind or a.kind for a in proposal.actions]


def records(server: SandboxServer, model: str) -> list[dict[str, Any]]:
    assert server.app is not None
    with server.app.emulator.state.lock:
        return sorted((dict(r) for r in server.app.emulator.state.all(model)), key=lambda r: r["id"])


def dispatcher(engine: Engine, server: SandboxServer) -> Dispatcher:
    target = OdooTarget.from_url(server.url, "sandbox", "admin", "admin", 5)

    def factory(created: CreatedRecords) -> OdooGateway:
        return OdooGateway(target, created=created)

    return Dispatcher(
        engine,
        factory,
        lease=timedelta(seconds=30),
        backoff=Backoff(base_s=0.05, cap_s=0.2),
        parent_wait=timedelta(seconds=0.05),
        in_doubt=timedelta(seconds=0.3),
        rng=random.Random(1),
    )


def approve(h: Harness, case_id: str, kind: str) -> list[str]:
    """The supervisor approves the pending approval of this kind; it goes to the outbox (as the inbox does)."""
    reviews = cast(ReviewService, h.deps.decisions)  # the harness records decisions with the real service
    [item] = [a for a in reviews.pending_approvals(SUPERVISOR) if a.case_id == case_id and a.approval_kind == kind]
    action = reviews.decide_approval(SUPERVISOR, item.id, True, "ok")
    assert action is not None
    case = h.store.get_case(case_id) or {}
    approved = Proposal.model_validate(case.get("approved") or case["proposal"])
    return cast(ActionQueue, h.deps.actions).queue_approved_action(case_id, action, approved)


# ---------------------------------------------------------------------- graph


def test_delay_on_s00002_with_stock_in_reno_dc_proposes_ship_from(
    tmp_path: Path, scenario: SandboxServer, clock: FakeClock
) -> None:
    with harness(tmp_path, scenario, clock) as h:
        _, state = triage(h, "Truck broke down near Fernley; order S00002 (WH/OUT/00002) will be 2 days late.")
    stock = state.erp.stock if state.erp else None
    assert stock is not None and stock["status"] == "available" and stock["best"] == "Reno DC"
    assert stock["transfer"]["name"] == "WH/OUT/00002" and "model=stock.picking" in stock["transfer"]["url"]
    assert stock["products"][0]["needed"] == 3.0
    assert stock["products"][0]["warehouses"] == [
        {"warehouse_id": 2, "warehouse": "Reno DC", "free": 40.0, "covers": True}
    ]  # the transfer's own warehouse (WH) is not a replacement
    p = state.proposal
    assert p is not None
    assert "ship_from" in kinds(p) and "expedite" not in kinds(p)
    ship = next(a for a in p.actions if a.approval_kind == "ship_from")
    assert ship.role_required == "supervisor" and ship.title == "Request approval to ship from Reno DC"
    assert "Reno DC 40 free" in ship.detail and "3 needed" in ship.detail and "WH/OUT/00002" in ship.detail
    assert "replacement stock: Reno DC, 40 of 3 needed" in p.priority_explanation


def test_with_no_stock_elsewhere_it_proposes_expedite(
    tmp_path: Path, scenario: SandboxServer, clock: FakeClock
) -> None:
    with harness(tmp_path, scenario, clock) as h:
        _, state = triage(h, "Truck broke down; order S00001 (WH/OUT/00001) will be 2 days late.")
    assert state.erp is not None and state.erp.stock is not None
    assert state.erp.stock["status"] == "none" and state.erp.stock["products"][0]["needed"] == 12.0
    assert "expedite" in kinds(state.proposal) and "ship_from" not in kinds(state.proposal)
    assert state.proposal is not None
    assert "no replacement stock in another warehouse" in state.proposal.priority_explanation


def test_a_done_transfer_gets_no_stock_check(tmp_path: Path, scenario: SandboxServer, clock: FakeClock) -> None:
    assert scenario.app is not None
    with scenario.app.emulator.state.lock:
        scenario.app.emulator.state.update("stock.picking", 3, {"state": "done"})  # as if it shipped meanwhile
    with harness(tmp_path, scenario, clock) as h:
        _, state = triage(h, "Truck broke down; order S00002 (WH/OUT/00002) will be 2 days late.")
    assert state.erp is not None and state.erp.picking is not None
    assert state.erp.picking["state"] == "done" and state.erp.stock is None
    assert "ship_from" not in kinds(state.proposal)
    assert state.proposal is not None and "replacement stock" not in state.proposal.priority_explanation


def test_a_reader_without_stock_rights_still_triages_and_says_stock_unknown(
    tmp_path: Path, scenario: SandboxServer, clock: FakeClock
) -> None:
    # am.lena: a sales user: transfers and orders readable, warehouses and quants not
    with harness(tmp_path, scenario, clock, user="am.lena", password="am-lena-pw-123") as h:
        _, state = triage(h, "Truck broke down; order S00002 (WH/OUT/00002) will be 2 days late.")
    assert state.erp is not None and state.erp.error is None and state.erp.picking is not None
    stock = state.erp.stock
    assert stock is not None and stock["status"] == "unknown"
    assert stock["note"].startswith("stock unknown: the Odoo user may not read stock.warehouse")
    assert state.proposal is not None
    assert "stock unknown" in state.proposal.priority_explanation
    assert "expedite" in kinds(state.proposal) and "ship_from" not in kinds(state.proposal)


# ---------------------------------------------------------------------- end to end


def test_approved_ship_from_becomes_one_approval_ticket_with_the_stock_facts_and_no_stock_change(
    tmp_path: Path, scenario: SandboxServer, clock: FakeClock
) -> None:
    stock_before = {m: records(scenario, m) for m in STOCK_MODELS}
    with harness(tmp_path, scenario, clock) as h:
        case_id, _ = triage(h, "Truck broke down near Fernley; order S00002 (WH/OUT/00002) will be 2 days late.")
        h.runner.resume(case_id, AcceptDecision(reviewer="cs.anna", role="customer_service", decided_at=WHEN))
        approve(h, case_id, "ship_from")
        engine = h.store.engine
        report = dispatcher(engine, scenario).run()
        assert report.needs_person == 0 and report.stopped is None
        rows = {r.idempotency_key: r for r in outbox.rows_for_case(engine, case_id)}
        again = dispatcher(engine, scenario).run()  # nothing left: a second run sends nothing
        assert again.sent == 0
    approval = rows[f"{case_id}:approval:ship_from"]
    assert approval.status == outbox.SENT
    tickets = [r for r in records(scenario, "helpdesk.ticket") if approval.marker in r["name"]]
    assert len(tickets) == 1
    ticket = tickets[0]
    assert ticket["team_id"] == 2 and ticket["name"].startswith("Approval needed - Ship from another warehouse")
    desc = ticket["description"]
    for fact in (
        "Replacement stock",
        "WH/OUT/00002",
        "Reno DC",
        "<td>40</td>",
        "<td>3</td>",
        "model=stock.picking",
        "2026-03-02T09:00:00+00:00",
    ):
        assert fact in desc, fact
    [activity] = [a for a in records(scenario, "mail.activity") if approval.marker in a["note"]]
    assert activity["user_id"] == 6 and activity["summary"] == "Approve ship-from"  # the supervisor
    # stock is read only: no record of any stock model changed
    assert {m: records(scenario, m) for m in STOCK_MODELS} == stock_before


def test_an_approved_credit_tells_accounting_once_also_after_a_retry(
    tmp_path: Path, scenario18_ee: SandboxServer, clock: FakeClock
) -> None:
    server = scenario18_ee
    with harness(tmp_path, server, clock) as h:
        case_id, state = triage(
            h, "Goods damaged on delivery of order S00002 (WH/OUT/00002): pallet crushed.", subject="Damage report"
        )
        assert "credit" in kinds(state.proposal)
        h.runner.resume(case_id, AcceptDecision(reviewer="cs.anna", role="customer_service", decided_at=WHEN))
        engine = h.store.engine
        assert dispatcher(engine, server).run().needs_person == 0  # the ticket and the CS actions first
        approve(h, case_id, "credit")
        # the accounting activity's create commits in Odoo but the answer is lost: the retry finds it by marker
        assert server.app is not None
        server.app.faults.replace(
            [FaultRule("drop_after_commit", {"model": "mail.activity", "method": "create"}, times=1)], 1
        )
        report = dispatcher(engine, server).run()
        assert report.needs_person == 0 and report.retried >= 1 and report.found_existing >= 1, report
        with engine.connect() as conn:
            statuses = dict(
                conn.execute(
                    select(t.outbox.c.idempotency_key, t.outbox.c.status).where(t.outbox.c.case_id == case_id)
                ).all()
            )
    key = f"{case_id}:accounting:credit"
    assert statuses[key] == outbox.SENT
    [row] = [r for r in outbox.rows_for_case(engine, case_id) if r.idempotency_key == key]
    activities = [a for a in records(server, "mail.activity") if row.marker in a["note"]]
    assert len(activities) == 1
    [activity] = activities
    accountant = next(u for u in records(server, "res.users") if u["login"] == "accounting")
    assert activity["user_id"] == accountant["id"]
    ticket = next(r for r in outbox.rows_for_case(engine, case_id) if r.kind == "ticket")
    assert activity["res_model"] == "helpdesk.ticket" and activity["res_id"] == ticket.odoo_id  # the case's ticket
    assert "<b>Amount:</b> 175.50" in activity["note"] and "<b>Reason:</b> Damaged" in activity["note"]
    assert "<b>Order:</b> S00002" in activity["note"] and activity["summary"].startswith("Credit approved: 175.50")
    assert len(records(server, "approval.request")) == 1
