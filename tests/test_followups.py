"""Follow-ups at triage (issue 15, item 3), over the real graph, store and policy: a second message about
an open case's shipment is marked as its follow-up, says what changed, and proposes an update note plus
only what the shipment does not hold yet. Declined approvals may be proposed again; closed cases have no
follow-ups; the once-per-shipment list is policy data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import pytest

from agents.followups import followup_actions, what_changed
from agents.review_service import ReviewService, User
from agents.state import AcceptDecision, InboundMessage, OpenCase, ProposedAction, TriageState
from policies.engine import PolicyBook
from policies.followups import FollowUpPolicy
from tests.support.graph_harness import Harness, open_harness
from tools.store.cases import content_fingerprint

WHEN = datetime(2026, 3, 2, 10, tzinfo=UTC)
DAMAGE = "Shipment BOL 8812-3390 delivered with 4 cartons crushed, goods damaged."
CS = AcceptDecision(reviewer="cs.anna", role="customer_service", decided_at=WHEN)


def triage(h: Harness, body: str, channel: str = "email", subject: str | None = "Damage report") -> TriageState:
    msg = InboundMessage.model_validate(
        {
            "channel": channel,
            "source": f"t.{channel}",
            "sender": "ops@carrier.example",
            "subject": subject,
            "body": body,
        }
    )
    stored = h.store.add_message(msg, content_fingerprint(msg), h.deps.clock.now(), timedelta(days=30))
    assert stored is not None
    h.deps.clock.advance(minutes=1)  # type: ignore[attr-defined]  # the harness's FakeClock
    assert h.runner.start(stored[0]) is not None
    return h.runner.state(stored[0])


def keys(state: TriageState) -> list[str]:
    assert state.proposal is not None
    return [a.approval_kind or a.kind for a in state.proposal.actions]


def test_a_follow_up_while_the_first_awaits_review_proposes_nothing_twice(tmp_path: Path) -> None:
    with open_harness(tmp_path) as h:
        first = triage(h, DAMAGE)
        assert {"credit", "draft_customer_update"} <= set(keys(first))
        second = triage(h, "BOL 8812-3390: more cartons damaged. New ETA 9 March 2026.", channel="portal", subject=None)
        assert second.proposal is not None and second.proposal.followup_of == first.case_id
        assert keys(second) == ["open_ticket"]  # the update note only
        assert "New ETA: 2026-03-09" in second.proposal.what_changed
        parent = h.store.get_case(first.case_id) or {}
        assert parent["eta"] == "2026-03-09" and parent["summary"] == second.proposal.summary
        assert (h.store.get_case(second.case_id) or {})["followup_of"] == first.case_id
        # a third message follows the same parent, not the follow-up
        third = triage(h, "Re BOL 8812-3390 damage: photos attached.")
        assert third.proposal is not None and third.proposal.followup_of == first.case_id


def test_a_declined_approval_may_be_proposed_again_an_approved_one_not(tmp_path: Path) -> None:
    with open_harness(tmp_path) as h:
        first = triage(h, DAMAGE)
        h.runner.resume(first.case_id, CS)
        reviews = cast(ReviewService, h.deps.decisions)
        [item] = reviews.pending_approvals(User("sup", "supervisor"))
        assert item.approval_kind == "credit"
        assert "credit" not in keys(triage(h, "BOL 8812-3390 damaged, update."))  # pending
        reviews.decide_approval(User("sup", "supervisor"), item.id, False, "no proof yet")
        again = triage(h, "BOL 8812-3390 damaged, the photos now attached.")
        assert "credit" in keys(again) and "draft_customer_update" not in keys(again)  # the draft was approved


def test_a_closed_case_and_another_shipment_have_no_follow_ups(tmp_path: Path) -> None:
    with open_harness(tmp_path) as h:
        first = triage(h, DAMAGE)
        other = triage(h, "Shipment BOL 7712-4490 delivered with goods damaged.")
        assert other.proposal is not None and other.proposal.followup_of is None
        h.store.set_status(first.case_id, "closed", WHEN)
        later = triage(h, "BOL 8812-3390 damaged again.")
        assert later.proposal is not None and later.proposal.followup_of is None
        assert "credit" in keys(later)


def test_what_changed_lists_eta_reason_references_and_priority() -> None:
    parent = OpenCase(case_id="c1", reason="weather", priority="P3", eta="2026-03-04", new_references=["S00002"])
    lines = what_changed(parent, "damaged", "P2", "2026-03-09", lambda r: r.replace("_", " ").title())
    assert lines == [
        "New ETA: 2026-03-09 (was 2026-03-04)",
        "Reason changed: Weather -> Damaged",
        "New references: S00002",
        "New priority: P2 (was P3)",
    ]
    assert what_changed(parent.model_copy(update={"new_references": []}), "weather", "P3", "2026-03-04", str) == []


def test_only_the_actions_the_policy_lists_are_once_per_shipment() -> None:
    policy = FollowUpPolicy.from_dict({"once_per_shipment": {"approvals": ["credit"], "actions": []}})
    credit = ProposedAction(kind="request_approval", approval_kind="credit", title="Credit")
    draft = ProposedAction(kind="draft_customer_update", title="Draft")
    parent = OpenCase(case_id="c1", held=["credit", "draft_customer_update"])
    kept = followup_actions([credit, draft], parent, [], policy.once_per_shipment)
    assert [a.kind for a in kept] == ["open_ticket", "draft_customer_update"]  # drafts not listed: kept
    assert PolicyBook.load().once_per_shipment(draft) and PolicyBook.load().once_per_shipment(credit)
    with pytest.raises(ValueError, match="unknown approval kind"):
        FollowUpPolicy.from_dict({"once_per_shipment": {"approvals": ["credti"]}})
