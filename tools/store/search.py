"""Queue search and counts on the structures migration 0006_search builds (FTS5 on SQLite, a tsvector with a
GIN index on PostgreSQL, the `case_counts` delta table on both).

Search semantics, the same on both databases:
- The text is cut into tokens: lower case, every run of characters that are not letters or digits separates
  two tokens (so `%` and `_` are punctuation, never wildcards; a `*` at the end of a word asks for a prefix).
- A query term matches a case when its tokens appear as a phrase, the last one as a prefix when it has a
  digit or the term ends with `*` (`PO-55102` finds "PO-55102" and "po 55102"; `1Z` finds every token
  starting with 1z; `reefer` finds the word reefer, `reef*` also "reefers"), or when its
  letters and digits together (when they have a digit) prefix one of the case's references written without
  punctuation
  (`PO55102` and `8812 3390`'s `88123390` find "PO-55102" and "8812-3390").
- Every term must match (AND), or all the terms together prefix a reference without punctuation
  (`MSCU 1234565`). A term with no letter or digit is ignored; a query made only of such terms matches
  nothing.
- Indexed: the redacted subject, body and summary, the references (`reference_keys`) and the case id. Never
  `raw_messages`.
- Ranked by BM25 (SQLite; equal ranks: the older case first) or ts_rank (PostgreSQL; equal ranks: queue
  order), references weighted highest. On PostgreSQL a search with more than `queries.RANK_MAX` matches lists
  them in queue order (ts_rank reads every match's tsvector).
- The statuses asked for are part of the index query (see migration 0006_search).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Connection, Engine, and_, case, func, select

from tools.store import schema as t

_TOKEN = re.compile(r"[^\W_]+")  # letters and digits (Unicode); "_" is punctuation, as in FTS5 and PostgreSQL
MAX_TERMS = 8  # more terms than this are ignored (each one is an index lookup)
MAX_TOKENS = 6  # tokens per term
COMPACT_AT = 2_000  # delta rows in `case_counts` after which a reader folds them into one row per group


@dataclass(frozen=True)
class Term:
    tokens: tuple[str, ...]
    prefix: bool = False  # the last token matches as a prefix (it has a digit, or the word ended with "*")

    @property
    def compact(self) -> str:
        return "".join(self.tokens)


@dataclass(frozen=True)
class SearchQuery:
    terms: tuple[Term, ...]
    empty: bool  # the user typed something, but nothing searchable: matches no case

    def __bool__(self) -> bool:
        return bool(self.terms) or self.empty

    @property
    def compact(self) -> str:
        return "".join(term.compact for term in self.terms)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def parse(search: str, max_chars: int = 100) -> SearchQuery:
    raw = search.strip()[:max_chars]
    terms: list[Term] = []
    for word in raw.split():
        found = tokens(word)[:MAX_TOKENS]
        if not found:
            continue
        # References are typed in part ("1Z999", "PO-551"); words are whole unless written "reef*". A
        # prefix of a common word costs a merge of every word it begins (most on PostgreSQL's GIN).
        term = Term(tuple(found), prefix=word.endswith("*") or any(ch.isdigit() for ch in found[-1]))
        if term not in terms:
            terms.append(term)
    return SearchQuery(tuple(terms[:MAX_TERMS]), empty=bool(raw) and not terms)


_TEXT_COLUMNS = "{subject body summary refs}"  # every FTS5 column but `status`


def fts5_match(query: SearchQuery, statuses: Sequence[str] = ()) -> str:
    """The FTS5 MATCH expression, limited to `statuses` when given (the `status` column holds the status
    as one token). Tokens are letters and digits only, so quoting them is enough."""
    parts = []
    for term in query.terms:
        phrase = f'{_TEXT_COLUMNS} : "{" ".join(term.tokens)}"' + ("*" if term.prefix else "")
        if len(term.tokens) > 1 and _has_digit(term.compact):
            parts.append(f'({phrase} OR refs : "{term.compact}"*)')
        else:
            parts.append(f"({phrase})")
    # "MSCU 1234565": the terms together may be one reference written with spaces
    text = " AND ".join(parts)
    if len(query.terms) > 1 and _has_digit(query.compact):
        text = f'({text}) OR refs : "{query.compact}"*'

    if not statuses:
        return text
    wanted = " OR ".join(f'"{status_token(s)}"' for s in dict.fromkeys(statuses))
    return f"({text}) AND status : ({wanted})"


def status_token(status: str) -> str:
    """A status as the FTS5 `status` column holds it (migration 0006: `awaiting_review` -> `awaitingreview`)."""
    return status.replace("_", "")


def status_tsquery(statuses: Sequence[str]) -> str:
    """The statuses as a tsquery over the status lexemes of `cases.search_tsv` (`'~awaiting_review'`), for
    a `::tsquery` cast (not to_tsquery, whose parser would split them)."""
    return " | ".join("'~" + s.replace("'", "") + "'" for s in dict.fromkeys(statuses))


def tsquery(query: SearchQuery) -> str:
    """The same query for PostgreSQL's to_tsquery('simple', ...)."""
    parts = []
    for term in query.terms:
        phrase = " <-> ".join([*term.tokens[:-1], term.tokens[-1] + (":*" if term.prefix else "")])
        if len(term.tokens) > 1 and _has_digit(term.compact):
            parts.append(f"(({phrase}) | {term.compact}:*)")
        else:
            parts.append(f"({phrase})")
    if len(query.terms) > 1 and _has_digit(query.compact):
        return f"({' & '.join(parts)}) | {query.compact}:*"
    return " & ".join(parts)


def _has_digit(text: str) -> bool:
    """References have digits; the letters of words run together are not worth a prefix lookup."""
    return any(ch.isdigit() for ch in text)


# ------------------------------------------------------------------------------------------ snippets

_WINDOW = 70  # characters either side of the first match


@lru_cache(maxsize=512)
def _hit_pattern(prefixes: tuple[str, ...]) -> re.Pattern[str]:
    """A token (a run of letters and digits) that starts with one of the prefixes."""
    alternatives = "|".join(re.escape(p) for p in sorted(prefixes, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})[^\W_]*", re.IGNORECASE)


def snippet(query: SearchQuery, fields: Iterable[str | None]) -> str:
    """Where a term matches in the first field that has it, the matching words in «»."""
    if not query.terms:
        return ""
    words = {token for term in query.terms for token in term.tokens} | {term.compact for term in query.terms}
    words.add(query.compact)
    pattern = _hit_pattern(tuple(sorted(words)))
    for text in fields:
        if not text:
            continue
        first = pattern.search(text)
        if first is None:
            continue
        start = max(0, first.start() - _WINDOW)
        end = min(len(text), first.end() + _WINDOW)
        out, pos = [], start
        for m in pattern.finditer(text, start, end):
            out += [text[pos:m.start()], "«", m.group(), "»"]
            pos = m.end()
        out.append(text[pos:end])
        body = " ".join("".join(out).split())
        return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")
    return ""


# ------------------------------------------------------------------------------------------ counts

def read_counts(
    conn: Connection,
    statuses: Sequence[str] = (),
    reasons: Sequence[str] = (),
    priorities: Sequence[str] = (),
    channels: Sequence[str] = (),
) -> tuple[dict[str, int], int, int]:
    """(cases per status, cases matching these filters (empty = any), delta rows summed), in one query over
    `case_counts` (a few thousand rows at most, whatever the size of `cases`)."""
    k = t.case_counts.c
    conds = [col.in_(list(values)) for col, values in (
        (k.status, statuses), (k.reason, reasons), (k.priority, priorities), (k.channel, channels)
    ) if values]
    matching = func.sum(case((and_(*conds), k.n), else_=0)) if conds else func.sum(k.n)
    rows = conn.execute(select(k.status, func.sum(k.n), matching, func.count()).group_by(k.status)).all()
    by_status = {str(r[0]): int(r[1]) for r in rows if int(r[1])}
    return by_status, sum(int(r[2]) for r in rows), sum(int(r[3]) for r in rows)


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


__all__ = [
    "COMPACT_AT",
    "SearchQuery",
    "Term",
    "compact_counts",
    "fts5_match",
    "parse",
    "read_counts",
    "snippet",
    "status_token",
    "status_tsquery",
    "tsquery",
]

