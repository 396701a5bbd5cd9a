"""Turns an approved proposal into queued work: outbox rows for customer-service actions, supervisor
approvals for costly ones. Nothing here talks to Odoo; the dispatcher sends the outbox (exactly once)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, select

from agents.ports import Clock
from agents.review_service import ReviewService
from agents.state import Proposal, ProposedAction
from tools.store import schema as t
from tools.store.cases import new_id

log = logging.getLogger(__name__)

_OUTBOX_KIND = {
    "open_ticket": "ticket",
    "request_approval": "approval",
    "schedule_activity": "activity",
    "draft_customer_update": "note",
}


def idempotency_key(case_id: str, action: ProposedAction) -> str:
    """Stable per case and action kind: the same approved action always maps to the same Odoo marker."""
    suffix = f"{action.kind}:{action.approval_kind}" if action.approval_kind else action.kind
    return f"{case_id}:{suffix}"


class ActionQueue:
    def __init__(self, engine: Engine, clock: Clock, review: ReviewService, case_url_base: str) -> None:
        self.engine = engine
        self.clock = clock
        self.review = review
        self.case_url_base = case_url_base.rstrip("/")

    def enqueue(self, case_id: str, approved: Proposal, decided_by: str, role: str) -> list[str]:
        ids: list[str] = []
        for action in approved.actions:
            if action.role_required == "supervisor":
                # Costly actions wait in the supervisor inbox; CS acceptance never approves them.
                ids.append(self.review.open_approval(case_id, action, requested_by=decided_by))
            else:
                ids.append(self.add_outbox(case_id, action, approved, decided_by))
        return ids

    def add_outbox(self, case_id: str, action: ProposedAction, approved: Proposal, decided_by: str) -> str:
        """Insert once per idempotency key; a re-run returns the existing row's id."""
        key = idempotency_key(case_id, action)
        now = self.clock.now()
        with self.engine.begin() as conn:
            existing = conn.execute(select(t.outbox.c.id).where(t.outbox.c.idempotency_key == key)).scalar()
            if existing:
                return str(existing)
            row_id = new_id("out")
            conn.execute(
                insert(t.outbox).values(
                    id=row_id,
                    case_id=case_id,
                    idempotency_key=key,
                    kind=_OUTBOX_KIND[action.kind],
                    payload=self._payload(case_id, action, approved, decided_by, now),
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                    updated_at=now,
                )
            )
        return row_id

    def _payload(
        self, case_id: str, action: ProposedAction, approved: Proposal, decided_by: str, now: datetime
    ) -> dict[str, Any]:
        return {
            "action": action.model_dump(mode="json"),
            "proposal": approved.model_dump(mode="json"),
            "decided_by": decided_by,
            "decided_at": now.isoformat(),
            "case_url": f"{self.case_url_base}/?case={case_id}",
        }
