"""What the store says about the health of the service: for Prometheus (read at scrape time) and the
dashboard's Health section.

Every read degrades gracefully: tables other parts of the product add (worker heartbeats, webhook
rejects) are looked up by name and read when they exist; otherwise the read says "no data" (None or an
empty frame) instead of failing. Only counts, ids, codes and times leave here: never case text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Engine, MetaData, Table, func, inspect, literal_column, select
from sqlalchemy.exc import SQLAlchemyError

from agents.metrics import StoreGauges
from agents.ports import Clock
from tools.odoo.errors import parse_error_text
from tools.store import schema as t

# Cases waiting for a worker (triage) or for a person (review): what "waiting" means in the gauges.
WAITING_STATUSES: tuple[str, ...] = ("received", "redacted", "awaiting_review", "needs_classification")
TRIAGE_WAITING: tuple[str, ...] = ("received", "redacted")
REVIEW_WAITING: tuple[str, ...] = ("awaiting_review", "needs_classification")
# Tables the API and the worker record into; names and columns are looked up, not assumed.
HEARTBEAT_TABLES = ("worker_heartbeats", "workers", "heartbeats")
HEARTBEAT_WORKER_COLUMNS = ("worker_id", "worker", "id", "name")
HEARTBEAT_TIME_COLUMNS = ("last_seen", "heartbeat_at", "last_heartbeat", "at", "updated_at")
REJECT_TABLES = ("webhook_rejects", "webhook_rejections", "webhook_log")
REJECT_REASON_COLUMNS = ("reason",)
REJECT_TIME_COLUMNS = ("at", "created_at", "received_at")


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# ---------------------------------------------------------------------- Prometheus


def read_store_gauges(engine: Engine, clock: Clock) -> StoreGauges:
    """Cases per (status, priority) and the age of the oldest waiting case, in two queries."""
    c = t.cases.c
    prio = func.coalesce(c.priority, literal_column("'-'")).label("prio")
    with engine.connect() as conn:
        rows = conn.execute(select(c.status, prio, func.count()).group_by(c.status, literal_column("prio"))).all()
        oldest = conn.execute(
            select(func.min(func.coalesce(c.received_at, c.created_at))).where(c.status.in_(WAITING_STATUSES))
        ).scalar()
    since = _utc(oldest)
    age = max((clock.now() - since).total_seconds(), 0.0) if since else 0.0
    return StoreGauges([(str(s), str(p), int(n)) for s, p, n in rows], age)


def store_collector(engine: Engine, clock: Clock) -> Any:
    """The callable `Metrics.register_store_collector` wants."""
    return lambda: read_store_gauges(engine, clock)


# ---------------------------------------------------------------------- dashboard: health


def _reflect(engine: Engine, names: Sequence[str]) -> Table | None:
    try:
        present = set(inspect(engine).get_table_names())
    except SQLAlchemyError:
        return None
    for name in names:
        if name in present:
            try:
                return Table(name, MetaData(), autoload_with=engine)
            except SQLAlchemyError:
                return None
    return None


def _column(table: Table, names: Sequence[str]) -> Any:
    for name in names:
        if name in table.c:
            return table.c[name]
    return None


def ingest_delay(engine: Engine, since: datetime) -> pd.DataFrame:
    """Per case stored since `since`: seconds from the message's own date to stored (columns day, seconds)."""
    c = t.cases.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(c.received_at, c.created_at).where(c.created_at >= since, c.received_at.isnot(None))
        ).all()
    data = []
    for r in rows:
        received, created = _utc(r.received_at), _utc(r.created_at)
        if received is None or created is None:
            continue
        data.append((created.date(), max((created - received).total_seconds(), 0.0)))
    frame = pd.DataFrame(data, columns=["day", "seconds"])
    if len(frame):
        frame["day"] = pd.to_datetime(frame["day"])
    return frame


def oldest_waiting(engine: Engine, now: datetime) -> dict[str, dict[str, Any] | None]:
    """The oldest case waiting for triage (no worker has finished it) and the oldest unassigned case in review."""
    c = t.cases.c
    out: dict[str, dict[str, Any] | None] = {}
    with engine.connect() as conn:
        for key, statuses, extra in (
            ("triage", TRIAGE_WAITING, []),
            ("review", REVIEW_WAITING, [c.assignee.is_(None)]),
        ):
            since = func.coalesce(c.received_at, c.created_at)
            row = conn.execute(
                select(c.id, c.priority, since.label("since"))
                .where(c.status.in_(statuses), *extra)
                .order_by(since)
                .limit(1)
            ).first()
            if row is None:
                out[key] = None
                continue
            at = _utc(row.since)
            out[key] = {
                "case": row.id,
                "priority": row.priority,
                "since": at,
                "seconds": max((now - at).total_seconds(), 0.0) if at else 0.0,
            }
    return out


def dispatch_failures_by_kind(engine: Engine) -> pd.DataFrame:
    """Outbox rows that need a person, per kind and error code (columns kind, code, rows)."""
    o = t.outbox.c
    with engine.connect() as conn:
        rows = conn.execute(select(o.kind, o.last_error).where(o.status == "needs_person")).all()
    counts: dict[tuple[str, str], int] = {}
    for r in rows:
        code = parse_error_text(r.last_error)[0] or "unknown"
        counts[(r.kind, code)] = counts.get((r.kind, code), 0) + 1
    return pd.DataFrame([(k, c, n) for (k, c), n in sorted(counts.items())], columns=["kind", "code", "rows"])


def webhook_rejects(engine: Engine, since: datetime) -> pd.DataFrame | None:
    """Webhook rejects per reason since `since`; None when no component records them yet."""
    table = _reflect(engine, REJECT_TABLES)
    if table is None:
        return None
    reason = _column(table, REJECT_REASON_COLUMNS)
    if reason is None:
        return None
    when = _column(table, REJECT_TIME_COLUMNS)
    query = select(reason.label("reason"), func.count().label("rejects")).group_by(literal_column("reason"))
    if when is not None:
        query = query.where(when >= since)
    try:
        with engine.connect() as conn:
            rows = conn.execute(query).all()
    except SQLAlchemyError:
        return None
    return pd.DataFrame([(str(r.reason), int(r.rejects)) for r in rows], columns=["reason", "rejects"])


def worker_heartbeats(engine: Engine, now: datetime) -> pd.DataFrame | None:
    """Each worker's last heartbeat and its age; None when no worker records heartbeats yet."""
    table = _reflect(engine, HEARTBEAT_TABLES)
    if table is None:
        return None
    worker, when = _column(table, HEARTBEAT_WORKER_COLUMNS), _column(table, HEARTBEAT_TIME_COLUMNS)
    if worker is None or when is None:
        return None
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(worker.label("worker"), func.max(when).label("last")).group_by(literal_column("worker"))
            ).all()
    except SQLAlchemyError:
        return None
    data = []
    for r in rows:
        last = r.last if isinstance(r.last, datetime) else None
        last = _utc(last)
        data.append((str(r.worker), last, (now - last).total_seconds() if last else None))
    return pd.DataFrame(data, columns=["worker", "last_heartbeat", "seconds_ago"])


def health(engine: Engine, now: datetime, since: datetime) -> dict[str, Any]:
    """Everything the Health section shows, in one call."""
    return {
        "ingest_delay": ingest_delay(engine, since),
        "webhook_rejects": webhook_rejects(engine, since),
        "dispatch_failures": dispatch_failures_by_kind(engine),
        "oldest": oldest_waiting(engine, now),
        "heartbeats": worker_heartbeats(engine, now),
    }
