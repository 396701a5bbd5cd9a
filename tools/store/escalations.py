"""The store side of SLA reconciliation: what may have breached, and recording an escalation once.

`record` is one transaction: the escalation row (unique per case, rule and sequence number, so two
reconcilers racing on one breach write one row), the case's escalated columns, an audit entry and,
for an Odoo ticket, the outbox rows of the chatter note and the activity. A (case, rule) whose newest
escalation is younger than the rule's window is `already` escalated and nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Engine, and_, func, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError

from tools.odoo.payloads import OutboxItem
from tools.store import outbox
from tools.store import schema as t

REVIEW_STATUSES = ("awaiting_review", "needs_classification")
SYSTEM_ACTOR = "reconcile"
SYSTEM_ROLE = "system"


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class Candidate:
    """Something that may have breached: a case (and the approval or outbox row, when that is the subject)."""

    case_id: str
    priority: str | None
    since: datetime  # when the clock started: sla_due for reviews, created for approvals, sent for tickets
    subject_id: str | None = None
    odoo_id: int | None = None  # the ticket, for ticket_unresolved


class EscalationStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ------------------------------------------------------------------ candidates
    def overdue_reviews(self, now: datetime) -> list[Candidate]:
        """Cases waiting for review whose sla_due has passed (`since` is the sla_due)."""
        c = t.cases.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(c.id, c.priority, c.sla_due)
                .where(c.status.in_(REVIEW_STATUSES), c.sla_due.isnot(None), c.sla_due < now)
                .order_by(c.sla_due)
            ).all()
        return [Candidate(r.id, r.priority, _utc(r.sla_due)) for r in rows]  # type: ignore[arg-type]

    def pending_approvals(self) -> list[Candidate]:
        a, c = t.approvals.c, t.cases.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(a.id, a.case_id, a.created_at, c.priority)
                .join_from(t.approvals, t.cases, c.id == a.case_id)
                .where(a.status == "pending")
                .order_by(a.created_at)
            ).all()
        return [Candidate(r.case_id, r.priority, _utc(r.created_at), subject_id=r.id) for r in rows]  # type: ignore[arg-type]

    def rows_needing_person(self) -> list[Candidate]:
        """Outbox rows in needs_person; `since` is when they got there (their last update)."""
        o, c = t.outbox.c, t.cases.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(o.id, o.case_id, o.updated_at, c.priority)
                .join_from(t.outbox, t.cases, c.id == o.case_id)
                .where(o.status == outbox.NEEDS_PERSON)
                .order_by(o.updated_at)
            ).all()
        return [Candidate(r.case_id, r.priority, _utc(r.updated_at), subject_id=r.id) for r in rows]  # type: ignore[arg-type]

    def dispatched_tickets(self) -> list[Candidate]:
        """Dispatched cases with their sent ticket row; `since` is when the ticket was sent."""
        o, c = t.outbox.c, t.cases.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(c.id, c.priority, o.id.label("row_id"), o.odoo_id, o.updated_at)
                .join_from(t.cases, t.outbox, o.case_id == c.id)
                .where(
                    c.status == "dispatched",
                    o.kind == "ticket",
                    o.status == outbox.SENT,
                    o.idempotency_key == c.id + ":ticket",
                    o.odoo_id.isnot(None),
                )
                .order_by(o.updated_at)
            ).all()
        return [
            Candidate(r.id, r.priority, _utc(r.updated_at), subject_id=r.row_id, odoo_id=int(r.odoo_id))  # type: ignore[arg-type]
            for r in rows
        ]

    def escalated_within(self, case_id: str, rule: str, since: datetime) -> bool:
        e = t.escalations.c
        with self.engine.connect() as conn:
            last = conn.execute(select(func.max(e.at)).where(e.case_id == case_id, e.rule == rule)).scalar()
        last_at = _utc(last)
        return last_at is not None and last_at > since

    # ------------------------------------------------------------------ the escalation
    def record(
        self,
        case_id: str,
        rule: str,
        role: str,
        description: str,
        window: timedelta,
        now: datetime,
        *,
        priority: str | None,
        due_at: datetime | None,
        subject_id: str | None = None,
        items: Sequence[OutboxItem] | None = None,
        items_for: Any = None,
    ) -> int | None:
        """Escalate once per window; returns the escalation's sequence number, None when already escalated.

        `items_for(seq)` (optional) gives the outbox items to queue with it (keys carry the sequence)."""
        e = t.escalations.c
        try:
            with self.engine.begin() as conn:
                last_seq, last_at = conn.execute(
                    select(func.max(e.seq), func.max(e.at)).where(e.case_id == case_id, e.rule == rule)
                ).one()
                last = _utc(last_at)
                if last is not None and last > now - window:
                    return None
                seq = int(last_seq or 0) + 1
                conn.execute(
                    insert(t.escalations).values(
                        case_id=case_id,
                        rule=rule,
                        seq=seq,
                        subject_id=subject_id,
                        priority=priority,
                        role=role,
                        due_at=due_at,
                        at=now,
                    )
                )
                conn.execute(
                    update(t.cases)
                    .where(t.cases.c.id == case_id)
                    .values(escalated_at=now, escalation_rule=rule, assigned_role=role, updated_at=now)
                )
                conn.execute(
                    insert(t.audit_log).values(
                        case_id=case_id,
                        actor=SYSTEM_ACTOR,
                        role=SYSTEM_ROLE,
                        event="escalation",
                        decision="escalated",
                        diff={"rule": rule, "assigned_role": role, "seq": seq, "subject": subject_id},
                        comment=f"{rule}: {description}",
                        at=now,
                    )
                )
                queued = list(items or []) + (list(items_for(seq)) if items_for else [])
                if queued:
                    # the case keeps its status: its ticket exists; the dispatcher mirrors the rows when sent
                    outbox.insert_items(conn, case_id, queued, now=now)
        except IntegrityError:
            return None  # another reconciler recorded this escalation first
        return seq


# ---------------------------------------------------------------------- reads for the dashboard


def table_exists(engine: Engine, name: str) -> bool:
    try:
        return bool(inspect(engine).has_table(name))
    except Exception:
        return False


def escalations_over_time(engine: Engine, since: datetime) -> pd.DataFrame:
    """Escalations per day, rule and priority: columns day, rule, priority, escalations."""
    e = t.escalations.c
    columns = ["day", "rule", "priority", "escalations"]
    if not table_exists(engine, "escalations"):
        return pd.DataFrame(columns=columns)
    with engine.connect() as conn:
        rows = conn.execute(select(e.at, e.rule, e.priority).where(e.at >= since)).all()
    if not rows:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(
        [(_utc(r.at).date(), r.rule, r.priority or "-") for r in rows],  # type: ignore[union-attr]
        columns=["day", "rule", "priority"],
    )
    out = frame.groupby(["day", "rule", "priority"]).size().reset_index(name="escalations")
    out["day"] = pd.to_datetime(out["day"])
    return out[columns]


def open_escalations(engine: Engine) -> int:
    """Open cases currently marked escalated."""
    c = t.cases.c
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(t.cases)
                .where(and_(c.escalated_at.isnot(None), c.status.notin_(("closed", "rejected"))))
            ).scalar_one()
        )
