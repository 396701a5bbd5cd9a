"""The outbox: approved Odoo actions waiting to be sent, exactly once (DESIGN invariant 4).

A row is inserted in the same transaction that approves the case (or right after, idempotently:
`idempotency_key` is unique). The dispatcher claims due rows (`FOR UPDATE SKIP LOCKED` on
PostgreSQL, one atomic `UPDATE ... WHERE status = 'pending' ... RETURNING` on SQLite), sends them,
and records the Odoo record (`odoo_model`, `odoo_id`). A row left in `sending` by a crashed worker
is claimed again once its lease (`claimed_until`) has passed; the dispatcher then finds the record
by its marker before it creates anything.

Statuses: pending (waiting, maybe after a failed attempt: `last_error` says why) -> sending (claimed)
-> sent | needs_person (a permanent failure; `last_error` says what a person must do; `requeue`
puts it back). `last_error` is "[code] message" (see tools.odoo.errors.parse_error_text).
The case row mirrors its actions in `dispatch_status` / `dispatch_error` and `status`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from agents.state import Proposal, Reference, stored_references
from tools.odoo.payloads import DispatchCase, OutboxItem, build_outbox_items, shipment_keys, ticket_key
from tools.store import schema as t

log = logging.getLogger(__name__)

PENDING, SENDING, SENT, NEEDS_PERSON = "pending", "sending", "sent", "needs_person"
STATUSES = (PENDING, SENDING, SENT, NEEDS_PERSON)
CLOSED_CASE_STATUSES = ("closed", "rejected")
# Case statuses the dispatcher may move between (it never touches a closed or rejected case).
_DISPATCH_CASE_STATUSES = ("approved", "dispatched", "dispatch_failed")


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class OutboxRow:
    id: str
    case_id: str
    idempotency_key: str
    kind: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: datetime
    claimed_by: str | None
    claimed_until: datetime | None
    last_error: str | None
    odoo_model: str | None
    odoo_id: int | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_mapping(cls, m: Any) -> OutboxRow:
        return cls(
            id=m["id"],
            case_id=m["case_id"],
            idempotency_key=m["idempotency_key"],
            kind=m["kind"],
            payload=dict(m["payload"] or {}),
            status=m["status"],
            attempts=int(m["attempts"] or 0),
            next_attempt_at=_utc(m["next_attempt_at"]),  # type: ignore[arg-type]
            claimed_by=m["claimed_by"],
            claimed_until=_utc(m["claimed_until"]),
            last_error=m["last_error"],
            odoo_model=m["odoo_model"],
            odoo_id=m["odoo_id"],
            created_at=_utc(m["created_at"]),  # type: ignore[arg-type]
            updated_at=_utc(m["updated_at"]),  # type: ignore[arg-type]
        )

    @property
    def marker(self) -> str:
        return str(self.payload.get("marker", ""))

    @property
    def parent_key(self) -> str | None:
        value = self.payload.get("parent_key")
        return str(value) if value else None


def new_outbox_id() -> str:
    return "obx_" + uuid.uuid4().hex[:24]


# ---------------------------------------------------------------------- enqueue


def insert_items(conn: Connection, case_id: str, items: Sequence[OutboxItem], *, now: datetime) -> list[str]:
    """Insert the items not yet in the outbox (by idempotency key); the row ids of all of them."""
    ids: list[str] = []
    o = t.outbox
    for position, item in enumerate(items):
        existing = conn.execute(select(o.c.id).where(o.c.idempotency_key == item.idempotency_key)).scalar()
        if existing:
            ids.append(str(existing))
            continue
        row_id = new_outbox_id()
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(o).values(
                        id=row_id,
                        case_id=case_id,
                        idempotency_key=item.idempotency_key,
                        kind=item.kind,
                        payload=item.payload,
                        status=PENDING,
                        attempts=0,
                        # parents first: a child claimed before its ticket is sent only waits
                        next_attempt_at=now + timedelta(microseconds=position),
                        created_at=now,
                        updated_at=now,
                    )
                )
        except IntegrityError:
            # a concurrent enqueue of the same approved action won the race: use its row
            row_id = str(conn.execute(select(o.c.id).where(o.c.idempotency_key == item.idempotency_key)).scalar_one())
        ids.append(row_id)
    return ids


def find_open_ticket_key(
    conn: Connection, case_id: str, references: Sequence[Reference], scan: int = 500
) -> str | None:
    """The ticket key of another open case about the same shipment (a shared shipment reference)."""
    keys = shipment_keys(list(references))
    if not keys:
        return None
    c, o = t.cases, t.outbox
    has_ticket = (
        select(o.c.id)
        .where(o.c.case_id == c.c.id, o.c.kind == "ticket", o.c.status.in_((PENDING, SENDING, SENT)))
        .exists()
    )
    rows = conn.execute(
        select(c.c.id, c.c.refs)
        .where(c.c.id != case_id, c.c.status.notin_(CLOSED_CASE_STATUSES), has_ticket)
        .order_by(c.c.created_at.desc())
        .limit(scan)
    ).all()
    for row in rows:
        if shipment_keys(stored_references(row.refs)) & keys:
            return ticket_key(row.id)
    return None


def enqueue(engine: Engine, case: DispatchCase, approved: Proposal, *, now: datetime) -> list[str]:
    """Queue the approved actions of a case, idempotently; a follow-up becomes a note on the open ticket."""
    with engine.begin() as conn:
        if case.open_ticket_key is None:
            open_key = find_open_ticket_key(conn, case.case_id, case.references)
            if open_key:
                case = case.model_copy(update={"open_ticket_key": open_key})
        ids = insert_items(conn, case.case_id, build_outbox_items(case, approved), now=now)
        refresh_case(conn, case.case_id, now)
    log.info("case %s: %d outbox row(s) queued", case.case_id, len(ids))
    return ids


def dispatch_case_from_row(
    row: Any, ui_base_url: str, carrier_tag: Callable[..., str | None] | None = None
) -> DispatchCase:
    """A DispatchCase from a `cases` row (redacted columns only). `carrier_tag` maps carrier names (the
    message's, then the ERP transfer's delivery carrier) to the helpdesk tag (policies/carriers.yaml)."""
    refs = stored_references(row.refs)
    classification = row.classification or {}
    erp = row.erp or {}
    customer = erp.get("customer") or {}
    partner_id = customer.get("id")
    text = "\n\n".join(p for p in (row.subject, row.body) if p)
    carrier_id = (erp.get("picking") or {}).get("carrier_id")
    erp_carrier = str(carrier_id[1]) if isinstance(carrier_id, list) and len(carrier_id) > 1 else None
    order = erp.get("order") or {}
    return DispatchCase(
        case_id=row.id,
        case_url=f"{ui_base_url.rstrip('/')}/case?id={row.id}",
        summary=row.summary or "",
        reason=row.reason,
        evidence=str(classification.get("evidence") or ""),
        references=refs,
        redacted_text=text,
        carrier=row.carrier or erp_carrier,
        carrier_tag=carrier_tag(row.carrier, erp_carrier) if carrier_tag else None,
        customer_partner_id=int(partner_id) if isinstance(partner_id, int) else None,
        partner_role="vendor" if customer.get("role") == "vendor" or order.get("kind") == "purchase" else "customer",
        partner_name=str(customer.get("name") or "") or None,
        partner_match=str(customer.get("matched_by") or "") or None,
        priority=row.priority or "P3",
        order_name=str((erp.get("order") or {}).get("name") or "") or None,
        stock=erp.get("stock") or None,
    )


# ---------------------------------------------------------------------- claim and record


def _due(now: datetime) -> Any:
    o = t.outbox
    return or_(
        and_(o.c.status == PENDING, o.c.next_attempt_at <= now),
        and_(o.c.status == SENDING, o.c.claimed_until < now),  # a crashed or stuck worker's lease ran out
    )


def claim(
    engine: Engine, worker: str, lease: timedelta, *, now: datetime, limit: int = 1
) -> list[OutboxRow]:
    """Claim up to `limit` due rows for `worker` (attempts + 1, status sending, lease until now + lease)."""
    o = t.outbox
    candidates = select(o.c.id).where(_due(now)).order_by(o.c.next_attempt_at, o.c.created_at).limit(limit)
    if engine.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    stmt = (
        update(o)
        .where(o.c.id.in_(candidates.scalar_subquery()), _due(now))
        .values(
            status=SENDING,
            attempts=o.c.attempts + 1,
            claimed_by=worker,
            claimed_until=now + lease,
            updated_at=now,
        )
        .returning(*o.c)
    )
    with engine.begin() as conn:
        return [OutboxRow.from_mapping(r) for r in conn.execute(stmt).mappings().all()]


def _owned(row_id: str, worker: str) -> Any:
    o = t.outbox
    return and_(o.c.id == row_id, o.c.status == SENDING, o.c.claimed_by == worker)


def renew(engine: Engine, row_id: str, worker: str, lease: timedelta, *, now: datetime) -> bool:
    """Extend the lease before a create; False when the row is no longer ours (do not create then)."""
    with engine.begin() as conn:
        result = conn.execute(update(t.outbox).where(_owned(row_id, worker)).values(claimed_until=now + lease))
    return bool(result.rowcount)


def _finish(engine: Engine, row_id: str, worker: str, values: dict[str, Any], now: datetime) -> bool:
    with engine.begin() as conn:
        result = conn.execute(update(t.outbox).where(_owned(row_id, worker)).values(updated_at=now, **values))
        if not result.rowcount:
            return False
        case_id = conn.execute(select(t.outbox.c.case_id).where(t.outbox.c.id == row_id)).scalar_one()
        refresh_case(conn, case_id, now)
    return True


def mark_sent(
    engine: Engine, row_id: str, worker: str, odoo_model: str, odoo_id: int, *, now: datetime
) -> bool:
    return _finish(
        engine,
        row_id,
        worker,
        {
            "status": SENT,
            "odoo_model": odoo_model,
            "odoo_id": int(odoo_id),
            "claimed_by": None,
            "claimed_until": None,
            "last_error": None,
        },
        now,
    )


def mark_retry(
    engine: Engine, row_id: str, worker: str, error: str, next_at: datetime, *, now: datetime
) -> bool:
    return _finish(
        engine,
        row_id,
        worker,
        {"status": PENDING, "next_attempt_at": next_at, "claimed_by": None, "claimed_until": None, "last_error": error},
        now,
    )


def mark_needs_person(engine: Engine, row_id: str, worker: str, error: str, *, now: datetime) -> bool:
    return _finish(
        engine,
        row_id,
        worker,
        {"status": NEEDS_PERSON, "claimed_by": None, "claimed_until": None, "last_error": error},
        now,
    )


def defer(engine: Engine, row_id: str, worker: str, until: datetime, note: str, *, now: datetime) -> bool:
    """Put a claimed row back without counting the attempt (it waits for its parent ticket)."""
    o = t.outbox
    return _finish(
        engine,
        row_id,
        worker,
        {
            "status": PENDING,
            "next_attempt_at": until,
            "claimed_by": None,
            "claimed_until": None,
            "attempts": func.max(o.c.attempts - 1, 0)
            if engine.dialect.name == "sqlite"
            else func.greatest(o.c.attempts - 1, 0),
            "last_error": note,
        },
        now,
    )


def requeue(
    engine: Engine, *, row_ids: Sequence[str] | None = None, case_id: str | None = None, now: datetime
) -> int:
    """After a person fixed the cause: needs_person rows back to pending, attempts reset."""
    o = t.outbox
    where = [o.c.status == NEEDS_PERSON]
    if row_ids is not None:
        where.append(o.c.id.in_(list(row_ids)))
    if case_id is not None:
        where.append(o.c.case_id == case_id)
    with engine.begin() as conn:
        cases = [r[0] for r in conn.execute(select(o.c.case_id).where(*where).distinct())]
        result = conn.execute(
            update(o).where(*where).values(status=PENDING, attempts=0, next_attempt_at=now, updated_at=now)
        )
        for cid in cases:
            # rows of the same case waiting for a ticket that needed a person: due again now
            conn.execute(
                update(o)
                .where(o.c.case_id == cid, o.c.status == PENDING, o.c.next_attempt_at > now)
                .values(next_attempt_at=now, updated_at=now)
            )
            refresh_case(conn, cid, now)
    return int(result.rowcount or 0)


# ---------------------------------------------------------------------- reads


def row_by_key(engine: Engine, idempotency_key: str) -> OutboxRow | None:
    with engine.connect() as conn:
        m = conn.execute(select(t.outbox).where(t.outbox.c.idempotency_key == idempotency_key)).mappings().first()
    return OutboxRow.from_mapping(m) if m else None


def rows_for_case(engine: Engine, case_id: str) -> list[OutboxRow]:
    with engine.connect() as conn:
        ms = conn.execute(
            select(t.outbox).where(t.outbox.c.case_id == case_id).order_by(t.outbox.c.next_attempt_at)
        ).mappings()
        return [OutboxRow.from_mapping(m) for m in ms]


def all_rows(engine: Engine) -> list[OutboxRow]:
    with engine.connect() as conn:
        return [OutboxRow.from_mapping(m) for m in conn.execute(select(t.outbox)).mappings()]


def counts(engine: Engine) -> dict[str, int]:
    """Rows per status (all statuses present, zero when none): for metrics and the CLI."""
    o = t.outbox
    with engine.connect() as conn:
        found: dict[str, int] = {
            str(status): int(n) for status, n in conn.execute(select(o.c.status, func.count()).group_by(o.c.status))
        }
    return {s: int(found.get(s, 0)) for s in STATUSES} | {k: int(v) for k, v in found.items() if k not in STATUSES}


def next_due_at(engine: Engine) -> datetime | None:
    """When the next pending row (or expired lease) becomes due; None when nothing is waiting."""
    o = t.outbox
    with engine.connect() as conn:
        pending = conn.execute(select(func.min(o.c.next_attempt_at)).where(o.c.status == PENDING)).scalar()
        lease = conn.execute(select(func.min(o.c.claimed_until)).where(o.c.status == SENDING)).scalar()
    times = [x for x in (_utc(pending), _utc(lease)) if x is not None]
    return min(times) if times else None


def is_product_record(engine: Engine, model: str, record_id: int) -> bool:
    """Did the product create this Odoo record (a sent outbox row points at it)?"""
    o = t.outbox
    with engine.connect() as conn:
        found = conn.execute(
            select(o.c.id).where(o.c.odoo_model == model, o.c.odoo_id == record_id, o.c.status == SENT).limit(1)
        ).first()
    return found is not None


# ---------------------------------------------------------------------- the case mirror


def refresh_case(conn: Connection, case_id: str, now: datetime) -> None:
    """Mirror the case's outbox rows on the case: dispatch_status, dispatch_error and status."""
    o, c = t.outbox, t.cases
    rows = conn.execute(
        select(o.c.status, o.c.last_error, o.c.attempts, o.c.idempotency_key)
        .where(o.c.case_id == case_id)
        .order_by(o.c.created_at)
    ).all()
    if not rows:
        return
    statuses = [r.status for r in rows]
    # The case's own record in Odoo (its ticket, or the follow-up note on another case's ticket): once it
    # exists the case is dispatched, whatever a later note or activity still waits for.
    primary_sent = any(
        r.status == SENT and r.idempotency_key in (f"{case_id}:ticket", f"{case_id}:followup") for r in rows
    )
    error: str | None = None
    target: str | None
    if all(s == SENT for s in statuses):
        dispatch_status, target = "sent", "dispatched"
    elif NEEDS_PERSON in statuses:
        dispatch_status, target = "needs_person", "dispatch_failed"
        error = next(r.last_error for r in rows if r.status == NEEDS_PERSON)
    elif any(r.status == PENDING and r.attempts > 0 and r.last_error for r in rows):
        dispatch_status, target = "retrying", "approved"
        error = next(r.last_error for r in rows if r.status == PENDING and r.attempts > 0 and r.last_error)
    elif SENDING in statuses:
        dispatch_status, target = "sending", "approved"
    else:
        dispatch_status, target = "pending", "approved"
    if primary_sent:
        target = "dispatched"
    current = conn.execute(select(c.c.status).where(c.c.id == case_id)).scalar()
    values: dict[str, Any] = {"dispatch_status": dispatch_status, "dispatch_error": error, "updated_at": now}
    if current in _DISPATCH_CASE_STATUSES:
        values["status"] = target
    conn.execute(update(c).where(c.c.id == case_id).values(**values))
