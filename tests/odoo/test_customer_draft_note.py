"""The customer update against the sandbox (Odoo 17 and 18): the ERP gives the customer's company and
language, the draft is written in it, and what lands on the ticket is the approved text as an internal
note (message_post, mail.mt_note, as recorded in odoo-captures 042) marked "Draft, not sent"."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from agents.draft_facts import draft_facts
from agents.state import ProposedAction, RedactedMessage
from policies.engine import PolicyBook
from tests.odoo.conftest import TRACKING, add_case, dispatch_case, gateway_for, proposal, target_for, ticket_action
from tests.support.clock import FakeClock
from tools.odoo.allowlist import CreatedRecords
from tools.odoo.dispatcher import Backoff, Dispatcher
from tools.odoo.gateway import OdooGateway
from tools.odoo.payloads import DRAFT_NOT_SENT, draft_note_body
from tools.odoo.reader import OdooErpReader
from tools.odoo.sandbox import SandboxServer
from tools.store import outbox

BODY = "Dear <PERSON_1>, shipment 1Z999AA10123456784 is held at Hamburg hub (storm). New ETA 2026-03-04."
DRAFT = ProposedAction(kind="draft_customer_update", title="Draft a customer update", detail="")


def _dispatcher(engine: Engine, server: SandboxServer, clock: FakeClock) -> Dispatcher:
    target = target_for(server)

    def factory(created: CreatedRecords) -> OdooGateway:
        return OdooGateway(target, created=created)

    return Dispatcher(
        engine,
        factory,
        lease=timedelta(seconds=30),
        backoff=Backoff(base_s=0.05, cap_s=0.2, max_attempts=5),
        parent_wait=timedelta(seconds=0.05),
        in_doubt=timedelta(seconds=0.3),
        rng=random.Random(1),
        clock=clock,
        sleep=clock.sleep,
    )


def _messages(server: SandboxServer) -> list[dict[str, Any]]:
    assert server.app is not None
    return list(server.app.emulator.state.all("mail.message"))


@pytest.mark.parametrize("server", ["sandbox", "sandbox18"])
def test_the_approved_draft_lands_as_a_note_marked_not_sent(
    request: pytest.FixtureRequest, server: str, engine: Engine, clock: FakeClock
) -> None:
    sb: SandboxServer = request.getfixturevalue(server)
    assert sb.app is not None
    sb.app.emulator.state.update("res.partner", 7, {"lang": "de_DE"})  # Northwind Traders GmbH writes German

    erp = OdooErpReader(gateway_for(sb, read_only=True)).lookup([TRACKING])
    assert erp.customer is not None and erp.customer["lang"] == "de_DE"
    start = BODY.index("2026-03-04")
    date_ref = TRACKING.model_copy(update={"kind": "date", "value": "2026-03-04", "start": start, "end": start + 10})
    facts = draft_facts("weather", RedactedMessage(channel="email", body=BODY), [TRACKING, date_ref], erp)
    ai_draft = PolicyBook.load().customer_draft(facts)
    assert ai_draft.startswith("Sehr geehrtes Team von Northwind Traders GmbH,")
    assert "Sendung 1Z999AA10123456784 (Auftrag S00001)" in ai_draft and "4. März 2026" in ai_draft
    assert "PERSON" not in ai_draft

    # the reviewer shortens the closing; the approved text is what Odoo gets
    approved_text = ai_draft.replace("Ihr Kundenservice", "Ihr Team Kundenservice Hamburg")
    approved = proposal(ticket_action(), DRAFT).model_copy(update={"customer_draft": approved_text})
    add_case(engine, "d1", [TRACKING])
    outbox.enqueue(engine, dispatch_case("d1"), approved, now=clock.now())
    report = _dispatcher(engine, sb, clock).run()
    assert (report.sent, report.needs_person) == (2, 0)

    rows = {r.kind: r for r in outbox.rows_for_case(engine, "d1")}
    [note] = [m for m in _messages(sb) if rows["note"].marker in str(m.get("body") or "")]
    where = (note["model"], note["res_id"], note["subtype_xmlid"])
    assert where == ("helpdesk.ticket", rows["ticket"].odoo_id, "mail.mt_note")
    body = str(note["body"])
    assert body.startswith(f"<p><b>{DRAFT_NOT_SENT}</b>")
    assert "Ihr Team Kundenservice Hamburg" in body and "Sehr geehrtes Team von Northwind Traders GmbH," in body
    assert "<PERSON" not in body and "&lt;PERSON" not in body


def test_the_note_body_escapes_the_text_and_keeps_its_paragraphs() -> None:
    approved = proposal(DRAFT).model_copy(update={"customer_draft": "Dear <b>team</b>,\n\nLine one\nline two"})
    body = draft_note_body(approved, DRAFT, "c9:note")
    assert "Draft, not sent" in body and "&lt;b&gt;team&lt;/b&gt;" in body
    assert "<p>Line one<br>line two</p>" in body
    # a proposal from before drafts existed falls back to the action's own text
    legacy = DRAFT.model_copy(update={"detail": "Arrives Friday."})
    assert "Arrives Friday." in draft_note_body(proposal(DRAFT), legacy, "k")
