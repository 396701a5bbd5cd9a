"""What the store says about the health of the service: for Prometheus (read at scrape time) and the
dashboard's Health section.

Workers write their heartbeat and the API its webhook rejects here (`record_heartbeat`,
`record_webhook_reject`); an empty frame means nothing has been recorded yet. Only counts, ids, codes
and times leave here: never case text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, insert, literal_column, select, update
from sqlalchemy.exc import IntegrityError

from tools.odoo.errors import parse_error_text
from tools.store import schema as t

# Cases waiting for a worker (triage) or for a person (review): what "waiting" means in the gauges.
WAITING_STATUSES: tuple[str, ...] = ("received", "redacted", "awaiting_review", "needs_classification")
TRIAGE_WAITING: tuple[str, ...] = ("received", "redacted")
REVIEW_WAITING: tuple[str, ...] = ("awaiting_review", "needs_classification")


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# ---------------------------------------------------------------------- Prometheus


def case_gauges(engine: Engine, now: datetime) -> tuple[list[tuple[str, str, int]], float]:
    """Cases per (status, priority) and the age in seconds of the oldest waiting case, in two queries
    (the composition root turns them into the scrape-time gauges of `agents.metrics`)."""
    c = t.cases.c
    prio = func.coalesce(c.priority, literal_column("'-'")).label("prio")
    with engine.connect() as conn:
        rows = conn.execute(select(c.status, prio, func.count()).group_by(c.status, literal_column("prio"))).all()
        oldest = conn.execute(
            select(func.min(func.coalesce(c.received_at, c.created_at))).where(c.status.in_(WAITING_STATUSES))
        ).scalar()
    since = _utc(oldest)
    age = max((now - since).total_seconds(), 0.0) if since else 0.0
    return [(str(s), str(p), int(n)) for s, p, n in rows], age


# ---------------------------------------------------------------------- dashboard: health


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


def webhook_rejects(engine: Engine, since: datetime) -> pd.DataFrame:
    """Webhook rejects per reason since `since` (columns reason, rejects)."""
    w = t.webhook_rejects.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(w.reason, func.count().label("rejects")).where(w.at >= since).group_by(w.reason).order_by(w.reason)
        ).all()
    return pd.DataFrame([(str(r.reason), int(r.rejects)) for r in rows], columns=["reason", "rejects"])


def worker_heartbeats(engine: Engine, now: datetime) -> pd.DataFrame:
    """Each worker's last heartbeat and how long ago it was (columns worker, last_heartbeat, seconds_ago)."""
    hb = t.worker_heartbeats.c
    with engine.connect() as conn:
        rows = conn.execute(select(hb.worker_id, hb.last_seen).order_by(hb.worker_id)).all()
    data = []
    for r in rows:
        last = _utc(r.last_seen)
        data.append((str(r.worker_id), last, (now - last).total_seconds() if last else None))
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


# ---------------------------------------------------------------------- writers (worker, API)


def record_heartbeat(engine: Engine, worker_id: str, now: datetime) -> None:
    """A worker's "still alive" (one row per worker, upserted), for the Health section."""
    hb = t.worker_heartbeats
    with engine.begin() as conn:
        done = conn.execute(update(hb).where(hb.c.worker_id == worker_id).values(last_seen=now)).rowcount
        if not done:
            try:
                with conn.begin_nested():
                    conn.execute(insert(hb).values(worker_id=worker_id, last_seen=now))
            except IntegrityError:  # another process of the same id got there first
                conn.execute(update(hb).where(hb.c.worker_id == worker_id).values(last_seen=now))


def record_webhook_reject(engine: Engine, reason: str, now: datetime) -> None:
    """One refused webhook: its reason code and the time (never the request), for the Health section."""
    with engine.begin() as conn:
        conn.execute(insert(t.webhook_rejects).values(reason=reason[:40], at=now))

