"""Queue search and counts on the structures migration 0006_search builds (FTS5 on SQLite, a tsvector with a
GIN index on PostgreSQL, the `case_counts` delta table on both).

Search semantics, the same on both databases:
- The text is cut into tokens: lower case, every run of characters that are not letters or digits separates
  two tokens (so `%`, `_` and `*` are punctuation, never wildcards).
- A query term matches a case when its tokens appear as a phrase, the last one as a prefix
  (`PO-55102` finds "PO-55102" and "po 55102"; `1Z` finds every token starting with 1z), or when its
  letters and digits together prefix one of the case's references written without punctuation
  (`PO55102` and `8812 3390`'s `88123390` find "PO-55102" and "8812-3390").
- Every term must match (AND). A term with no letter or digit is ignored; a query made only of such terms
  matches nothing.
- Indexed: the redacted subject, body and summary, the references (`reference_keys`) and the case id. Never
  `raw_messages`.
- Ranked by BM25 (SQLite) or ts_rank (PostgreSQL), references weighted highest, then the queue order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, func, select

from tools.store import schema as t

_TOKEN = re.compile(r"[^\W_]+")  # letters and digits (Unicode); "_" is punctuation, as in FTS5 and PostgreSQL
MAX_TERMS = 8  # more terms than this are ignored (each one is an index lookup)
MAX_TOKENS = 6  # tokens per term
COMPACT_AT = 2_000  # delta rows in `case_counts` after which a reader folds them into one row per group


@dataclass(frozen=True)
class Term:
    tokens: tuple[str, ...]

    @property
    def compact(self) -> str:
        return "".join(self.tokens)


@dataclass(frozen=True)
class SearchQuery:
    terms: tuple[Term, ...]
    empty: bool  # the user typed something, but nothing searchable: matches no case

    def __bool__(self) -> bool:
        return bool(self.terms) or self.empty


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def parse(search: str, max_chars: int = 100) -> SearchQuery:
    raw = search.strip()[:max_chars]
    terms: list[Term] = []
    for word in raw.split():
        found = tokens(word)[:MAX_TOKENS]
        if found and Term(tuple(found)) not in terms:
            terms.append(Term(tuple(found)))
    return SearchQuery(tuple(terms[:MAX_TERMS]), empty=bool(raw) and not terms)


def fts5_match(query: SearchQuery) -> str:
    """The FTS5 MATCH expression. Tokens are letters and digits only, so quoting them is enough."""
    parts = []
    for term in query.terms:
        phrase = f'"{" ".join(term.tokens)}"*'
        if len(term.tokens) > 1:
            parts.append(f'({phrase} OR refs : "{term.compact}"*)')
        else:
            parts.append(f"({phrase})")
    return " AND ".join(parts)


def tsquery(query: SearchQuery) -> str:
    """The same query for PostgreSQL's to_tsquery('simple', ...)."""
    parts = []
    for term in query.terms:
        phrase = " <-> ".join([*term.tokens[:-1], f"{term.tokens[-1]}:*"])
        if len(term.tokens) > 1:
            parts.append(f"(({phrase}) | {term.compact}:*)")
        else:
            parts.append(f"({phrase})")
    return " & ".join(parts)


# ------------------------------------------------------------------------------------------ snippets

_WINDOW = 70  # characters either side of the first match


def snippet(query: SearchQuery, fields: Iterable[str | None]) -> str:
    """Where the first term matches in the first field that has it, the matching words in «»."""
    if not query.terms:
        return ""
    prefixes = {term.tokens[0] for term in query.terms} | {term.compact for term in query.terms}
    for text in fields:
        if not text:
            continue
        hits = [m for m in _TOKEN.finditer(text) if any(m.group().lower().startswith(p) for p in prefixes)]
        if not hits:
            continue
        start = max(0, hits[0].start() - _WINDOW)
        end = min(len(text), hits[0].end() + _WINDOW)
        out, pos = [], start
        for m in hits:
            if m.start() < start or m.end() > end:
                continue
            out += [text[pos:m.start()], "«", m.group(), "»"]
            pos = m.end()
        out.append(text[pos:end])
        body = " ".join("".join(out).split())
        return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")
    return ""


# ------------------------------------------------------------------------------------------ counts

CountKey = tuple[str, str, str, str]  # status, reason ('' = none), priority ('' = none), channel


def read_counts(conn: Connection) -> tuple[dict[CountKey, int], int]:
    """Cases per (status, reason, priority, channel), and how many delta rows were summed."""
    k = t.case_counts.c
    rows = conn.execute(
        select(k.status, k.reason, k.priority, k.channel, func.sum(k.n), func.count())
        .group_by(k.status, k.reason, k.priority, k.channel)
    ).all()
    counts = {(r[0], r[1], r[2], r[3]): int(r[4]) for r in rows if int(r[4])}
    return counts, sum(int(r[5]) for r in rows)


def compact_counts(engine: Engine) -> None:
    """Fold the deltas up to now into one row per group; rows written meanwhile stay as they are.

    PostgreSQL: one statement, so the rows deleted are exactly the rows summed even while other
    transactions commit new deltas. SQLite: the first write takes the database's only write lock, so no
    other writer commits between the two statements."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(
                "WITH gone AS (DELETE FROM case_counts RETURNING status, reason, priority, channel, n) "
                "INSERT INTO case_counts (status, reason, priority, channel, n) "
                "SELECT status, reason, priority, channel, sum(n) FROM gone "
                "GROUP BY status, reason, priority, channel HAVING sum(n) <> 0"
            )
            return
        top = conn.exec_driver_sql("SELECT max(id) FROM case_counts").scalar()
        if top is None:
            return
        conn.exec_driver_sql(
            "INSERT INTO case_counts (status, reason, priority, channel, n) "
            "SELECT status, reason, priority, channel, sum(n) FROM case_counts WHERE id <= ? "
            "GROUP BY status, reason, priority, channel HAVING sum(n) <> 0",
            (top,),
        )
        conn.exec_driver_sql("DELETE FROM case_counts WHERE id <= ?", (top,))


def sum_counts(
    counts: dict[CountKey, int],
    statuses: Sequence[str] = (),
    reasons: Sequence[str] = (),
    priorities: Sequence[str] = (),
    channels: Sequence[str] = (),
) -> int:
    """Cases matching these filters (empty = any), from the maintained counts."""
    total = 0
    for (status, reason, priority, channel), n in counts.items():
        if statuses and status not in statuses:
            continue
        if reasons and reason not in reasons:
            continue
        if priorities and priority not in priorities:
            continue
        if channels and channel not in channels:
            continue
        total += n
    return total


def status_totals(counts: dict[CountKey, int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for (status, *_rest), n in counts.items():
        out[status] = out.get(status, 0) + n
    return out


__all__ = [
    "COMPACT_AT",
    "SearchQuery",
    "Term",
    "compact_counts",
    "fts5_match",
    "parse",
    "read_counts",
    "snippet",
    "status_totals",
    "sum_counts",
    "tsquery",
]

