"""What gets created for an approved case: items, keys, markers and the ticket's HTML."""

from __future__ import annotations

import re

from agents.state import ProposedAction, Reference
from tests.odoo.conftest import activity_action, approval_action, dispatch_case, proposal, ticket_action
from tools.odoo.allowlist import MARKER_RE
from tools.odoo.payloads import build_outbox_items, marker_for, update_note_item


def test_ticket_carries_summary_references_evidence_message_link_and_marker() -> None:
    case = dispatch_case(
        "case-42",
        refs=[
            Reference(kind="tracking", value="1Z999AA10123456784", start=0, end=18),
            Reference(kind="po", value="NW-PO-88213", start=20, end=31),
        ],
        redacted_text="Hello <PERSON_1>, the <b>truck</b> & trailer are stuck.",
    )
    items = build_outbox_items(case, proposal(ticket_action()))
    assert [i.kind for i in items] == ["ticket"]
    ticket = items[0]
    p = ticket.payload
    assert ticket.idempotency_key == "case-42:ticket"
    assert p["marker"] == marker_for("case-42:ticket") and p["marker"] in p["name"] and p["marker"] in p["description"]
    assert p["name"].startswith("Weather: 1Z999AA10123456784 - ")
    html = p["description"]
    assert "Storm closure at Hamburg hub" in html
    assert "<li>tracking: 1Z999AA10123456784</li>" in html and "<li>po: NW-PO-88213</li>" in html
    assert "hub closed due to storm warning" in html
    # the redacted message is escaped, never interpreted as HTML
    assert "&lt;PERSON_1&gt;" in html and "&lt;b&gt;truck&lt;/b&gt; &amp; trailer" in html and "<b>truck" not in html
    assert 'href="http://127.0.0.1:8501/?case=case-42"' in html
    assert "Inform the customer." in html  # the open_ticket action's detail
    assert p["partner_id"] == 8 and p["priority"] == "P2" and p["tags"] == ["weather", "UPS"]


def test_markers_are_unambiguous_under_ilike() -> None:
    markers = {marker_for(f"case-{i}:ticket") for i in range(2000)}
    assert len(markers) == 2000
    for m in markers:
        assert "_" not in m and "%" not in m and "\\" not in m  # no LIKE wildcards or escapes
        assert re.fullmatch(r"\[triage:[0-9a-f]{24}\]", m)
        assert MARKER_RE.fullmatch(m)


def test_actions_become_approval_activity_and_note_items_all_marked() -> None:
    draft = ProposedAction(kind="draft_customer_update", title="Delay notice", detail="Your goods arrive Friday.")
    items = build_outbox_items(
        dispatch_case("c1", approvals_needed=["credit"]),
        proposal(ticket_action(), approval_action("expedite", 120.0), activity_action("supervisor"), draft),
    )
    kinds = [(i.kind, i.idempotency_key) for i in items]
    assert kinds == [
        ("ticket", "c1:ticket"),
        ("approval", "c1:approval:expedite"),
        ("activity", "c1:activity"),
        ("note", "c1:note"),
        ("approval", "c1:approval:credit"),  # asked by policy without an action
    ]
    approval = items[1].payload
    assert approval["approval_kind"] == "expedite" and approval["amount"] == 120.0
    assert approval["marker"] in approval["name"] and approval["marker"] in approval["reason"]
    assert "<b>Amount:</b> 120.00" in approval["reason"]
    assert approval["parent_key"] == "c1:ticket"
    activity = items[2].payload
    assert activity["assignee"] == "supervisor" and activity["marker"] in activity["note"]
    assert activity["deadline_days"] == 1 and activity["parent_key"] == "c1:ticket"
    note = items[3].payload
    assert "Draft, not sent" in note["body"] and "Your goods arrive Friday." in note["body"]
    assert note["marker"] in note["body"]
    assert len({i.marker for i in items}) == len(items)


def test_follow_up_becomes_a_note_on_the_open_ticket() -> None:
    items = build_outbox_items(
        dispatch_case("c2", open_ticket_key="c1:ticket"), proposal(ticket_action(), activity_action())
    )
    assert [i.kind for i in items] == ["note", "activity"]
    assert items[0].idempotency_key == "c2:followup" and items[0].payload["parent_key"] == "c1:ticket"
    assert "Follow-up message" in items[0].payload["body"]
    assert items[1].payload["parent_key"] == "c1:ticket"


def test_build_is_deterministic() -> None:
    a = build_outbox_items(dispatch_case("c3"), proposal(ticket_action(), activity_action()))
    b = build_outbox_items(dispatch_case("c3"), proposal(ticket_action(), activity_action()))
    assert [i.model_dump() for i in a] == [i.model_dump() for i in b]


def test_update_note_for_a_later_change() -> None:
    item = update_note_item("c4", "c4:ticket", 2, "Priority raised to P1 by <supervisor>")
    assert item.kind == "note" and item.idempotency_key == "c4:update:2"
    assert "&lt;supervisor&gt;" in item.payload["body"] and item.marker in item.payload["body"]


# ---------------------------------------------------------------------- clean tickets (issue 15, item 4)


def test_ticket_title_is_reason_reference_and_short_what_without_the_action_title() -> None:
    refs = [
        Reference(kind="awb", value="057-33920644", start=0, end=12),
        Reference(kind="tracking", value="057-33920644", start=30, end=42),  # the same value, found twice
        Reference(kind="po", value="NW-PO-88213", start=50, end=61),
    ]
    case = dispatch_case(
        "case-t1",
        refs=refs,
        reason="damaged",
        summary="Shipment AWB 057-33920644 is damaged: insulin pens quarantined. Next step: file a claim.",
    )
    action = ProposedAction(
        kind="open_ticket", title="Open a helpdesk ticket", detail="rule ticket_for_every_exception"
    )
    approved = proposal(action).model_copy(update={"reason": "damaged", "summary": case.summary})
    ticket = build_outbox_items(case, approved)[0].payload
    name = ticket["name"].replace(ticket["marker"], "").strip()
    assert name == "Damaged: 057-33920644 - Shipment is damaged: insulin pens quarantined"
    assert "Open a helpdesk ticket" not in ticket["name"]
    html = ticket["description"]
    assert "rule " not in html and "ticket_for_every_exception" not in html
    assert html.count("057-33920644</li>") == 1 and html.count("<li>") == 2  # references once
    assert "<b>Evidence</b>" in html and "<b>Message (redacted)</b>" in html
    assert 'href="http://127.0.0.1:8501/?case=case-t1"' in html
    assert ticket["tags"] == ["damaged", "UPS"]


def test_approval_and_activity_texts_carry_no_rule_ids() -> None:
    credit = ProposedAction(
        kind="request_approval", approval_kind="credit", role_required="supervisor",
        title="Request approval for a customer credit", detail="rule credit_for_damage", amount=21.56,
    )
    call = ProposedAction(
        kind="schedule_activity", title="Schedule a call", detail="rule account_manager_for_key_accounts"
    )
    items = build_outbox_items(dispatch_case("case-t2"), proposal(ticket_action(), credit, call))
    for item in items:
        text = " ".join(str(v) for v in item.payload.values())
        assert not re.search(r"\brule [a-z_]+", text), item.kind


def test_vendor_of_a_purchase_receipt_is_named_as_the_vendor() -> None:
    vendor = dispatch_case(
        "case-v1", reason="customs_hold", customer_partner_id=10, partner_role="vendor",
        partner_name="Acme Pallet Supply Ltd",
    )
    html = build_outbox_items(vendor, proposal(ticket_action()))[0].payload["description"]
    assert "<b>Vendor (purchase receipt):</b> Acme Pallet Supply Ltd" in html
    assert "Customer" not in html and "customer" not in html.replace("Inform the customer.", "")
    customer = dispatch_case(
        "case-c1", partner_name="Northwind Traders GmbH", partner_match="e-mail domain northwind.example"
    )
    html = build_outbox_items(customer, proposal(ticket_action()))[0].payload["description"]
    assert "<b>Customer:</b> Northwind Traders GmbH &middot; matched by e-mail domain northwind.example" in html
    assert "Vendor" not in html
