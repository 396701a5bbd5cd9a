"""Read-side queries for the review UI: the paginated work queue and the dashboard's aggregations.

Everything is SQLAlchemy Core so it runs on SQLite and PostgreSQL. The queue (`queue_page`) stays fast at
100,000+ cases:
- pages are read in index order (`ix_cases_order`: status, the queue key, created_at, id; the key puts
  escalated cases first, then P1..P4, then un-triaged), one index range per status merged by the database,
  never a sort of every matching row;
- search uses the full-text index of migration 0006_search (`tools.store.search`), ranked, with a snippet;
- the per-status counts and the "N matching" total come from the maintained `case_counts` table when the
  filters are status, reason, priority and channel only; any other filter counts at most COUNT_CAP rows
  through an index and shows "10,000+" above that.
`queue_page_scan` is the previous path (LIKE scan, full counts), kept as the baseline `triage bench --queue`
measures against. Only redacted columns are read: nothing here touches `raw_messages` (DESIGN invariant 1:
the queue view never shows raw text).

`ReadService` is the checked entry point the UI uses: it requires `case.view` / `dashboard.view`
server-side before any query runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

import pandas as pd
from sqlalchemy import (
    Engine,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import TSQUERY

from agents.ports import Clock
from agents.state import User
from policies.roles import require
from tools.store import schema as t
from tools.store import search as fts

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
COUNT_CAP = 10_000  # a total that needs counting rows stops here and shows as "10,000+"
# A search with more matches than this is not ranked (ranking that many near-alike cases is noise, and it
# costs more than the rest of the page): queue order on PostgreSQL, the order they came in on SQLite.
RANK_MAX = 500

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
    "followup_of",
    "assignee",
    "subject",
    "summary",
    "reference_keys",
    "sla_due",
    "received_at",
    "created_at",
    "escalated_at",
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
    followup_of: str | None  # a follow-up: the open case of the same shipment it follows (issue 15)
    assignee: str | None
    subject: str | None
    summary: str | None
    reference_keys: str | None
    sla_due: datetime | None
    received_at: datetime | None
    created_at: datetime
    age: timedelta
    sla_breached: bool
    match: str = ""  # with a search: where it matched, the matching words in «»
    escalated_at: datetime | None = None  # the newest SLA escalation (such a case leads the queue)

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
    total_capped: bool = False  # True: at least `total` cases match (counting stopped at COUNT_CAP)

    @property
    def last_key(self) -> tuple[str, datetime, str] | None:
        """The last row's place in the queue order: `after` for the next page (keyset paging)."""
        if not self.rows:
            return None
        last = self.rows[-1]
        return (queue_key(last.priority, last.escalated_at is not None), last.created_at, last.id)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def total_text(self) -> str:
        return f"{self.total:,}+" if self.total_capped else f"{self.total:,}"

    @property
    def pages_text(self) -> str:
        return f"{self.pages:,}+" if self.total_capped else f"{self.pages:,}"

    def frame(self) -> pd.DataFrame:
        """The page as a DataFrame for `st.dataframe` (redacted columns only)."""
        searched = any(r.match for r in self.rows)
        frame = pd.DataFrame(
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
                    "follow-up": f"of {r.followup_of}" if r.followup_of else "",
                    "assignee": r.assignee or "",
                    "SLA": "BREACHED" if r.sla_breached else "",
                    "subject": r.subject or "",
                    "references": r.reference_keys or "",
                    "match": r.match,
                }
                for r in self.rows
            ],
            columns=[
                "case", "priority", "age", "status", "reason", "confidence", "channel", "carrier",
                "language", "manipulation", "follow-up", "assignee", "SLA", "subject", "references", "match",
            ],
        )
        return frame if searched else frame.drop(columns=["match"])


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(filters: QueueFilters, now: datetime) -> list[Any]:
    """The old path's WHERE: the filters and a LIKE scan per search term."""
    c = t.cases.c
    where: list[Any] = []
    if filters.statuses:
        where.append(c.status.in_(list(filters.statuses)))
    where += _filter_where(filters, now)
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


def _filter_where(filters: QueueFilters, now: datetime) -> list[Any]:
    """Every filter except the statuses and the search."""
    c = t.cases.c
    where: list[Any] = []
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
    return where


def queue_select(filters: QueueFilters, now: datetime, page: int = 1, page_size: int = 50) -> Select[Any]:
    """The old path's page query: filters, then priority (P1 first), then age (oldest first), LIMIT/OFFSET."""
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    page = max(1, int(page))
    c = t.cases.c
    return (
        select(*[getattr(c, name) for name in _QUEUE_COLUMNS])
        .where(*_where(filters, now))
        # escalated cases first (reconcile raises them); NULL priority (not triaged yet) sorts last
        .order_by(c.escalated_at.is_(None), c.priority.asc().nulls_last(), c.created_at, c.id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )


def queue_page_scan(
    engine: Engine, filters: QueueFilters, now: datetime, page: int = 1, page_size: int = 50
) -> QueuePage:
    """The old path (before migration 0006): LIKE search, every matching row counted, counts per status by
    GROUP BY over the table. Kept as the baseline of `triage bench --queue`; the UI uses `queue_page`."""
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    where = _where(filters, now)
    with engine.connect() as conn:
        total = int(conn.execute(select(func.count()).select_from(t.cases).where(*where)).scalar_one())
        pages = max(1, -(-total // page_size))
        page = max(1, min(int(page), pages))
        rows = conn.execute(queue_select(filters, now, page, page_size)).all()
        counts = _status_counts(conn)
    out = [_queue_row(r._mapping, now) for r in rows]
    return QueuePage(rows=out, total=total, page=page, page_size=page_size, counts=counts)


def _queue_row(m: Any, now: datetime, match: str = "") -> QueueRow:
    created = utc(m["created_at"]) or now
    received = utc(m["received_at"])
    due = utc(m["sla_due"])
    return QueueRow(
        **{k: m[k] for k in _QUEUE_COLUMNS if k not in ("sla_due", "received_at", "created_at", "escalated_at")},
        escalated_at=utc(m["escalated_at"]),
        sla_due=due,
        received_at=received,
        created_at=created,
        age=now - (received or created),
        sla_breached=bool(due is not None and due < now and m["status"] in OPEN_STATUSES),
        match=match,
    )


# ------------------------------------------------------------------------------------- the indexed path

_FTS = table("cases_fts", column("rowid"))
_FTS_IDS = table("case_search_ids", column("n"), column("case_id"))
_FTS_TABLE: Any = literal_column("cases_fts")
_TSV: Any = literal_column("cases.search_tsv")
# bm25 weights per FTS5 column: subject, body, summary, refs (references and the case id)
_BM25 = func.bm25(_FTS_TABLE, *[literal_column(w) for w in ("2.0", "1.0", "1.5", "4.0", "0.0")])


ESCALATED_PREFIX = "E"  # an escalated case's queue key: "E" + its priority ("EP3"), before every "P1"


def _prio_key() -> Any:
    """The sort key of `ix_cases_order` (the same expression as in migration 0006_search, or the index is
    not used): escalated cases first (reconciliation raises them: issue 13), by priority among themselves,
    then P1..P4, then cases without a priority yet, on both databases. `E` + P.. sorts before P..; a
    case's key is `queue_key(priority, escalated)`."""
    c = t.cases.c
    prio = func.coalesce(c.priority, literal_column("'P9'"))
    return case((c.escalated_at.is_(None), prio), else_=literal_column(f"'{ESCALATED_PREFIX}'").op("||")(prio))


def queue_key(priority: str | None, escalated: bool) -> str:
    """The value of `_prio_key()` for a case, in Python (for `last_key`)."""
    prio = priority or "P9"
    return f"{ESCALATED_PREFIX}{prio}" if escalated else prio


def priority_keys(priorities: Sequence[str]) -> list[str]:
    """The queue keys a priority filter matches: each priority, escalated or not. `_prio_key() IN` these
    is `coalesce(priority, 'P9') IN priorities` (the key is one-to-one with (priority, escalated)), but a
    range of the queue indexes, so a filtered page is still read from the index in queue order."""
    return [key for p in priorities for key in (queue_key(p, True), queue_key(p, False))]


def _queue_order() -> tuple[Any, ...]:
    c = t.cases.c
    return (_prio_key(), c.created_at, c.id)


class _Shape(NamedTuple):
    """What a queue query's SQL depends on (its values are bound parameters): one statement per shape,
    built once per process; building a statement costs more than SQLite takes to run it."""

    dialect: str
    statuses: tuple[str, ...]
    reasons: bool
    priorities: bool
    channels: bool
    carriers: bool
    assignees: tuple[bool, bool]  # (named assignees, UNASSIGNED)
    min_confidence: bool
    max_confidence: bool
    sla_breached: bool | None
    search: bool
    after: bool = False  # keyset paging: rows after a given queue key
    unranked: bool = False  # SQLite: a search with more than RANK_MAX matches, in the order they came in
    languages: tuple[bool, bool] = (False, False)  # (named languages, UNKNOWN_LANGUAGE)
    manipulation: bool | None = None  # the manipulation_suspected filter


QueueKey = tuple[str, datetime, str]  # (queue_key(priority, escalated), created_at, id): a row's place in the queue


def _shape(dialect: str, filters: QueueFilters, query: fts.SearchQuery, after: bool = False) -> _Shape:
    named = any(a != UNASSIGNED for a in filters.assignees)
    return _Shape(
        dialect, tuple(dict.fromkeys(filters.statuses)), bool(filters.reasons), bool(filters.priorities),
        bool(filters.channels), bool(filters.carriers), (named, UNASSIGNED in filters.assignees),
        filters.min_confidence is not None, filters.max_confidence is not None, filters.sla_breached,
        bool(query.terms), after and not query.terms,
        languages=(any(code != UNKNOWN_LANGUAGE for code in filters.languages), UNKNOWN_LANGUAGE in filters.languages),
        manipulation=filters.manipulation_suspected,
    )


def _params(filters: QueueFilters, now: datetime, query: fts.SearchQuery, dialect: str) -> dict[str, Any]:
    params: dict[str, Any] = {
        "statuses": list(dict.fromkeys(filters.statuses)),
        "reasons": list(filters.reasons),
        "priority_keys": priority_keys(filters.priorities),
        "channels": list(filters.channels),
        "carriers": list(filters.carriers),
        "assignees": [a for a in filters.assignees if a != UNASSIGNED],
        "languages": [code for code in filters.languages if code != UNKNOWN_LANGUAGE],
        "min_confidence": filters.min_confidence,
        "max_confidence": filters.max_confidence,
        "now": now,
    }
    if query.terms:
        statuses = list(dict.fromkeys(filters.statuses))
        if dialect == "postgresql":
            params["q"] = fts.tsquery(query)
            params["st"] = fts.status_tsquery(statuses) if statuses else None
        else:
            params["q"] = fts.fts5_match(query, statuses)  # the statuses inside the MATCH
    return params


def _bound_where(shape: _Shape, with_statuses: bool) -> list[Any]:
    c = t.cases.c
    where: list[Any] = []
    if with_statuses and shape.statuses:
        where.append(c.status.in_(bindparam("statuses", expanding=True)))
    for name, present in (("reasons", shape.reasons), ("priorities", shape.priorities),
                          ("channels", shape.channels), ("carriers", shape.carriers)):
        if present:
            # the priority as the queue indexes hold it: its queue keys (`priority_keys`), escalated or not
            col = {"reasons": c.reason, "priorities": _prio_key(), "channels": c.channel, "carriers": c.carrier}[name]
            param = "priority_keys" if name == "priorities" else name
            where.append(col.in_(bindparam(param, expanding=True)))
    named, unassigned = shape.assignees
    if named or unassigned:
        parts = [c.assignee.in_(bindparam("assignees", expanding=True))] if named else []
        if unassigned:
            parts.append(c.assignee.is_(None))
        where.append(or_(*parts))
    named_languages, unknown_language = shape.languages
    if named_languages or unknown_language:
        parts = [c.language.in_(bindparam("languages", expanding=True))] if named_languages else []
        if unknown_language:
            parts.append(c.language.is_(None))
        where.append(or_(*parts))
    if shape.manipulation is True:
        where.append(c.manipulation_suspected.is_(True))
    elif shape.manipulation is False:
        where.append(or_(c.manipulation_suspected.is_(None), c.manipulation_suspected.is_(False)))
    if shape.min_confidence:
        where.append(c.confidence >= bindparam("min_confidence"))
    if shape.max_confidence:
        where.append(c.confidence <= bindparam("max_confidence"))
    if shape.sla_breached is True:
        where.append(and_(c.sla_due.isnot(None), c.sla_due < bindparam("now")))
    elif shape.sla_breached is False:
        where.append(or_(c.sla_due.is_(None), c.sla_due >= bindparam("now")))
    return where


def _counted_exactly(filters: QueueFilters, query: fts.SearchQuery) -> bool:
    """Filters that `case_counts` can answer (status, reason, priority, channel) and no search."""
    return not (
        query or filters.carriers or filters.assignees or filters.min_confidence is not None
        or filters.max_confidence is not None or filters.sla_breached is not None
        or filters.languages or filters.manipulation_suspected is not None
    )


def _search_source(shape: _Shape) -> tuple[Any, Any, Any]:
    """(FROM clause, WHERE term, rank ORDER BY) of a search on this database. The query is `:q`; the
    statuses are inside the index query (`:st` on PostgreSQL, inside `:q` on SQLite), so a status filter is
    an intersection in the index, not a check of every matching row."""
    if shape.dialect == "postgresql":
        tsq = _tsq()
        wanted = tsq.op("&&")(cast(bindparam("st", type_=String), TSQUERY)) if shape.statuses else tsq
        return t.cases, _TSV.op("@@")(wanted), func.ts_rank(_TSV, tsq).desc()
    source = _FTS.join(_FTS_IDS, _FTS_IDS.c.n == _FTS.c.rowid).join(t.cases, t.cases.c.id == _FTS_IDS.c.case_id)
    return source, _FTS_TABLE.op("MATCH")(bindparam("q", type_=String)), _BM25.asc()


def _tsq() -> Any:
    return func.to_tsquery(literal_column("'simple'::regconfig"), bindparam("q", type_=String))


def _only_statuses(shape: _Shape) -> bool:
    """No filter but the statuses (which a search answers inside the index)."""
    return not (
        shape.reasons or shape.priorities or shape.channels or shape.carriers or any(shape.assignees)
        or shape.min_confidence or shape.max_confidence or shape.sla_breached is not None
        or any(shape.languages) or shape.manipulation is not None
    )


def _fts_ranked(unranked: bool = False) -> Any:
    """SQLite, a search with no filter but the statuses: FTS5 alone ranks its matches (`ORDER BY rank`, in
    C, the statuses already in the MATCH) and hands back one page of rowids; only those rows are joined to
    `cases`. Equal ranks: the older case first (`case_search_ids.n` follows creation). `unranked` (more
    than RANK_MAX matches): the oldest first, read in rowid order without computing bm25."""
    lim, off = bindparam("lim", type_=Integer), bindparam("off", type_=Integer)
    order = (_FTS.c.rowid,) if unranked else (literal_column("rank"), _FTS.c.rowid)
    return (
        select(_FTS.c.rowid.label("n"), (literal_column("0") if unranked else literal_column("rank")).label("r"))
        .select_from(_FTS)
        .where(_FTS_TABLE.op("MATCH")(bindparam("q", type_=String)))
        .order_by(*order)
        .limit(lim)
        .offset(off)
        .subquery("hits")
    )


@lru_cache(maxsize=256)
def _rows_template(shape: _Shape) -> Any:
    """The page statement for a shape; binds the filter values and `:lim`, `:off`, `:arm_lim`."""
    c = t.cases.c
    cols = [getattr(c, name) for name in _QUEUE_COLUMNS]
    lim, off = bindparam("lim", type_=Integer), bindparam("off", type_=Integer)
    if shape.search:
        if shape.dialect != "postgresql" and _only_statuses(shape):
            hits = _fts_ranked(shape.unranked)
            source = hits.join(_FTS_IDS, _FTS_IDS.c.n == hits.c.n).join(t.cases, c.id == _FTS_IDS.c.case_id)
            return select(*cols, c.body).select_from(source).order_by(hits.c.r, hits.c.n)
        source, match, rank = _search_source(shape)
        where = _bound_where(shape, with_statuses=False)
        if shape.dialect == "postgresql":
            # Ranked in the pass that counts the matches, on their keys only; the page's 50 rows are read
            # after (the wide columns of every match would cost more than the search). ts_rank reads each
            # match's TOASTed tsvector, so above RANK_MAX matches the page is in queue order instead (a
            # ranking of that many near-alike cases is noise, and it would cost more than the rest).
            total = func.count().over()
            score = case((total <= RANK_MAX, func.ts_rank(_TSV, _tsq())), else_=literal_column("0"))
            hits = (
                select(c.id.label("id"), _prio_key().label("prio_key"), c.created_at.label("created_at"),
                       score.label("score"), total.label("match_total"))
                .select_from(source).where(match, *where)
                .order_by(score.desc(), *_queue_order()).limit(lim).offset(off)
                .subquery("hits")
            )
            return (
                select(*cols, c.body, hits.c.match_total).select_from(hits.join(t.cases, c.id == hits.c.id))
                .order_by(hits.c.score.desc(), hits.c.prio_key, hits.c.created_at, hits.c.id)
            )
        found = select(*cols, c.body).select_from(source).where(match, *where)
        return found.order_by(rank, *_queue_order()).limit(lim).offset(off)
    keyset = []
    if shape.after:
        key_type = t.cases.c.created_at.type
        keyset.append(tuple_(*_queue_order()) > tuple_(
            bindparam("after_prio", type_=String), bindparam("after_created", type_=key_type),
            bindparam("after_id", type_=String),
        ))
    if shape.carriers or shape.assignees != (False, False):
        # a carrier or assignee filter can be narrow: let the database start from that column's index
        where = _bound_where(shape, with_statuses=True) + keyset
        return select(*cols).where(*where).order_by(*_queue_order()).limit(lim).offset(off)
    where = _bound_where(shape, with_statuses=False) + keyset
    statuses = shape.statuses or ALL_STATUSES
    # The page's keys first, from the index alone (`ix_cases_order` and `ix_cases_reason_order` hold every
    # column the order, the status, the reason and the priority need), then only those rows are read: an
    # OFFSET skips index entries, never whole rows.
    key_cols = (c.id.label("id"), _prio_key().label("prio_key"), c.created_at.label("created_at"))
    keys: Any
    if len(statuses) == 1:
        keys = (
            select(*key_cols).where(c.status == bindparam("status_0", type_=String), *where)
            .order_by(*_queue_order()).limit(lim).offset(off).subquery("page")
        )
    else:
        # one index range per status, each already in queue order: the database merges them and reads at
        # most offset + limit keys per status, instead of sorting every open case
        arm_lim = bindparam("arm_lim", type_=Integer)
        arms = [
            select(*key_cols)
            .where(c.status == bindparam(f"status_{i}", type_=String), *where)
            .order_by(*_queue_order())
            .limit(arm_lim)
            .subquery()
            for i in range(len(statuses))
        ]
        keys = (
            union_all(*[select(arm.c.id, arm.c.prio_key, arm.c.created_at) for arm in arms])
            .order_by(literal_column("prio_key"), literal_column("created_at"), literal_column("id"))
            .limit(lim)
            .offset(off)
            .subquery("page")
        )
    return (
        select(*cols).select_from(keys.join(t.cases, c.id == keys.c.id))
        .order_by(keys.c.prio_key, keys.c.created_at, keys.c.id)
    )


@lru_cache(maxsize=256)
def _count_template(shape: _Shape) -> Any:
    """SELECT count(*) of at most COUNT_CAP + 1 matching rows."""
    inner: Any
    if shape.search and shape.dialect != "postgresql" and _only_statuses(shape):
        # counted inside FTS5 (the statuses are in the MATCH): no row of `cases` is read
        inner = select(literal_column("1")).select_from(_FTS).where(
            _FTS_TABLE.op("MATCH")(bindparam("q", type_=String))
        )
    elif shape.search:
        source, match, _rank = _search_source(shape)
        inner = select(literal_column("1")).select_from(source).where(match, *_bound_where(shape, False))
    else:
        inner = select(literal_column("1")).select_from(t.cases).where(*_bound_where(shape, with_statuses=True))
    return select(func.count()).select_from(inner.limit(COUNT_CAP + 1).subquery())


def _rows_stmt(
    dialect: str, filters: QueueFilters, now: datetime, query: fts.SearchQuery, offset: int, limit: int,
    after: QueueKey | None = None, unranked: bool = False,
) -> tuple[Any, dict[str, Any]]:
    keyset = after is not None and not query.terms
    if keyset:
        offset = 0
    params = _params(filters, now, query, dialect) | {"lim": limit, "off": offset, "arm_lim": offset + limit}
    if keyset and after is not None:
        params |= {"after_prio": after[0], "after_created": after[1], "after_id": after[2]}
    statuses = list(dict.fromkeys(filters.statuses)) or list(ALL_STATUSES)
    params |= {f"status_{i}": status for i, status in enumerate(statuses)}
    return _rows_template(_shape(dialect, filters, query, keyset)._replace(unranked=unranked)), params


def _capped_count(
    conn: Any, dialect: str, filters: QueueFilters, now: datetime, query: fts.SearchQuery
) -> tuple[int, bool]:
    """(matching cases, True when there are more than COUNT_CAP and the number is COUNT_CAP)."""
    n = int(conn.execute(_count_template(_shape(dialect, filters, query)),
                         _params(filters, now, query, dialect)).scalar_one())
    return (COUNT_CAP, True) if n > COUNT_CAP else (n, False)


def queue_page(
    engine: Engine, filters: QueueFilters, now: datetime, page: int = 1, page_size: int = 50,
    after: QueueKey | None = None,
) -> QueuePage:
    """One page of the queue, the total matching the filters, and counts per status (the indexed path).

    With `after` (the previous page's `last_key`), the page is the rows after that key (keyset paging:
    page 100 costs what page 1 costs); `page` is then only the number shown. A search ignores `after`."""
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    query = fts.parse(filters.search, SEARCH_MAX)
    exact = _counted_exactly(filters, query)
    with engine.connect() as conn:
        dialect = conn.dialect.name
        by_status, counted, delta_rows = fts.read_counts(
            conn, filters.statuses, filters.reasons, filters.priorities, filters.channels
        )
        rows: Any = []
        if query.empty:
            total, capped = 0, False
        elif dialect == "postgresql" and query.terms:
            # one pass: the scan that ranks the matches visits every one of them, so it counts them too
            # (a second scan only when the page asked for is past the end)
            page = max(1, int(page))
            stmt, params = _rows_stmt(dialect, filters, now, query, (page - 1) * page_size, page_size)
            rows = conn.execute(stmt, params).all()
            total, capped = (int(rows[0]._mapping["match_total"]), False) if rows else (0, False)
            if not rows and page > 1:
                total, capped = _capped_count(conn, dialect, filters, now, query)
                page = max(1, min(page, -(-total // page_size)))
                stmt, params = _rows_stmt(dialect, filters, now, query, (page - 1) * page_size, page_size)
                rows = conn.execute(stmt, params).all()
        else:
            if exact:
                total, capped = counted, False
            else:
                total, capped = _capped_count(conn, dialect, filters, now, query)
            pages = max(1, -(-total // page_size))
            page = max(1, int(page)) if capped else max(1, min(int(page), pages))
            stmt, params = _rows_stmt(dialect, filters, now, query, (page - 1) * page_size, page_size, after,
                                      unranked=bool(query.terms) and (capped or total > RANK_MAX))
            rows = conn.execute(stmt, params).all()
    if delta_rows > fts.COMPACT_AT:
        fts.compact_counts(engine)
    out = []
    for r in rows:
        m = r._mapping
        match = fts.snippet(query, (m["summary"], m["body"], m["subject"], m["reference_keys"])) if query else ""
        out.append(_queue_row(m, now, match))
    extra = {k: v for k, v in by_status.items() if k not in ALL_STATUSES}
    return QueuePage(
        rows=out, total=total, page=page, page_size=page_size,
        counts={s: by_status.get(s, 0) for s in ALL_STATUSES} | extra, total_capped=capped,
    )


def _status_counts(conn: Any) -> dict[str, int]:
    c = t.cases.c
    found = {str(k): int(v) for k, v in conn.execute(select(c.status, func.count()).group_by(c.status)).all()}
    return {s: found.get(s, 0) for s in ALL_STATUSES} | {k: v for k, v in found.items() if k not in ALL_STATUSES}


def status_counts(engine: Engine) -> dict[str, int]:
    """Cases per status (every known status present, zero when none), from the maintained counts."""
    with engine.connect() as conn:
        by_status = fts.read_counts(conn)[0]
    extra = {k: v for k, v in by_status.items() if k not in ALL_STATUSES}
    return {s: by_status.get(s, 0) for s in ALL_STATUSES} | extra


def _distinct(conn: Any, col: Any) -> list[str]:
    """Distinct non-null values of an indexed column by hopping from one value to the next in the index
    (a loose index scan: one lookup per value, not a read of every row)."""
    name = col.name
    sql = (
        f"WITH RECURSIVE d(v) AS (SELECT min({name}) FROM cases "
        f"UNION ALL SELECT (SELECT min({name}) FROM cases WHERE {name} > d.v) FROM d WHERE d.v IS NOT NULL) "
        "SELECT v FROM d WHERE v IS NOT NULL"
    )
    return [str(v) for v in conn.exec_driver_sql(sql).scalars()]


def filter_options(engine: Engine) -> dict[str, list[str]]:
    """Distinct carriers and assignees for the filter widgets (both columns are indexed)."""
    c = t.cases.c
    with engine.connect() as conn:
        carriers = _distinct(conn, c.carrier)
        assignees = _distinct(conn, c.assignee)
    return {"carriers": sorted(carriers), "assignees": sorted(assignees)}


def explain_queue(engine: Engine, filters: QueueFilters, now: datetime, page_size: int = 50) -> list[str]:
    """SQLite's EXPLAIN QUERY PLAN for the queue page query of the indexed path (for tests)."""
    stmt, params = _rows_stmt(engine.dialect.name, filters, now, fts.parse(filters.search, SEARCH_MAX), 0, page_size)
    return _explain(engine, stmt, params)


def _explain(engine: Engine, stmt: Any, params: dict[str, Any]) -> list[str]:
    compiled = stmt.params(params).compile(engine, compile_kwargs={"literal_binds": True})
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
        followups = conn.execute(
            select(t.cases.c.id, t.cases.c.channel, t.cases.c.status, t.cases.c.created_at)
            .where(t.cases.c.followup_of == case_id)
            .order_by(t.cases.c.created_at)
        ).all()
    detail = dict(row._mapping)
    detail["followups"] = [dict(f._mapping) for f in followups]  # the case's thread (issue 15)
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

    def queue(
        self, user: User, filters: QueueFilters, page: int = 1, page_size: int = 50, after: QueueKey | None = None
    ) -> QueuePage:
        require(user.role, "case.view", user.username)
        return queue_page(self.engine, filters, self.clock.now(), page, page_size, after)

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
    "queue_page_scan",
    "status_counts",
]
