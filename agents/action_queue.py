"""Turns an approved proposal into queued work: outbox rows for customer-service actions, supervisor
approvals for costly ones. Nothing here talks to Odoo; the dispatcher sends the outbox (exactly once)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import Engine, func, select

from agents.ports import Clock
from agents.review_service import ReviewService
from agents.state import Proposal, ProposedAction
from tools.store import outbox
from tools.store import schema as t

log = logging.getLogger(__name__)


class ActionQueue:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        review: ReviewService,
        case_url_base: str,
        carrier_tag: Callable[..., str | None] | None = None,
    ) -> None:
        self.engine = engine
        self.carrier_tag = carrier_tag  # carrier names -> helpdesk tag (policies/carriers.yaml); None: no tag
        self.clock = clock
        self.review = review
        self.case_url_base = case_url_base.rstrip("/")

    def enqueue(self, case_id: str, approved: Proposal, decided_by: str, role: str) -> list[str]:
        """CS acceptance queues the ticket and CS actions; costly actions wait for a supervisor."""
        costly = [a for a in approved.actions if a.role_required == "supervisor"]
        routine = [a for a in approved.actions if a.role_required != "supervisor"]
        ids = [self.review.open_approval(case_id, action, requested_by=decided_by) for action in costly]
        if routine:
            ids += self._to_outbox(case_id, approved.model_copy(update={"actions": routine}))
        return ids

    def queue_approved_action(self, case_id: str, action: ProposedAction, approved: Proposal) -> list[str]:
        """After a supervisor approved it: the action (and the case's ticket, if not queued yet)."""
        return self._to_outbox(case_id, approved.model_copy(update={"actions": [action]}))

    def _to_outbox(self, case_id: str, proposal: Proposal) -> list[str]:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.cases).where(t.cases.c.id == case_id)).first()
        if row is None:
            raise LookupError(f"case {case_id} is not in the store")
        case = outbox.dispatch_case_from_row(row, self.case_url_base, self.carrier_tag)
        return outbox.enqueue(self.engine, case, proposal, now=self.clock.now())

    def split_queued(self, ids: list[str]) -> tuple[int, int]:
        """(outbox rows, supervisor approvals) among the ids `enqueue` returned: they are different things,
        and `triage review` reports them apart."""
        if not ids:
            return 0, 0
        with self.engine.connect() as conn:
            rows = conn.execute(select(func.count()).select_from(t.outbox).where(t.outbox.c.id.in_(ids))).scalar_one()
            approvals = conn.execute(
                select(func.count()).select_from(t.approvals).where(t.approvals.c.id.in_(ids))
            ).scalar_one()
        return int(rows), int(approvals)
