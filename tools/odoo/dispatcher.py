"""The dispatcher: sends outbox rows to Odoo exactly once.

For each claimed row: find the record by the row's marker; create it only when none is found (so a
timeout after Odoo committed, a dropped connection or a killed worker never makes a duplicate);
record `odoo_model`/`odoo_id`. Transient failures go back to `pending` with an exponential backoff
with jitter (a create that got no clear answer waits for Odoo's request limit before its marker is
checked again); permanent ones stop at `needs_person` with a message for a person.
The worker connects before it claims anything: wrong credentials, a wrong database or an Odoo that
stays down stop the run without touching a row. Credentials that stop working mid-run stop the run
too, after marking the one row that hit it, so the others stay pending instead of all turning red.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from agents.clock import SystemClock
from agents.ports import Clock
from tools.odoo.allowlist import CreatedRecords
from tools.odoo.config import OdooOptions, OdooTarget
from tools.odoo.errors import ConfigMissing, ErrorInfo, OdooError, classify_exception
from tools.odoo.gateway import OdooGateway
from tools.store import outbox
from tools.store.outbox import OutboxRow

log = logging.getLogger(__name__)

# Failures that are about the connection or the user, not the row: stop the run.
SYSTEMIC_CODES = frozenset({"auth_failed", "wrong_database", "not_configured", "bad_endpoint"})


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with "equal jitter": half fixed, half random, capped."""

    base_s: float = 2.0
    cap_s: float = 300.0
    max_attempts: int = 10

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        raw = min(self.cap_s, self.base_s * (2 ** max(0, attempt - 1)))
        return raw / 2 + (rng or random).uniform(0, raw / 2)


@dataclass(frozen=True)
class Wait:
    until: datetime
    why: str


@dataclass
class DispatchReport:
    sent: int = 0
    found_existing: int = 0  # sent rows whose record already existed (found by marker)
    retried: int = 0
    needs_person: int = 0
    deferred: int = 0
    stopped: ErrorInfo | None = None  # a systemic failure ended the run
    errors: dict[str, int] = field(default_factory=dict)  # error code -> count, for metrics

    def count_error(self, code: str) -> None:
        self.errors[code] = self.errors.get(code, 0) + 1


class Dispatcher:
    def __init__(
        self,
        engine: Engine,
        gateway_factory: Callable[[CreatedRecords], OdooGateway],
        *,
        options: OdooOptions | None = None,
        worker_id: str | None = None,
        lease: timedelta = timedelta(seconds=120),
        backoff: Backoff | None = None,
        parent_wait: timedelta = timedelta(seconds=1),
        in_doubt: timedelta | None = None,
        rng: random.Random | None = None,
        clock: Clock | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_outcome: Callable[[str], None] | None = None,
    ) -> None:
        self.engine = engine
        # Told each processed row's outcome (the composition root counts triage_dispatch_total{result}).
        self.on_outcome = on_outcome
        # When rows are due and how long to wait come from the clock port; a test gives a fake clock
        # whose `sleep` moves it forward, so nothing waits for real.
        self.clock: Clock = clock or SystemClock()
        self.sleep = sleep
        self.options = options or OdooOptions()
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{random.randrange(1 << 30):x}"
        self.lease = lease
        self.backoff = backoff or Backoff()
        self.parent_wait = parent_wait
        # A create that failed without a clear answer (timeout, dropped connection, 5xx) may still be
        # running in Odoo: its marker is checked again only once Odoo has finished or killed it.
        self.in_doubt = in_doubt if in_doubt is not None else timedelta(seconds=self.options.request_limit_s)
        self._creating = False
        self.rng = rng or random.Random()
        self.created = CreatedRecords(lookup=lambda model, rid: outbox.is_product_record(engine, model, rid))
        self._factory = gateway_factory
        self._gateway: OdooGateway | None = None

    # ------------------------------------------------------------------ loop
    @property
    def gateway(self) -> OdooGateway:
        if self._gateway is None:
            self._gateway = self._factory(self.created)
        return self._gateway

    def run(
        self,
        *,
        until_idle: bool = True,
        idle_wait_s: float = 5.0,
        deadline_s: float | None = None,
        on_row: Callable[[OutboxRow, str], None] | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> DispatchReport:
        """Process due rows. until_idle: return when nothing is due within idle_wait_s (else poll forever)."""
        report = DispatchReport()
        started = self.clock.now()
        # SQLite (NullPool): one connection held open for the run keeps the WAL alive, so each short
        # transaction's connection closes without a checkpoint (5 ms each otherwise).
        keeper = self.engine.connect() if self.engine.dialect.name == "sqlite" else None
        try:
            self._loop(report, started, until_idle, idle_wait_s, deadline_s, on_row, stop)
        finally:
            if keeper is not None:
                keeper.close()
        return report

    def _loop(
        self,
        report: DispatchReport,
        started: datetime,
        until_idle: bool,
        idle_wait_s: float,
        deadline_s: float | None,
        on_row: Callable[[OutboxRow, str], None] | None,
        stop: Callable[[], bool] | None,
    ) -> None:
        connect_failures = 0
        while not (stop and stop()):
            if deadline_s is not None and (self.clock.now() - started).total_seconds() > deadline_s:
                break
            nxt = outbox.next_due_at(self.engine)
            wait = (nxt - self.clock.now()).total_seconds() if nxt else None
            if wait is None or wait > 0:  # nothing due now
                if until_idle and (wait is None or wait > idle_wait_s):
                    break
                self.sleep(min(max(wait if wait is not None else idle_wait_s, 0.02), idle_wait_s))
                continue
            # Connect before claiming: wrong credentials or an Odoo that is down touch no row.
            try:
                self.gateway.ensure_connected()
                connect_failures = 0
            except OdooError as exc:
                self._gateway = None
                report.count_error(exc.info.code)
                connect_failures += 1
                if not exc.info.transient or connect_failures >= self.backoff.max_attempts:
                    report.stopped = exc.info
                    log.warning("dispatch stopped: cannot connect to Odoo (%s)", exc.info.code)
                    break
                self.sleep(self.backoff.delay(connect_failures, self.rng))
                continue
            rows = outbox.claim(self.engine, self.worker_id, self.lease, now=self.clock.now())
            for row in rows:
                outcome = self.process(row, report)
                if self.on_outcome is not None:
                    self.on_outcome(outcome)
                if on_row:
                    on_row(row, outcome)
            if report.stopped:
                break

    # ------------------------------------------------------------------ one row
    def process(self, row: OutboxRow, report: DispatchReport) -> str:
        """Send one claimed row; returns the outcome: sent | retry | needs_person | deferred | lost_claim."""
        self._creating = False
        try:
            parent = self._parent(row)
            if isinstance(parent, Wait):
                outbox.defer(
                    self.engine, row.id, self.worker_id, parent.until, f"[waiting] {parent.why}", now=self.clock.now()
                )
                report.deferred += 1
                return "deferred"
            model, record_id, existed = self._send(row, parent)
        except Exception as exc:
            return self._failed(row, classify_exception(exc), report)
        if not outbox.mark_sent(self.engine, row.id, self.worker_id, model, record_id, now=self.clock.now()):
            log.warning("outbox %s: lease lost before recording the result (another worker took over)", row.id)
            return "lost_claim"
        report.sent += 1
        if existed:
            report.found_existing += 1
        log.info(
            "outbox %s (%s) sent: %s(%s)%s", row.id, row.kind, model, record_id, " found by marker" if existed else ""
        )
        return "sent"

    def _failed(self, row: OutboxRow, info: ErrorInfo, report: DispatchReport) -> str:
        report.count_error(info.code)
        if info.transient and row.attempts < self.backoff.max_attempts:
            delay = self.backoff.delay(row.attempts, self.rng)
            if self._creating and info.code != "unreachable":
                delay = max(delay, self.in_doubt.total_seconds())
            now = self.clock.now()
            outbox.mark_retry(
                self.engine, row.id, self.worker_id, info.as_text(), now + timedelta(seconds=delay), now=now
            )
            report.retried += 1
            log.info("outbox %s attempt %d failed (%s); retry in %.1fs", row.id, row.attempts, info.code, delay)
            return "retry"
        if info.transient:
            info = ErrorInfo(
                "retry_exhausted",
                False,
                f"Gave up after {row.attempts} attempts; the last one: {info.message} "
                "Check that Odoo is up, then re-queue the action.",
                info.odoo_exception,
            )
        outbox.mark_needs_person(self.engine, row.id, self.worker_id, info.as_text(), now=self.clock.now())
        report.needs_person += 1
        log.warning("outbox %s needs a person: %s", row.id, info.code)
        if info.code in SYSTEMIC_CODES:
            report.stopped = info
            self._gateway = None
        return "needs_person"

    def _parent(self, row: OutboxRow) -> tuple[str, int] | Wait | None:
        """The Odoo record the row attaches to (its case's ticket), or how long to wait for it."""
        key = row.parent_key
        if not key:
            return None
        parent = outbox.row_by_key(self.engine, key)
        if parent is None:
            raise ConfigMissing(f"The ticket this action belongs to ({key}) is not in the outbox.")
        if parent.status == outbox.SENT and parent.odoo_model and parent.odoo_id:
            self.created.add(parent.odoo_model, parent.odoo_id)
            return parent.odoo_model, parent.odoo_id
        now = self.clock.now()
        if parent.status == outbox.NEEDS_PERSON:
            # re-queuing the ticket's case brings this row forward again (outbox.requeue)
            return Wait(now + timedelta(hours=1), "the case's ticket needs a person first")
        later = max(now, parent.next_attempt_at) + self.parent_wait
        return Wait(later, "waiting for the case's ticket to be created")

    def _before_create(self, row: OutboxRow) -> None:
        """Renew the lease just before a create: if the row is no longer ours, another worker owns it."""
        if not outbox.renew(self.engine, row.id, self.worker_id, self.lease, now=self.clock.now()):
            raise OdooError(ErrorInfo("internal", True, "Lease lost before create; another worker has the row."))
        self._creating = True

    def _send(self, row: OutboxRow, parent: tuple[str, int] | None) -> tuple[str, int, bool]:
        gw = self.gateway
        gw.ensure_connected()
        p = row.payload
        target = parent
        if row.kind == "ticket":
            return self._ticket(row, gw, self.options.helpdesk_team)
        if row.kind == "note":
            if target is None:
                raise ConfigMissing("A note needs the ticket it belongs to.")
            found = gw.find_message(target[0], target[1], row.marker)
            if found:
                return "mail.message", found[0], True
            self._before_create(row)
            return "mail.message", gw.post_note(target[0], target[1], p["body"]), False
        if row.kind == "activity":
            if target is None:
                raise ConfigMissing("An activity needs the ticket it belongs to.")
            return self._activity(row, gw, target, p["summary"], p["note"], self._assignee(gw, p))
        if row.kind == "approval":
            return self._approval(row, gw)
        if row.kind == "accounting":
            if target is None:
                raise ConfigMissing("Accounting's activity needs the ticket it belongs to.")
            accountant = gw.user_id(self.options.accounting_login)
            if accountant is None:
                raise ConfigMissing(
                    f"The accounting user {self.options.accounting_login!r} does not exist in Odoo: "
                    "create it or set ODOO_ACCOUNTING_LOGIN."
                )
            return self._activity(row, gw, target, p["summary"], p["note"], accountant)
        raise ConfigMissing(f"Unknown outbox kind {row.kind!r}.")

    # ------------------------------------------------------------------ kinds
    def _ticket(self, row: OutboxRow, gw: OdooGateway, team_name: str) -> tuple[str, int, bool]:
        p = row.payload
        fm = gw.fieldmap
        if gw.info is not None and gw.info.helpdesk == "none":
            raise ConfigMissing(
                "Neither Helpdesk (Enterprise) nor helpdesk_mgmt (OCA) is installed in Odoo: install one of them."
            )
        found = gw.find_ticket(row.marker)
        if found:
            return fm.ticket_model, found[0], True
        team_id = gw.team_id(team_name)
        if team_id is None:
            raise ConfigMissing(
                f"The helpdesk team {team_name!r} does not exist in Odoo: create it or set ODOO_HELPDESK_TEAM."
            )
        user_id = gw.user_id(p["assignee"]) if p.get("assignee") else None
        vals = fm.ticket_values(
            name=p["name"],
            description=p["description"],
            team_id=team_id,
            partner_id=p.get("partner_id"),
            priority=p.get("priority", "P3"),
            tag_ids=gw.tag_ids(p.get("tags") or []),
            user_id=user_id,
        )
        self._before_create(row)
        return fm.ticket_model, gw.create_ticket(vals), False

    def _assignee(self, gw: OdooGateway, p: dict[str, Any]) -> int | None:
        if p.get("assignee"):
            user = gw.user_id(p["assignee"])
            if user:
                return user
        if p.get("partner_id"):
            manager = gw.account_manager(int(p["partner_id"]))
            if manager:
                return manager
        return gw.user_id(self.options.supervisor_login)

    def _activity(
        self, row: OutboxRow, gw: OdooGateway, target: tuple[str, int], summary: str, note: str, user_id: int | None
    ) -> tuple[str, int, bool]:
        found = gw.find_activity(target[0], target[1], row.marker)
        if found:
            return "mail.activity", found[0], True
        if row.attempts > 1:  # only an earlier attempt can have made an activity that was since marked done
            done = gw.find_message(target[0], target[1], row.marker)  # (a done activity becomes a message)
            if done:
                return "mail.message", done[0], True
        self._before_create(row)
        record_id = gw.create_activity(
            target[0],
            target[1],
            summary=summary,
            note=note,
            user_id=user_id,
            deadline=(self.clock.now() + timedelta(days=int(row.payload.get("deadline_days", 1)))).date(),
            activity_type_id=gw.xmlid("mail", "mail_activity_data_todo"),
        )
        return "mail.activity", record_id, False

    def _approval(self, row: OutboxRow, gw: OdooGateway) -> tuple[str, int, bool]:
        p = row.payload
        fm = gw.fieldmap
        info = gw.ensure_connected()
        if info.approvals:
            found = gw.find_approval(row.marker)
            if found:
                request = found[0]
                if request.get(fm.approval_status_field) in ("new", False, None):
                    gw.submit_approval(int(request["id"]))
                return fm.approval_model, int(request["id"]), True
            name = self.options.approval_categories.get(p["approval_kind"], p["approval_kind"])
            category_id = gw.approval_category_id(name)
            if category_id is None:
                raise ConfigMissing(
                    f"The approval category {name!r} does not exist in Odoo Approvals: create it "
                    "or map the kind with ODOO_APPROVAL_CATEGORIES."
                )
            vals = fm.approval_values(
                name=p["name"],
                category_id=category_id,
                reason=p["reason"],
                amount=p.get("amount"),
                partner_id=p.get("partner_id"),
            )
            self._before_create(row)
            record_id = gw.create_approval(vals)
            gw.submit_approval(record_id)
            return fm.approval_model, record_id, False
        # No Approvals: a ticket in the approvals team, with an activity for the supervisor.
        model, ticket_id, existed = self._ticket_for_approval(row, gw)
        supervisor = gw.user_id(self.options.supervisor_login)
        if supervisor is None:
            raise ConfigMissing(
                f"The supervisor user {self.options.supervisor_login!r} does not exist in Odoo: "
                "set ODOO_SUPERVISOR_LOGIN."
            )
        label = p["approval_kind"].replace("_", "-")
        self._activity(row, gw, (model, ticket_id), f"Approve {label}"[:120], p["reason"], supervisor)
        return model, ticket_id, existed

    def _ticket_for_approval(self, row: OutboxRow, gw: OdooGateway) -> tuple[str, int, bool]:
        p = row.payload
        fm = gw.fieldmap
        found = gw.find_ticket(row.marker)
        if found:
            return fm.ticket_model, found[0], True
        team_id = gw.team_id(self.options.approvals_team)
        if team_id is None:
            raise ConfigMissing(
                f"Approvals is not installed and the helpdesk team {self.options.approvals_team!r} for approvals "
                "does not exist: create it or set ODOO_APPROVALS_TEAM."
            )
        vals = fm.ticket_values(
            name=f"Approval needed - {p['name']}",
            description=p["reason"],
            team_id=team_id,
            partner_id=p.get("partner_id"),
            priority=p.get("priority", "P3"),
            tag_ids=[],
        )
        self._before_create(row)
        return fm.ticket_model, gw.create_ticket(vals), False


def dispatcher_for(
    engine: Engine,
    target: OdooTarget,
    clock: Clock,
    options: OdooOptions | None = None,
    on_outcome: Callable[[str], None] | None = None,
) -> Dispatcher:
    """The dispatcher for one Odoo target, with a lease that outlives any call in flight (Odoo's own
    request limit), so a live worker's row is never taken over."""
    options = options or OdooOptions()

    def factory(created: CreatedRecords) -> OdooGateway:
        return OdooGateway(target, created=created)

    lease = timedelta(seconds=max(60.0, target.timeout_s * 4, options.request_limit_s + target.timeout_s))
    return Dispatcher(engine, factory, options=options, lease=lease, clock=clock, on_outcome=on_outcome)


def dispatch_once(
    engine: Engine, target: OdooTarget, clock: Clock, options: OdooOptions | None = None
) -> DispatchReport:
    """Send everything due now and return (for the demo, a UI "send now" button, or a cron job)."""
    return dispatcher_for(engine, target, clock, options).run(until_idle=True)
