"""What an operator does without a Python shell: list and read cases, decide approvals, see the outbox
and send failed rows again. The CLI (`agents/cli_ops.py`) and the UI's admin buttons call this.

Every call checks the role against `policies/roles.yaml` here, server-side, exactly as the UI's
services do. Only redacted columns and ids leave: a case is shown through `CASE_FIELDS`, never with
its raw message or the ERP context.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select

from agents.ports import Clock
from agents.state import User
from policies.roles import require
from tools.store import outbox
from tools.store import schema as t
from tools.store.queries import ALL_STATUSES, OPEN_STATUSES, QueueFilters, case_detail, format_age, queue_page

log = logging.getLogger(__name__)

# The fields `triage case` shows: redacted text, codes, ids and times (DESIGN invariant 1).
CASE_FIELDS: tuple[str, ...] = (
    "id", "status", "channel", "priority", "reason", "confidence", "carrier", "sender_domain", "subject", "body",
    "summary", "reference_keys", "assignee", "assigned_role", "sla_due", "received_at", "created_at", "updated_at",
    "dispatch_status", "dispatch_error", "escalated_at", "escalation_rule",
)
OUTBOX_FIELDS: tuple[str, ...] = (
    "id", "case_id", "kind", "status", "attempts", "last_error", "odoo_model", "odoo_id", "next_attempt_at",
    "updated_at",
)
APPROVAL_FIELDS: tuple[str, ...] = (
    "id", "case_id", "approval_kind", "amount", "status", "requested_by", "decided_by", "created_at", "decided_at",
)
# A supervisor's decision: (user, approval id, approve?, comment) -> outbox row ids queued.
DecideApproval = Callable[[User, str, bool, str], list[str]]


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return aware.isoformat()
    return value


def _pick(row: Any, fields: Sequence[str]) -> dict[str, Any]:
    m = row if isinstance(row, dict) else row._mapping
    return {f: _json(m.get(f)) for f in fields}


@dataclass(frozen=True)
class RetryResult:
    requeued: int
    case_ids: list[str]

    def as_json(self) -> dict[str, Any]:
        return {"requeued": self.requeued, "cases": self.case_ids}


class OperatorService:
    def __init__(self, engine: Engine, clock: Clock, decide_approval: DecideApproval | None = None) -> None:
        self.engine = engine
        self.clock = clock
        self._decide = decide_approval

    # ------------------------------------------------------------------ cases
    def cases(
        self,
        user: User,
        *,
        status: str | None = None,
        priority: str | None = None,
        search: str = "",
        limit: int = 200,
    ) -> list[dict[str, Any]]:
        require(user.role, "case.view", user.username)
        if status and status not in ALL_STATUSES:
            raise ValueError(f"unknown status {status!r}; one of {', '.join(ALL_STATUSES)}")
        filters = QueueFilters(
            statuses=(status,) if status else OPEN_STATUSES,
            priorities=(priority,) if priority else (),
            search=search or "",
        )
        now = self.clock.now()
        page = queue_page(self.engine, filters, now, 1, limit)
        escalated = self._escalations([r.id for r in page.rows])
        return [
            {
                "id": r.id,
                "status": r.status,
                "priority": r.priority,
                "reason": r.reason,
                "age": format_age(r.age),
                "sla_breached": r.sla_breached,
                "escalation_rule": escalated.get(r.id),
                "assignee": r.assignee,
                "subject": r.subject,
            }
            for r in page.rows
        ]

    def _escalations(self, case_ids: list[str]) -> dict[str, str | None]:
        if not case_ids:
            return {}
        c = t.cases.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(c.id, c.escalation_rule).where(c.id.in_(case_ids))).all()
        return {r.id: r.escalation_rule for r in rows}

    def case(self, user: User, case_id: str) -> dict[str, Any] | None:
        require(user.role, "case.view", user.username)
        detail = case_detail(self.engine, case_id)
        if detail is None:
            return None
        shown = _pick(detail, CASE_FIELDS)
        shown["references"] = [
            {"kind": r.get("kind"), "value": r.get("value")} for r in (detail.get("refs") or []) if isinstance(r, dict)
        ]
        shown["approvals"] = [_pick(a, APPROVAL_FIELDS) for a in detail["approvals"]]
        shown["outbox"] = [_pick(o, ("id", "kind", "status", "attempts", "last_error", "odoo_model", "odoo_id"))
                           for o in detail["outbox"]]
        return shown

    # ------------------------------------------------------------------ approvals
    def approvals(self, user: User, status: str | None = "pending") -> list[dict[str, Any]]:
        require(user.role, "approval.view", user.username)
        a, c = t.approvals.c, t.cases.c
        query = (
            select(*[a[f] for f in APPROVAL_FIELDS], c.priority)
            .join_from(t.approvals, t.cases, c.id == a.case_id)
            .order_by(a.created_at)
        )
        if status:
            query = query.where(a.status == status)
        with self.engine.connect() as conn:
            return [_pick(r, (*APPROVAL_FIELDS, "priority")) for r in conn.execute(query)]

    def decide_approval(self, user: User, approval_id: str, approve: bool, comment: str) -> list[str]:
        require(user.role, "approval.decide", user.username)
        if self._decide is None:
            raise RuntimeError("this operator service was built without the decision service")
        return self._decide(user, approval_id, approve, comment)

    # ------------------------------------------------------------------ outbox
    def outbox_rows(self, user: User, failed_only: bool = False) -> list[dict[str, Any]]:
        require(user.role, "outbox.view", user.username)
        o = t.outbox.c
        query = select(*[o[f] for f in OUTBOX_FIELDS]).order_by(o.created_at)
        if failed_only:
            query = query.where(o.status == outbox.NEEDS_PERSON)
        with self.engine.connect() as conn:
            return [_pick(r, OUTBOX_FIELDS) for r in conn.execute(query)]

    def retry(self, user: User, row_ids: Sequence[str] | None = None, all_failed: bool = False) -> RetryResult:
        """Failed (needs_person) rows back to pending after a fix: the dispatcher sends them on its next pass."""
        require(user.role, "outbox.retry", user.username)
        if not all_failed and not row_ids:
            raise ValueError("say which rows to retry (IDs) or --all-failed")
        o = t.outbox.c
        where = [o.status == outbox.NEEDS_PERSON]
        if not all_failed:
            where.append(o.id.in_(list(row_ids or [])))
        with self.engine.connect() as conn:
            rows = conn.execute(select(o.id, o.case_id).where(*where)).all()
        if not all_failed:
            known = {r.id for r in rows}
            unknown = [i for i in row_ids or [] if i not in known]
            if unknown:
                raise ValueError(f"not waiting for a person (or no such row): {', '.join(unknown)}")
        if not rows:
            return RetryResult(0, [])
        now = self.clock.now()
        n = outbox.requeue(self.engine, row_ids=[r.id for r in rows], now=now)
        cases = sorted({r.case_id for r in rows})
        with self.engine.begin() as conn:
            for case_id in cases:
                conn.execute(
                    insert(t.audit_log).values(
                        case_id=case_id, actor=user.username, role=user.role, event="outbox_retry",
                        decision="requeued", comment=f"{sum(1 for r in rows if r.case_id == case_id)} row(s)", at=now,
                    )
                )
        log.info("%d outbox row(s) re-queued by an %s", n, user.role)
        return RetryResult(n, cases)


class HealthReads:
    """The dashboard's Health section and Escalations chart, checked like the rest of the dashboard."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    def health(self, user: User, days: int = 30) -> dict[str, Any]:
        from datetime import timedelta

        from tools.store.escalations import escalations_over_time
        from tools.store.health import health

        require(user.role, "dashboard.view", user.username)
        now = self.clock.now()
        since = now - timedelta(days=days)
        data = health(self.engine, now, since)
        data["escalations"] = escalations_over_time(self.engine, since)
        return data
