"""Human decisions: role checks, the audit log, and the supervisor's approvals.

This is the service layer the UI and the graph both go through. Every check here is server-side:
a customer-service user calling `decide_approval` directly is refused exactly as in the UI.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from agents.ports import Clock
from agents.state import (
    AcceptDecision,
    EditDecision,
    Proposal,
    ProposedAction,
    RejectDecision,
    User,
    apply_decision,
    proposal_diff,
)
from policies.roles import PermissionDenied, require
from tools.store import schema as t
from tools.store.cases import new_id

log = logging.getLogger(__name__)
Decision = AcceptDecision | EditDecision | RejectDecision


@dataclass(frozen=True)
class ApprovalItem:
    id: str
    case_id: str
    approval_kind: str
    action: ProposedAction
    amount: float | None
    status: str
    requested_by: str | None
    created_at: datetime


class ReviewService:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    # ------------------------------------------------------------------ case decisions (graph side)
    def record_decision(self, case_id: str, proposal: Proposal, decision: Decision) -> Proposal | None:
        require(decision.role, "case.decide", decision.reviewer)
        approved = apply_decision(proposal, decision)
        now = self.clock.now()
        with self.engine.begin() as conn:
            already = conn.execute(
                select(t.audit_log.c.id).where(t.audit_log.c.case_id == case_id, t.audit_log.c.event == "decision")
            ).first()
            if already is None:  # a resumed node re-runs; the decision is recorded once
                conn.execute(
                    insert(t.audit_log).values(
                        case_id=case_id,
                        actor=decision.reviewer,
                        role=decision.role,
                        event="decision",
                        decision=decision.kind,
                        proposal=proposal.model_dump(mode="json"),
                        final=approved.model_dump(mode="json") if approved else None,
                        diff=proposal_diff(proposal, approved),
                        comment=_comment(decision),
                        at=decision.decided_at,
                    )
                )
            conn.execute(
                update(t.cases)
                .where(t.cases.c.id == case_id)
                .values(
                    status="rejected" if approved is None else "approved",
                    approved=approved.model_dump(mode="json") if approved else None,
                    reason=approved.reason if approved else t.cases.c.reason,
                    priority=approved.priority if approved else t.cases.c.priority,
                    summary=approved.summary if approved else t.cases.c.summary,
                    assignee=(approved.assignee if approved and approved.assignee else t.cases.c.assignee),
                    updated_at=now,
                )
            )
        log.info("case %s %s by %s (%s)", case_id, decision.kind, decision.reviewer, decision.role)
        return approved

    # ------------------------------------------------------------------ supervisor approvals
    def open_approval(self, case_id: str, action: ProposedAction, requested_by: str) -> str:
        """Idempotent per (case, approval kind): a resumed dispatch does not ask twice."""
        assert action.approval_kind is not None
        with self.engine.begin() as conn:
            existing = conn.execute(
                select(t.approvals.c.id).where(
                    t.approvals.c.case_id == case_id, t.approvals.c.approval_kind == action.approval_kind
                )
            ).scalar()
            if existing:
                return str(existing)
            approval_id = new_id("appr")
            conn.execute(
                insert(t.approvals).values(
                    id=approval_id,
                    case_id=case_id,
                    approval_kind=action.approval_kind,
                    action=action.model_dump(mode="json"),
                    amount=action.amount,
                    status="pending",
                    requested_by=requested_by,
                    created_at=self.clock.now(),
                )
            )
        return approval_id

    def pending_approvals(self, user: User) -> list[ApprovalItem]:
        require(user.role, "approval.decide", user.username)
        a = t.approvals
        with self.engine.connect() as conn:
            rows = conn.execute(select(a).where(a.c.status == "pending").order_by(a.c.created_at)).all()
        return [
            ApprovalItem(
                id=r.id,
                case_id=r.case_id,
                approval_kind=r.approval_kind,
                action=ProposedAction.model_validate(r.action),
                amount=r.amount,
                status=r.status,
                requested_by=r.requested_by,
                created_at=r.created_at,
            )
            for r in rows
        ]

    def decide_approval(self, user: User, approval_id: str, approve: bool, comment: str) -> ProposedAction | None:
        """Approve or decline; returns the approved action (for the outbox) or None when declined."""
        require(user.role, "approval.decide", user.username)
        if not comment.strip() and not approve:
            raise ValueError("a declined approval needs a comment saying why")
        now = self.clock.now()
        a = t.approvals
        with self.engine.begin() as conn:
            row = conn.execute(select(a).where(a.c.id == approval_id)).first()
            if row is None:
                raise KeyError(f"no approval {approval_id!r}")
            if row.status != "pending":
                raise ValueError(f"approval {approval_id} was already {row.status}")
            status = "approved" if approve else "declined"
            conn.execute(
                update(a)
                .where(a.c.id == approval_id)
                .values(status=status, decided_by=user.username, comment=comment, decided_at=now)
            )
            conn.execute(
                insert(t.audit_log).values(
                    case_id=row.case_id,
                    actor=user.username,
                    role=user.role,
                    event="approval",
                    decision=status,
                    proposal=row.action,
                    final=row.action if approve else None,
                    diff={} if approve else {"declined": True},
                    comment=comment,
                    at=now,
                )
            )
        return ProposedAction.model_validate(row.action) if approve else None

    def approval_case(self, approval_id: str) -> str:
        """The case an approval belongs to."""
        with self.engine.connect() as conn:
            case_id = conn.execute(select(t.approvals.c.case_id).where(t.approvals.c.id == approval_id)).scalar()
        if case_id is None:
            raise KeyError(f"no approval {approval_id!r}")
        return str(case_id)

    # ------------------------------------------------------------------ raw view (PII)
    def open_raw(self, user: User, case_id: str) -> dict[str, Any]:
        require(user.role, "raw.view", user.username)
        with self.engine.begin() as conn:
            raw = conn.execute(
                select(
                    t.raw_messages.c.sender, t.raw_messages.c.subject, t.raw_messages.c.body, t.raw_messages.c.purged_at
                )
                .join(t.cases, t.cases.c.raw_id == t.raw_messages.c.id)
                .where(t.cases.c.id == case_id)
            ).first()
            if raw is None:
                raise KeyError(f"no case {case_id!r}")
            conn.execute(
                insert(t.raw_access_log).values(
                    case_id=case_id, actor=user.username, role=user.role, at=self.clock.now()
                )
            )
        if raw.purged_at is not None:
            return {"purged": True, "sender": None, "subject": None, "body": ""}
        return {"purged": False, "sender": raw.sender, "subject": raw.subject, "body": raw.body}

    def audit_trail(self, case_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.audit_log).where(t.audit_log.c.case_id == case_id).order_by(t.audit_log.c.at)
            ).all()
        return [dict(r._mapping) for r in rows]


def _comment(decision: Decision) -> str | None:
    if isinstance(decision, RejectDecision):
        return decision.why
    if isinstance(decision, EditDecision):
        return decision.comment
    return None


__all__ = ["ApprovalItem", "PermissionDenied", "ReviewService", "User"]
