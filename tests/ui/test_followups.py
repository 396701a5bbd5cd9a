"""A follow-up in the case view (AppTest against a real, triaged store and the real graph): a portal
message about the shipment of the open damaged-goods case shows "Follow-up to case X" with a link and
what changed; its parent lists it in its thread; the queue marks it (issue 15, item 3)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from agents.state import InboundMessage
from tests.ui.conftest import table, texts
from tools.store.cases import content_fingerprint

PORTAL = (
    "BOL 8812-3390: two more cartons of this delivery found wet and damaged at unpacking. Re-delivery 14 March 2027."
)


def _follow_up(triaged: Any) -> str:
    app = triaged.app()
    now = app.clock.now()
    message = InboundMessage(
        channel="portal",
        source="test:followup",
        message_id="<followup@ui-tests.example>",
        sender="ShipTrack portal",
        body=PORTAL,
        received_at=now,
        structured={"carrier": "ColdChain"},
    )
    stored = app.store.add_message(message, content_fingerprint(message), now, timedelta(days=30))
    assert stored is not None
    assert app.runner.start(stored[0]) is not None
    return stored[0]


def test_the_case_view_shows_the_follow_up_and_what_changed(triaged: Any, app: Any) -> None:
    parent = triaged.ids["damaged"]
    case_id = _follow_up(triaged)
    case = triaged.app().store.get_case(case_id)
    assert case is not None and case["followup_of"] == parent
    kinds = {a.get("approval_kind") or a["kind"] for a in case["proposal"]["actions"]}
    assert "credit" not in kinds and "draft_customer_update" not in kinds  # the open case has them, pending

    at = app("customer_service", case=case_id).run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert f"Follow-up to case [{parent}](/case?id={parent})" in shown
    assert "New ETA: 2027-03-14" in shown

    at = app("customer_service", case=parent).run()
    assert not at.exception, at.exception
    assert f"[{case_id}](/case?id={case_id}) (portal)" in texts(at) and "Follow-up to case" not in texts(at)

    at = app("customer_service").run()  # the queue
    assert not at.exception, at.exception
    queue = table(at, "case", "follow-up")
    assert queue[queue["case"] == case_id]["follow-up"].iloc[0] == f"of {parent}"
    assert queue[queue["case"] == parent]["follow-up"].iloc[0] == ""
