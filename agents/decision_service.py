"""What the review UI (and any other client) calls to decide: every call checks the role server-side,
resumes the case's graph thread, and queues only what a human approved."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from agents.action_queue import ActionQueue
from agents.ports import Clock, TriageStore
from agents.review_service import ReviewService
from agents.runner import TriageRunner
from agents.state import AcceptDecision, EditDecision, Proposal, RejectDecision, TriageState, User
from policies.roles import require

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlannedEffect:
    """One thing an acceptance would cause, shown before a bulk accept sends anything."""

    case_id: str
    action: str
    goes_to: str  # "Odoo (outbox)" or "supervisor inbox"
    amount: float | None


@dataclass(frozen=True)
class BulkResult:
    case_id: str
    ok: bool
    message: str


class DecisionService:
    """Records human decisions: resumes the case's graph thread on the process's one compiled graph."""

    def __init__(
        self,
        runner: TriageRunner,
        review: ReviewService,
        actions: ActionQueue,
        store: TriageStore,
        clock: Clock,
    ) -> None:
        self.runner = runner
        self.review = review
        self.actions = actions
        self.store = store
        self.clock = clock

    def _resume(self, case_id: str, decision: AcceptDecision | EditDecision | RejectDecision) -> TriageState:
        return self.runner.resume(case_id, decision)

    def accept(self, user: User, case_id: str) -> TriageState:
        require(user.role, "case.decide", user.username)
        decision = AcceptDecision(reviewer=user.username, role=user.role, decided_at=self.clock.now())
        return self._resume(case_id, decision)

    def edit(self, user: User, case_id: str, **changes: Any) -> TriageState:
        require(user.role, "case.decide", user.username)
        decision = EditDecision(reviewer=user.username, role=user.role, decided_at=self.clock.now(), **changes)
        return self._resume(case_id, decision)

    def reject(self, user: User, case_id: str, why: str) -> TriageState:
        require(user.role, "case.decide", user.username)
        if not why.strip():
            raise ValueError("a rejection needs a reason")
        decision = RejectDecision(reviewer=user.username, role=user.role, decided_at=self.clock.now(), why=why)
        return self._resume(case_id, decision)

    def plan_bulk_accept(self, user: User, case_ids: Iterable[str]) -> list[PlannedEffect]:
        """Per-item diff of what acceptance would send, computed before anything is sent."""
        require(user.role, "case.bulk_accept", user.username)
        planned: list[PlannedEffect] = []
        for case_id in case_ids:
            case = self.store.get_case(case_id)
            if not case or not case.get("proposal"):
                continue
            proposal = Proposal.model_validate(case["proposal"])
            for action in proposal.actions:
                label = action.kind if not action.approval_kind else f"{action.kind}:{action.approval_kind}"
                where = "supervisor inbox" if action.role_required == "supervisor" else "Odoo (outbox)"
                planned.append(PlannedEffect(case_id, label, where, action.amount))
        return planned

    def bulk_accept(self, user: User, case_ids: Iterable[str]) -> list[BulkResult]:
        require(user.role, "case.bulk_accept", user.username)
        results = []
        for case_id in case_ids:
            try:
                self.accept(user, case_id)
                results.append(BulkResult(case_id, True, "accepted"))
            except Exception as exc:  # one failing case must not hide the others' results
                log.warning("bulk accept failed for %s: %s", case_id, type(exc).__name__)
                results.append(BulkResult(case_id, False, str(exc)))
        return results

    def decide_approval(self, user: User, approval_id: str, approve: bool, comment: str) -> list[str]:
        """Supervisor decision; an approved action goes to the outbox. Returns the outbox row ids."""
        action = self.review.decide_approval(user, approval_id, approve, comment)
        if action is None:
            return []
        case_id = self.review.approval_case(approval_id)
        case = self.store.get_case(case_id) or {}
        approved = Proposal.model_validate(case.get("approved") or case["proposal"])
        return self.actions.queue_approved_action(case_id, action, approved)
