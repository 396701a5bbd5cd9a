"""A follow-up by a second channel against the sandbox (Odoo 18 Enterprise, with Approvals): a damaged-goods
e-mail is triaged, approved (a credit approval and the customer update) and dispatched; then a portal
message about the same shipment arrives. It is marked as a follow-up of the first case, proposes no second
approval and no second draft, and after dispatch Odoo holds one approval request and one draft note for
the shipment, and one follow-up note on the same ticket (issue 15, item 3)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from agents.state import AcceptDecision, InboundMessage, TriageState
from tests.odoo.test_operating_scenario import WHEN, approve, dispatcher, harness, kinds, records, scenario18_ee
from tests.support.clock import FakeClock
from tests.support.graph_harness import Harness
from tools.odoo.payloads import DRAFT_NOT_SENT
from tools.odoo.sandbox import SandboxServer
from tools.store import outbox
from tools.store.cases import content_fingerprint

__all__ = ["scenario18_ee"]  # the fixture, shared with the operating scenario

EMAIL = "Goods damaged on delivery of order S00002 (WH/OUT/00002): pallet crushed."
# a written date: the test redactor takes an ISO date for a phone number
PORTAL = "Second report on order S00002 (WH/OUT/00002): the goods are damaged, two cartons wet. New ETA 9 March 2026."
CS = AcceptDecision(reviewer="cs.anna", role="customer_service", decided_at=WHEN)


def _triage(h: Harness, clock: FakeClock, channel: str, body: str, subject: str | None) -> tuple[str, TriageState]:
    msg = InboundMessage.model_validate(
        {
            "channel": channel,
            "source": f"test.{channel}",
            "sender": "ops@northwind.example",
            "subject": subject,
            "body": body,
        }
    )
    stored = h.store.add_message(msg, content_fingerprint(msg), h.deps.clock.now(), timedelta(days=30))
    assert stored is not None
    clock.advance(minutes=5)
    assert h.runner.start(stored[0]) is not None  # paused at the review
    return stored[0], h.runner.state(stored[0])


def test_a_portal_follow_up_proposes_no_second_approval_and_no_second_draft(
    tmp_path: Path, scenario18_ee: SandboxServer, clock: FakeClock
) -> None:
    server = scenario18_ee
    with harness(tmp_path, server, clock) as h:
        engine = h.store.engine
        first, state = _triage(h, clock, "email", EMAIL, "Damage report")
        assert "credit" in kinds(state.proposal) and "draft_customer_update" in kinds(state.proposal)
        assert state.proposal is not None and state.proposal.followup_of is None
        h.runner.resume(first, CS)
        assert dispatcher(engine, server).run().needs_person == 0  # the ticket and the draft note
        approve(h, first, "credit")
        assert dispatcher(engine, server).run().needs_person == 0  # the approval request (and Accounting)

        second, state = _triage(h, clock, "portal", PORTAL, None)
        p = state.proposal
        assert p is not None and p.followup_of == first
        assert "credit" not in kinds(p) and "draft_customer_update" not in kinds(p)
        assert [a.kind for a in p.actions].count("open_ticket") == 1 and f"case {first}" in p.actions[0].title
        assert "New ETA: 2026-03-09" in p.what_changed
        assert state.review is not None and state.review.required_role == "customer_service"  # nothing costly
        parent = h.store.get_case(first) or {}
        assert parent["eta"] == "2026-03-09" and parent["summary"] == state.classification.summary  # type: ignore[union-attr]
        assert (h.store.get_case(second) or {})["followup_of"] == first

        h.runner.resume(second, CS)
        report = dispatcher(engine, server).run()
        assert report.needs_person == 0 and report.sent >= 1
        rows = {r.idempotency_key: r for r in outbox.all_rows(engine)}

    ticket = rows[f"{first}:ticket"]
    assert f"{second}:ticket" not in rows and f"{second}:note" not in rows and f"{second}:approval:credit" not in rows
    assert len(records(server, "approval.request")) == 1
    on_ticket = [
        m for m in records(server, "mail.message") if m["model"] == "helpdesk.ticket" and m["res_id"] == ticket.odoo_id
    ]
    drafts = [m for m in on_ticket if DRAFT_NOT_SENT in str(m.get("body") or "")]
    followups = [m for m in on_ticket if rows[f"{second}:followup"].marker in str(m.get("body") or "")]
    assert len(drafts) == 1 and len(followups) == 1
    assert "New ETA: 2026-03-09" in str(followups[0]["body"])
    tickets = [r for r in records(server, "helpdesk.ticket") if "WH/OUT/00002" in str(r.get("name"))]
    assert len(tickets) == 1  # the follow-up made no ticket of its own
