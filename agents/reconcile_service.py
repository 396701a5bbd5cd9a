"""SLA reconciliation: find what breached its limit and escalate each (case, rule) once per window.

Rules are data (`policies/escalation.yaml`, read by the policy engine: `PolicyBook.escalation`).
`run_once()` is one pass: `triage reconcile` calls it, and the worker calls it every
TRIAGE_RECONCILE_EVERY (`app.reconciler.run_once()`). The composition root (`agents/app.py`) gives
every collaborator: the store, the clock, the policy, a factory for the read-only Odoo ticket reader
(None: no Odoo), the metrics, and the Odoo login that gets escalation activities.

An Odoo ticket still open past its resolution SLA gets a chatter note and an activity for the team
lead, queued through the outbox (so the allow-list and the exactly-once dispatch apply).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from agents.metrics import Metrics
from agents.ports import Clock, TicketStates
from policies.escalation import EscalationPolicy, EscalationRule
from tools.odoo.payloads import OutboxItem, marker_for, ticket_key
from tools.store.escalations import Candidate, EscalationStore

log = logging.getLogger(__name__)


@dataclass
class RuleCounts:
    checked: int = 0
    escalated: int = 0
    already_escalated: int = 0
    errors: int = 0

    def as_json(self) -> dict[str, int]:
        return {
            "checked": self.checked,
            "escalated": self.escalated,
            "already_escalated": self.already_escalated,
            "errors": self.errors,
        }


@dataclass
class ReconcileReport:
    at: datetime
    rules: dict[str, RuleCounts] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # for an operator, no case content

    def as_json(self) -> dict[str, Any]:
        rules = {k: v.as_json() for k, v in self.rules.items()}
        return {"at": self.at.isoformat(), "rules": rules, "notes": self.notes}

    @property
    def escalated(self) -> int:
        return sum(r.escalated for r in self.rules.values())

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.rules.values())


class ReconcileService:
    def __init__(
        self,
        store: EscalationStore,
        clock: Clock,
        policy: EscalationPolicy,
        *,
        tickets: Callable[[], TicketStates | None] | None = None,
        metrics: Metrics | None = None,
        escalation_login: str | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.policy = policy
        self.tickets = tickets
        self.metrics = metrics
        self.escalation_login = escalation_login

    def run_once(self) -> ReconcileReport:
        now = self.clock.now()
        report = ReconcileReport(at=now)
        for rule in self.policy.rules:
            counts = report.rules.setdefault(rule.id, RuleCounts())
            try:
                if rule.kind == "review_overdue":
                    self._simple(rule, self.store.overdue_reviews(now), now, counts, use_limit=False)
                elif rule.kind == "approval_waiting":
                    self._simple(rule, self.store.pending_approvals(), now, counts)
                elif rule.kind == "outbox_needs_person":
                    self._simple(rule, self.store.rows_needing_person(), now, counts)
                elif rule.kind == "ticket_unresolved":
                    self._tickets(rule, now, counts, report)
            except Exception as exc:  # one failing rule must not stop the others
                counts.errors += 1
                log.warning("reconcile rule %s failed: %s", rule.id, type(exc).__name__)
        return report

    # ------------------------------------------------------------------ rules
    def _breached(self, rule: EscalationRule, cand: Candidate, now: datetime, use_limit: bool) -> datetime | None:
        """When the candidate's limit ran out, if it has; None while it is within its limit."""
        if not use_limit:
            return cand.since if cand.since < now else None
        limit = rule.limit(cand.priority)
        if limit is None:
            return None
        due = cand.since + limit
        return due if due < now else None

    def _simple(
        self,
        rule: EscalationRule,
        candidates: list[Candidate],
        now: datetime,
        counts: RuleCounts,
        use_limit: bool = True,
    ) -> None:
        for cand in candidates:
            counts.checked += 1
            due = self._breached(rule, cand, now, use_limit)
            if due is None:
                continue
            self._escalate(rule, cand, due, now, counts)

    def _tickets(self, rule: EscalationRule, now: datetime, counts: RuleCounts, report: ReconcileReport) -> None:
        candidates = self.store.dispatched_tickets()
        breached: list[tuple[Candidate, datetime]] = []
        for cand in candidates:
            counts.checked += 1
            due = self._breached(rule, cand, now, True)
            if due is None:
                continue
            if self.store.escalated_within(cand.case_id, rule.id, now - rule.window):
                counts.already_escalated += 1  # no Odoo read needed
                continue
            breached.append((cand, due))
        if not breached:
            return
        try:
            reader = self.tickets() if self.tickets else None
            if reader is None:
                counts.errors += len(breached)
                report.notes.append(f"{rule.id}: no Odoo configured; {len(breached)} ticket(s) could not be read")
                return
            open_by_id = reader.open_tickets([c.odoo_id for c, _ in breached if c.odoo_id is not None])
        except Exception as exc:
            counts.errors += len(breached)
            code = getattr(getattr(exc, "info", None), "code", type(exc).__name__)
            report.notes.append(f"{rule.id}: reading ticket stages from Odoo failed ({code})")
            log.warning("reconcile %s: reading ticket stages failed (%s)", rule.id, code)
            return
        for cand, due in breached:
            if cand.odoo_id is None or not open_by_id.get(cand.odoo_id, False):
                continue  # resolved (or deleted) in Odoo: nothing to escalate
            self._escalate(rule, cand, due, now, counts, odoo=True)

    # ------------------------------------------------------------------ one escalation
    def _escalate(
        self,
        rule: EscalationRule,
        cand: Candidate,
        due: datetime,
        now: datetime,
        counts: RuleCounts,
        odoo: bool = False,
    ) -> None:
        try:
            seq = self.store.record(
                cand.case_id,
                rule.id,
                rule.role,
                rule.description,
                rule.window,
                now,
                priority=cand.priority,
                due_at=due,
                subject_id=cand.subject_id,
                items_for=(lambda s: self._odoo_items(rule, cand, due, s)) if odoo else None,
            )
        except Exception as exc:
            counts.errors += 1
            log.warning("reconcile %s: escalating %s failed: %s", rule.id, cand.case_id, type(exc).__name__)
            return
        if seq is None:
            counts.already_escalated += 1
            return
        counts.escalated += 1
        if self.metrics is not None:
            self.metrics.escalations.labels(rule=rule.id).inc()
        log.info("case %s escalated by %s to %s (#%d)", cand.case_id, rule.id, rule.role, seq)

    def _odoo_items(self, rule: EscalationRule, cand: Candidate, due: datetime, seq: int) -> list[OutboxItem]:
        """The chatter note and the team lead's activity, on the case's ticket (keys carry the sequence)."""
        parent = ticket_key(cand.case_id)
        limit = rule.limit(cand.priority)
        hours = f"{limit.total_seconds() / 3600:.0f} h" if limit else "its limit"
        text = (
            f"Escalation: this ticket is still open past the resolution SLA for {cand.priority or 'its priority'} "
            f"({hours}, due {due:%Y-%m-%d %H:%M} UTC)."
        )
        items: list[OutboxItem] = []
        if rule.odoo_note:
            key = f"{cand.case_id}:escalation:{rule.id}:{seq}:note"
            body = f"<p><b>{html.escape(rule.description)}</b></p><p>{html.escape(text)}</p><p>{marker_for(key)}</p>"
            items.append(
                OutboxItem(
                    idempotency_key=key,
                    kind="note",
                    payload={"marker": marker_for(key), "body": body, "parent_key": parent},
                )
            )
        if rule.odoo_activity:
            key = f"{cand.case_id}:escalation:{rule.id}:{seq}:activity"
            note = f"<p>{html.escape(text)}</p><p>{marker_for(key)}</p>"
            items.append(
                OutboxItem(
                    idempotency_key=key,
                    kind="activity",
                    payload={
                        "marker": marker_for(key),
                        "summary": f"Escalated: resolve {cand.priority or ''} ticket past SLA".replace("  ", " ")[:120],
                        "note": note,
                        "assignee": self.escalation_login,
                        "partner_id": None,
                        "deadline_days": rule.activity_deadline_days,
                        "parent_key": parent,
                    },
                )
            )
        return items
