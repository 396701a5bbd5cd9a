"""Read-side queries for the review UI: the paginated work queue and the dashboard's aggregations.

Everything is SQLAlchemy Core so it runs unchanged on SQLite and PostgreSQL. The queue query always
pages (LIMIT/OFFSET) and filters/sorts on indexed columns (`ix_cases_queue` = status, priority,
created_at), so it stays fast with tens of thousands of open cases. Only redacted columns are read:
nothing here touches `raw_messages` (DESIGN invariant 1: the queue view never shows raw text).

`ReadService` is the checked entry point the UI uses: it requires `case.view` / `dashboard.view`
server-side before any query runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Engine, Select, and_, case, func, literal_column, or_, select

from agents.ports import Clock
from agents.state import User
from policies.roles import require
from tools.store import schema as t

# The statuses a reviewer works on: the default view of the queue.
REVIEW_STATUSES: tuple[str, ...] = ("awaiting_review", "needs_classification")
# Every status that is not finished (shown in counts and the depth chart).
OPEN_STATUSES: tuple[str, ...] = (
    "received",
    "redacted",
    "awaiting_review",
    "needs_classification",
    "approved",
    "dispatch_failed",
)
ALL_STATUSES: tuple[str, ...] = (*OPEN_STATUSES, "rejected", "dispatched", "closed")
UNASSIGNED = "(unassigned)"
UNKNOWN_LANGUAGE = "(unknown)"
MAX_PAGE_SIZE = 200
SEARCH_MAX = 100  # characters of a search term; longer input is cut, never an error

# Columns the queue list shows: redacted text and metadata only.
_QUEUE_COLUMNS = (
    "id",
    "status",
    "priority",
    "reason",
    "confidence",
    "channel",
    "carrier",
    "language",
    "manipulation_suspected",
    "assignee",
    "subject",
    "summary",
    "reference_keys",
    "sla_due",
    "received_at",
    "created_at",
)


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes (stored as UTC); PostgreSQL aware ones. Always aware UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def format_age(delta: timedelta) -> str:
    """`3d 4h`, `5h 12m`, `7m`: how long a case has waited, for a person."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {mins}m"
    return f"{mins}m"


@dataclass(frozen=True)
class QueueFilters:
    """What the queue page can filter on; empty means "any"."""

    statuses: Sequence[str] = REVIEW_STATUSES
    reasons: Sequence[str] = ()
    priorities: Sequence[str] = ()
    channels: Sequence[str] = ()
    carriers: Sequence[str] = ()
    languages: Sequence[str] = ()  # ISO 639-1 codes; UNKNOWN_LANGUAGE selects cases without one
    manipulation_suspected: bool | None = None  # True: flagged only; False: not flagged only
    assignees: Sequence[str] = ()  # UNASSIGNED selects cases without an assignee
    min_confidence: float | None = None
    max_confidence: float | None = None
    sla_breached: bool | None = None  # True: past due only; False: not (yet) breached only
    search: str = ""


@dataclass(frozen=True)
class QueueRow:
    id: str
    status: str
    priority: str | None
    reason: str | None
    confidence: float | None
    channel: str
    carrier: str | None
    language: str | None
    manipulation_suspected: bool | None
    assignee: str | None
    subject: str | None
    summary: str | None
    reference_keys: str | None
    sla_due: datetime | None
    received_at: datetime | None
    created_at: datetime
    age: timedelta
    sla_breached: bool

    @property
    def age_text(self) -> str:
        return format_age(self.age)


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int  # cases matching the filters, over all pages
    page: int  # 1-based
    page_size: int
    counts: dict[str, int] = field(default_factory=dict)  # per status, all cases (not only this page)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    def frame(self) -> pd.DataFrame:
        """The page as a DataFrame for `st.dataframe` (redacted columns only)."""
        return pd.DataFrame(
            [
                {
                    "case": r.id,
                    "priority": r.priority,
                    "age": r.age_text,
                    "status": r.status,
                    "reason": r.reason or "-",
                    "confidence": r.confidence,
                    "channel": r.channel,
                    "carrier": r.carrier or "",
                    "language": r.language or "",
                    "manipulation": "SUSPECTED" if r.manipulation_suspected else "",
                    "assignee": r.assignee or "",
                    "SLA": "BREACHED" if r.sla_breached else "",
                    "subject": r.subject or "",
                    "references": r.reference_keys or "",
                }
                for r in self.rows
            ],
            columns=[
                "case", "priority", "age", "status", "reason", "confidence", "channel", "carrier",
                "language", "manipulation", "assignee", "SLA", "subject", "references",
            ],
        )


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(filters: QueueFilters, now: datetime) -> list[Any]:
    c = t.cases.c
    where: list[Any] = []
    if filters.statuses:
        where.append(c.status.in_(list(filters.statuses)))
    if filters.reasons:
        where.append(c.reason.in_(list(filters.reasons)))
    if filters.priorities:
        where.append(c.priority.in_(list(filters.priorities)))
    if filters.channels:
        where.append(c.channel.in_(list(filters.channels)))
    if filters.carriers:
        where.append(c.carrier.in_(list(filters.carriers)))
    if filters.languages:
        codes = [code for code in filters.languages if code != UNKNOWN_LANGUAGE]
        parts = [c.language.in_(codes)] if codes else []
        if UNKNOWN_LANGUAGE in filters.languages:
            parts.append(c.language.is_(None))
        where.append(or_(*parts))
    if filters.manipulation_suspected is True:
        where.append(c.manipulation_suspected.is_(True))
    elif filters.manipulation_suspected is False:
        where.append(or_(c.manipulation_suspected.is_(None), c.manipulation_suspected.is_(False)))
    if filters.assignees:
        named = [a for a in filters.assignees if a != UNASSIGNED]
        parts = [c.assignee.in_(named)] if named else []
        if UNASSIGNED in filters.assignees:
            parts.append(c.assignee.is_(None))
        where.append(or_(*parts))
    if filters.min_confidence is not None:
        where.append(c.confidence >= filters.min_confidence)
    if filters.max_confidence is not None:
        where.append(c.confidence <= filters.max_confidence)
    if filters.sla_breached is True:
        where.append(and_(c.sla_due.isnot(None), c.sla_due < now))
    elif filters.sla_breached is False:
        where.append(or_(c.sla_due.is_(None), c.sla_due >= now))
    for term in filters.search.strip()[:SEARCH_MAX].split():
        pattern = _like_pattern(term)
        where.append(
            or_(
                c.reference_keys.ilike(pattern, escape="\\"),
                c.subject.ilike(pattern, escape="\\"),
                c.body.ilike(pattern, escape="\\"),
                c.summary.ilike(pattern, escape="\\"),
                c.id.ilike(pattern, escape="\\"),
            )
        )
    return where


def queue_select(filters: QueueFilters, now: datetime, page: int = 1, page_size: int = 50) -> Select[Any]:
    """The page query: filters, then priority (P1 first), then age (oldest first), then LIMIT/OFFSET."""
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    page = max(1, int(page))
    c = t.cases.c
    return (
        select(*[getattr(c, name) for name in _QUEUE_COLUMNS])
        .where(*_where(filters, now))
        # NULL priority (not triaged yet) sorts last on both databases
        .order_by(c.priority.asc().nulls_last(), c.created_at, c.id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )


def queue_page(
    engine: Engine, filters: QueueFilters, now: datetime, page: int = 1, page_size: int = 50
) -> QueuePage:
    """One page of the queue, the total matching the filters, and counts per status."""
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    where = _where(filters, now)
    with engine.connect() as conn:
        total = int(conn.execute(select(func.count()).select_from(t.cases).where(*where)).scalar_one())
        pages = max(1, -(-total // page_size))
        page = max(1, min(int(page), pages))
        rows = conn.execute(queue_select(filters, now, page, page_size)).all()
        counts = _status_counts(conn)
    out: list[QueueRow] = []
    for r in rows:
        m = r._mapping
        created = utc(m["created_at"]) or now
        received = utc(m["received_at"])
        due = utc(m["sla_due"])
        out.append(
            QueueRow(
                **{k: m[k] for k in _QUEUE_COLUMNS if k not in ("sla_due", "received_at", "created_at")},
                sla_due=due,
                received_at=received,
                created_at=created,
                age=now - (received or created),
                sla_breached=bool(due is not None and due < now and m["status"] in OPEN_STATUSES),
            )
        )
    return QueuePage(rows=out, total=total, page=page, page_size=page_size, counts=counts)


def _status_counts(conn: Any) -> dict[str, int]:
    c = t.cases.c
    found = {str(k): int(v) for k, v in conn.execute(select(c.status, func.count()).group_by(c.status)).all()}
    return {s: found.get(s, 0) for s in ALL_STATUSES} | {k: v for k, v in found.items() if k not in ALL_STATUSES}


def status_counts(engine: Engine) -> dict[str, int]:
    """Cases per status (every known status present, zero when none)."""
    with engine.connect() as conn:
        return _status_counts(conn)


def filter_options(engine: Engine) -> dict[str, list[str]]:
    """Distinct carriers and assignees for the filter widgets (both columns are indexed)."""
    c = t.cases.c
    with engine.connect() as conn:
        carriers = [v for v in conn.execute(select(c.carrier).where(c.carrier.isnot(None)).distinct()).scalars()]
        assignees = [v for v in conn.execute(select(c.assignee).where(c.assignee.isnot(None)).distinct()).scalars()]
    return {"carriers": sorted(carriers), "assignees": sorted(assignees)}


def explain_queue(engine: Engine, filters: QueueFilters, now: datetime, page_size: int = 50) -> list[str]:
    """SQLite's EXPLAIN QUERY PLAN for the queue page query (for tests and `make bench`)."""
    stmt = queue_select(filters, now, 1, page_size)
    compiled = stmt.compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as conn:
        return [str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")]


# ------------------------------------------------------------------------------------- case detail


def case_detail(engine: Engine, case_id: str) -> dict[str, Any] | None:
    """The case row (redacted columns; `raw_id` is only an id) with its approvals and outbox rows."""
    with engine.connect() as conn:
        row = conn.execute(select(t.cases).where(t.cases.c.id == case_id)).first()
        if row is None:
            return None
        approvals = conn.execute(
            select(t.approvals).where(t.approvals.c.case_id == case_id).order_by(t.approvals.c.created_at)
        ).all()
        outbox = conn.execute(
            select(
                t.outbox.c.id, t.outbox.c.kind, t.outbox.c.status, t.outbox.c.attempts, t.outbox.c.last_error,
                t.outbox.c.odoo_model, t.outbox.c.odoo_id, t.outbox.c.created_at,
            )
            .where(t.outbox.c.case_id == case_id)
            .order_by(t.outbox.c.created_at)
        ).all()
    detail = dict(row._mapping)
    detail["approvals"] = [dict(a._mapping) for a in approvals]
    detail["outbox"] = [dict(o._mapping) for o in outbox]
    return detail


# ------------------------------------------------------------------------------------- dashboard

AGE_BUCKETS: tuple[tuple[str, timedelta | None], ...] = (
    ("< 1h", timedelta(hours=1)),
    ("1-4h", timedelta(hours=4)),
    ("4-24h", timedelta(hours=24)),
    ("1-3d", timedelta(days=3)),
    ("> 3d", None),
)


def _by(label: str) -> Any:
    """GROUP BY an output column's label: PostgreSQL would not match two copies of an expression with
    bind parameters, and both databases accept the label."""
    return literal_column(label)


def queue_depth(engine: Engine) -> pd.DataFrame:
    """Open cases per status and priority: columns status, priority, cases."""
    c = t.cases.c
    prio = func.coalesce(c.priority, literal_column("'-'")).label("prio")
    with engine.connect() as conn:
        rows = conn.execute(
            select(c.status, prio, func.count()).where(c.status.in_(OPEN_STATUSES)).group_by(c.status, _by("prio"))
        ).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["status", "priority", "cases"])


def exception_ageing(engine: Engine, now: datetime) -> pd.DataFrame:
    """Cases waiting for review by age bucket and priority: columns age, priority, cases."""
    c = t.cases.c
    # labels as SQL literals, not bind parameters: PostgreSQL groups by the expression text
    whens: list[tuple[Any, Any]] = [
        (c.created_at >= now - limit, literal_column(f"'{label}'")) for label, limit in AGE_BUCKETS if limit is not None
    ]
    bucket = case(*whens, else_=literal_column(f"'{AGE_BUCKETS[-1][0]}'")).label("age")
    prio = func.coalesce(c.priority, literal_column("'-'")).label("prio")
    with engine.connect() as conn:
        rows = conn.execute(
            select(bucket, prio, func.count()).where(c.status.in_(REVIEW_STATUSES)).group_by(_by("age"), _by("prio"))
        ).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=["age", "priority", "cases"])
    frame["age"] = pd.Categorical(frame["age"], categories=[b[0] for b in AGE_BUCKETS], ordered=True)
    return frame.sort_values(["age", "priority"]).reset_index(drop=True)


def cases_over_time(engine: Engine, by: str, since: datetime) -> pd.DataFrame:
    """Cases created per day and `by` (reason | carrier): columns day, <by>, cases."""
    if by not in ("reason", "carrier", "channel"):
        raise ValueError(f"cannot group cases by {by!r}")
    c = t.cases.c
    day = func.date(c.created_at).label("day")  # date() exists on SQLite and PostgreSQL
    key = func.coalesce(getattr(c, by), literal_column("'unknown'")).label("key")
    with engine.connect() as conn:
        rows = conn.execute(
            select(day, key, func.count())
            .where(c.created_at >= since)
            .group_by(_by("day"), _by("key"))
            .order_by(_by("day"))
        ).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=["day", by, "cases"])
    frame["day"] = pd.to_datetime(frame["day"].astype(str))
    return frame


def approval_cycle_times(engine: Engine, since: datetime) -> pd.DataFrame:
    """Decided approvals: columns approval, kind, status, requested, decided, hours."""
    a = t.approvals.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(a.id, a.approval_kind, a.status, a.created_at, a.decided_at)
            .where(a.decided_at.isnot(None), a.created_at >= since)
            .order_by(a.decided_at)
        ).all()
    frame = pd.DataFrame(
        [(r.id, r.approval_kind, r.status, utc(r.created_at), utc(r.decided_at)) for r in rows],
        columns=["approval", "kind", "status", "requested", "decided"],
    )
    frame["hours"] = (
        [(d - q).total_seconds() / 3600 for q, d in zip(frame["requested"], frame["decided"], strict=True)]
        if len(frame)
        else pd.Series(dtype=float)
    )
    return frame


def pending_approval_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(select(func.count()).select_from(t.approvals).where(t.approvals.c.status == "pending"))
            .scalar_one()
        )


def review_outcomes(engine: Engine, since: datetime) -> pd.DataFrame:
    """AI acceptance and edit rate per (AI-proposed) reason: columns reason, decisions, accepted,
    edited, rejected, acceptance_rate, edit_rate, reason_changed."""
    log = t.audit_log.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(log.decision, log.proposal, log.diff)
            .where(log.event == "decision", log.at >= since)
            .order_by(log.at.desc())
            .limit(20_000)
        ).all()
    records = []
    for decision, proposal, diff in rows:
        reason = (proposal or {}).get("reason") or "needs_classification"
        records.append(
            {
                "reason": reason,
                "accept": decision == "accept",
                "edit": decision == "edit",
                "reject": decision == "reject",
                "reason_changed": bool(diff and "reason" in diff),
            }
        )
    columns = [
        "reason", "decisions", "accepted", "edited", "rejected", "acceptance_rate", "edit_rate", "reason_changed",
    ]
    if not records:
        return pd.DataFrame(columns=columns)
    df = pd.DataFrame(records)
    grouped = df.groupby("reason").agg(
        decisions=("accept", "size"),
        accepted=("accept", "sum"),
        edited=("edit", "sum"),
        rejected=("reject", "sum"),
        reason_changed=("reason_changed", "sum"),
    )
    grouped["acceptance_rate"] = grouped["accepted"] / grouped["decisions"]
    grouped["edit_rate"] = grouped["edited"] / grouped["decisions"]
    return grouped.reset_index()[columns]


def dispatch_summary(engine: Engine) -> pd.DataFrame:
    """Outbox rows per kind and status: columns kind, status, rows."""
    o = t.outbox.c
    with engine.connect() as conn:
        rows = conn.execute(select(o.kind, o.status, func.count()).group_by(o.kind, o.status)).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["kind", "status", "rows"])


def dispatch_failures(engine: Engine, since: datetime, limit: int = 200) -> pd.DataFrame:
    """Outbox rows that failed (needs a person) or are retrying after an error: newest first."""
    o = t.outbox.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(o.case_id, o.kind, o.status, o.attempts, o.last_error, o.updated_at)
            .where(
                o.updated_at >= since,
                or_(o.status == "needs_person", and_(o.status == "pending", o.last_error.isnot(None))),
            )
            .order_by(o.updated_at.desc())
            .limit(limit)
        ).all()
    frame = pd.DataFrame(
        [(r.case_id, r.kind, r.status, r.attempts, r.last_error, utc(r.updated_at)) for r in rows],
        columns=["case", "kind", "status", "attempts", "error", "updated"],
    )
    frame["day"] = pd.to_datetime([u.date() for u in frame["updated"]]) if len(frame) else pd.Series(dtype="object")
    return frame


def reviewed_case_count(engine: Engine) -> tuple[int, int]:
    """(cases with a human decision, of which already exported as labelled cases)."""
    c, x = t.cases.c, t.labelled_exports.c
    with engine.connect() as conn:
        reviewed = int(
            conn.execute(
                select(func.count()).select_from(t.cases).where(c.approved.isnot(None), c.reason.isnot(None))
            ).scalar_one()
        )
        exported = int(conn.execute(select(func.count(x.case_id))).scalar_one())
    return reviewed, exported


# ------------------------------------------------------------------------------------- checked reads


class ReadService:
    """What the UI reads, each call checked against `roles.yaml` server-side."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    def queue(self, user: User, filters: QueueFilters, page: int = 1, page_size: int = 50) -> QueuePage:
        require(user.role, "case.view", user.username)
        return queue_page(self.engine, filters, self.clock.now(), page, page_size)

    def filter_options(self, user: User) -> dict[str, list[str]]:
        require(user.role, "case.view", user.username)
        return filter_options(self.engine)

    def case(self, user: User, case_id: str) -> dict[str, Any] | None:
        require(user.role, "case.view", user.username)
        return case_detail(self.engine, case_id)

    def dashboard(self, user: User, days: int = 30) -> dict[str, pd.DataFrame]:
        require(user.role, "dashboard.view", user.username)
        now = self.clock.now()
        since = now - timedelta(days=days)
        return {
            "depth": queue_depth(self.engine),
            "ageing": exception_ageing(self.engine, now),
            "by_reason": cases_over_time(self.engine, "reason", since),
            "by_carrier": cases_over_time(self.engine, "carrier", since),
            "approvals": approval_cycle_times(self.engine, since),
            "outcomes": review_outcomes(self.engine, since),
            "dispatch": dispatch_summary(self.engine),
            "failures": dispatch_failures(self.engine, since),
        }


__all__ = [
    "ALL_STATUSES",
    "OPEN_STATUSES",
    "REVIEW_STATUSES",
    "UNASSIGNED",
    "QueueFilters",
    "QueuePage",
    "QueueRow",
    "ReadService",
    "format_age",
    "queue_page",
    "status_counts",
]
