"""Queue search, maintained counts and migration 0006_search on real SQLite and PostgreSQL.

The old path (`queue_page_scan`: LIKE and GROUP BY over `cases`) is the reference the counts are checked
against. No timings here: `triage bench --queue` measures speed."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, delete, func, insert, inspect, select, text, update

from agents.state import CHANNELS, PRIORITIES, REASON_CODES
from tools.store import queries as q
from tools.store import schema as t
from tools.store import search as fts
from tools.store.cases import CaseStore
from tools.store.db import alembic_config
from tools.store.escalations import EscalationStore

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ANY = q.QueueFilters(statuses=())

CASES: dict[str, dict[str, Any]] = {
    "refused": {
        "subject": "Delivery refused - PO-55102 - tracking 1Z999AA10123456784",
        "body": "The consignee <PERSON_1> refused PO-55102 at the dock. Call <PHONE_NUMBER_1>.",
        "summary": "Delivery refused for PO-55102", "reference_keys": "1z999aa10123456784 po-55102",
        "reason": "delivery_refused", "priority": "P2",
    },
    "damaged": {
        "subject": "Damaged goods on delivery - BOL 8812-3390",
        "body": "BOL 8812-3390 delivered with 4 of 12 cartons crushed and wet.",
        "summary": "Damaged cartons on BOL 8812-3390", "reference_keys": "8812-3390",
        "reason": "damaged", "priority": "P3",
    },
    "reefer": {
        "subject": "Reefer unit failure on CAIU7714059",
        "body": "The reefer unit of container CAIU7714059 failed at sea; the reefer alarm log is attached. "
                "Temperature rose to 12 C.",
        "summary": "Reefer failure, container CAIU7714059", "reference_keys": "caiu7714059",
        "reason": "equipment_failure", "priority": "P1",
    },
    "mention": {
        "subject": "Weekly terminal update",
        "body": "Terminal operations normal. One reefer plug was repaired on Monday; no cargo affected. "
                "Gate hours unchanged for the holiday week; truckers should book slots as usual.",
        "summary": "Informational terminal update", "reference_keys": "",
        "reason": "no_exception", "priority": "P4",
    },
    "customs": {
        "subject": "Customs hold - container MSCU1234565 - missing commercial invoice",
        "body": "Container MSCU1234565 is on customs hold: the commercial invoice is missing. 100% of duties due.",
        "summary": "Customs hold, invoice missing", "reference_keys": "mscu1234565",
        "reason": "customs_hold", "priority": "P2",
    },
}
RAW_SECRET = "Katrin Vogel"  # only in raw_messages: the search must never find it


def _insert(engine: Engine, key: str, spec: dict[str, Any], status: str = "awaiting_review",
            created: datetime | None = None, channel: str = "email") -> str:
    created = created or NOW - timedelta(hours=len(key))
    case_id = f"case-{key}"
    with engine.begin() as conn:
        conn.execute(insert(t.raw_messages), {
            "id": f"raw-{key}", "channel": channel, "source": "test", "subject": spec["subject"],
            "body": f"{RAW_SECRET} wrote: {spec['body']}", "payload": {}, "fingerprint": key.ljust(64, "0"),
            "created_at": created, "purge_after": created + timedelta(days=30),
        })
        conn.execute(insert(t.cases), {
            "id": case_id, "raw_id": f"raw-{key}", "channel": channel, "status": status, "carrier": "DHL",
            "confidence": 0.8, "sla_due": created + timedelta(hours=8), "received_at": created,
            "created_at": created, "updated_at": created, **spec,
        })
    return case_id


@pytest.fixture
def five(engine: Engine) -> Engine:
    for key, spec in CASES.items():
        _insert(engine, key, spec)
    return engine


def ids(engine: Engine, search: str, **filters: Any) -> list[str]:
    page = q.queue_page(engine, q.QueueFilters(statuses=(), search=search, **filters), NOW, page_size=200)
    assert page.total == len(page.rows) and not page.total_capped
    return [r.id for r in page.rows]


@pytest.mark.parametrize("written", ["PO-55102", "po55102", "PO 55102", "po_55102", "PO/55102", "Po-551"])
def test_references_with_and_without_punctuation(five: Engine, written: str) -> None:
    assert ids(five, written) == ["case-refused"]


@pytest.mark.parametrize("written", ["8812-3390", "88123390", "8812 3390", "BOL 8812-3390"])
def test_a_bill_of_lading_found_every_way_it_is_written(five: Engine, written: str) -> None:
    assert ids(five, written) == ["case-damaged"]


def test_tracking_and_container_numbers(five: Engine) -> None:
    assert ids(five, "1Z999AA10123456784") == ["case-refused"]
    assert ids(five, "1z999") == ["case-refused"]  # a prefix, as typed while reading it off a label
    assert ids(five, "1Z") == ["case-refused"]
    assert ids(five, "CAIU7714059") == ["case-reefer"]
    assert ids(five, "MSCU 1234565") == ["case-customs"]
    assert ids(five, "1Z999AA10123456785") == []  # one digit off: exact, not fuzzy
    assert ids(five, "case-customs") == ["case-customs"]  # the case id


def test_words_several_terms_and_ranking(five: Engine) -> None:
    # the reefer failure names it in the subject, summary and body; the terminal update once in passing
    assert ids(five, "reefer") == ["case-reefer", "case-mention"]
    assert ids(five, "REEFER failure") == ["case-reefer"]  # every term must match
    assert ids(five, "reefer invoice") == []
    assert ids(five, "commercial invoice") == ["case-customs"]
    page = q.queue_page(five, q.QueueFilters(statuses=(), search="reefer"), NOW)
    assert "«reefer»" in page.rows[0].match.lower()
    assert "match" in page.frame().columns
    assert "match" not in q.queue_page(five, ANY, NOW).frame().columns


@pytest.mark.parametrize("written", ["%", "_", "%%", "*", '"', "'", "(", "OR", "NOT", "NEAR", "reefer NOT"])
def test_wildcards_and_query_syntax_are_plain_text(five: Engine, written: str) -> None:
    # no case has a word starting with "or", "not" or "near": each is a word to find, not an operator
    assert ids(five, written) == []


def test_an_operator_word_is_a_word(five: Engine) -> None:
    assert ids(five, "AND") == ["case-damaged"]  # "crushed and wet"
    assert ids(five, "wet AND") == ["case-damaged"]


def test_percent_and_underscore_never_act_as_wildcards(five: Engine) -> None:
    assert ids(five, "p_-55102") == []  # as LIKE, "_" would match the "o"
    assert ids(five, "5%102") == []  # as LIKE, "%" would match "5" ... "102"
    assert ids(five, "100%") == ["case-customs"]  # the text "100% of duties": the digits still match
    assert ids(five, "x" * 5000) == []
    assert ids(five, "reefer %") == ["case-reefer", "case-mention"]  # a punctuation-only term is ignored


def test_only_redacted_columns_are_searched(five: Engine) -> None:
    assert ids(five, RAW_SECRET) == [] and ids(five, "Katrin") == []
    assert ids(five, "PERSON_1") == ["case-refused"]  # the placeholder is text of the redacted body


def test_search_combines_with_filters_and_status(five: Engine) -> None:
    assert ids(five, "reefer", priorities=["P1"]) == ["case-reefer"]
    assert ids(five, "reefer", reasons=["no_exception"]) == ["case-mention"]
    with five.begin() as conn:
        conn.execute(update(t.cases).where(t.cases.c.id == "case-reefer").values(status="dispatched"))
    page = q.queue_page(five, q.QueueFilters(search="reefer"), NOW)  # the review statuses only
    assert [r.id for r in page.rows] == ["case-mention"]


def test_words_match_whole_and_a_star_asks_for_a_prefix(five: Engine) -> None:
    assert ids(five, "reef") == []  # a word is whole: no merge of every word it begins
    assert ids(five, "reef*") == ["case-reefer", "case-mention"]
    assert ids(five, "commerc* invoice") == ["case-customs"]
    assert ids(five, "CAIU771") == ["case-reefer"]  # a term with a digit is a prefix: a reference typed in part
    assert ids(five, "customs-hold") == ["case-customs"]  # a phrase of words


def test_the_status_in_the_index_follows_the_case(five: Engine) -> None:
    review = q.QueueFilters(search="invoice")
    assert [r.id for r in q.queue_page(five, review, NOW).rows] == ["case-customs"]
    for status, found in (("approved", []), ("needs_classification", ["case-customs"])):
        with five.begin() as conn:
            conn.execute(update(t.cases).where(t.cases.c.id == "case-customs").values(status=status))
        assert [r.id for r in q.queue_page(five, review, NOW).rows] == found
        page = q.queue_page(five, q.QueueFilters(statuses=("approved",), search="invoice"), NOW)
        assert [r.id for r in page.rows] == ([] if found else ["case-customs"]) and page.total == len(page.rows)


def test_many_matches_are_listed_unranked(
    five: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the passing mention now comes first in queue order; the reefer failure still ranks first
    with five.begin() as conn:
        conn.execute(update(t.cases).where(t.cases.c.id == "case-mention").values(priority="P1"))
        conn.execute(update(t.cases).where(t.cases.c.id == "case-reefer").values(priority="P4"))
    search = q.QueueFilters(statuses=(), search="reefer")
    assert [r.id for r in q.queue_page(five, search, NOW).rows] == ["case-reefer", "case-mention"]
    monkeypatch.setattr(q, "RANK_MAX", 1)
    q._rows_template.cache_clear()
    try:
        page = q.queue_page(five, search, NOW)
    finally:
        q._rows_template.cache_clear()
    # more matches than RANK_MAX: queue order on PostgreSQL; on SQLite the order the cases came in (the
    # fixture inserts the reefer failure first)
    expected = ["case-mention", "case-reefer"] if five.dialect.name == "postgresql" else ["case-reefer", "case-mention"]
    assert [r.id for r in page.rows] == expected and page.total == 2


def test_the_index_follows_updates_and_deletes(five: Engine) -> None:
    with five.begin() as conn:
        conn.execute(update(t.cases).where(t.cases.c.id == "case-damaged").values(
            subject="Damaged goods - BOL 7700-1234", body="Crushed cartons.", reference_keys="7700-1234",
            summary="Crushed cartons on BOL 7700-1234",
        ))
    assert ids(five, "8812-3390") == [] and ids(five, "77001234") == ["case-damaged"]
    with five.begin() as conn:
        conn.execute(delete(t.cases).where(t.cases.c.id == "case-damaged"))
    assert ids(five, "77001234") == [] and ids(five, "reefer") == ["case-reefer", "case-mention"]


def test_a_case_through_the_store_is_found_once_triaged(engine: Engine) -> None:
    from agents.state import InboundMessage
    from tools.store.cases import content_fingerprint

    store = CaseStore(engine)
    message = InboundMessage(channel="email", source="t", sender="a@b.example", subject="raw", body="raw text")
    stored = store.add_message(message, content_fingerprint(message), NOW, timedelta(days=30))
    assert stored is not None
    assert ids(engine, "HLXU8309277") == []
    store.update_case(stored[0], NOW, status="awaiting_review", subject="Zollrueckfrage HLXU8309277",
                      body="Container HLXU8309277: Rechnung fehlt.", reference_keys="hlxu8309277")
    assert ids(engine, "HLXU8309277") == [stored[0]] and ids(engine, "rechnung") == [stored[0]]


# ------------------------------------------------------------------------------------------ counts


def _fill(engine: Engine, n: int, seed: int = 3) -> list[str]:
    rnd = random.Random(seed)
    raws, cases = [], []
    for i in range(n):
        created = NOW - timedelta(minutes=rnd.randint(1, 60 * 24 * 40))
        reason = rnd.choice([*REASON_CODES, None])
        raws.append({"id": f"raw-{i:05d}", "channel": "email", "source": "t", "body": "raw", "payload": {},
                     "fingerprint": f"{i:064d}", "created_at": created, "purge_after": created + timedelta(days=30)})
        cases.append({
            "id": f"case-{i:05d}", "raw_id": f"raw-{i:05d}", "channel": rnd.choice(CHANNELS),
            "status": rnd.choice(q.ALL_STATUSES), "reason": reason,
            "priority": None if reason is None else rnd.choice(PRIORITIES), "confidence": rnd.random(),
            "carrier": rnd.choice(["DHL", "UPS", None]), "assignee": rnd.choice([None, "cs.anna"]),
            "subject": f"case {i} reefer" if i % 7 == 0 else f"case {i}", "body": "text", "summary": "s",
            "reference_keys": f"po-{100000 + i}", "sla_due": created + timedelta(hours=8),
            "received_at": created, "created_at": created, "updated_at": created,
            "language": rnd.choice(["en", "de", "fr", None]), "manipulation_suspected": rnd.random() < 0.1,
        })
    with engine.begin() as conn:
        conn.execute(insert(t.raw_messages), raws)
        conn.execute(insert(t.cases), cases)
    return [str(c["id"]) for c in cases]


FILTERS: list[q.QueueFilters] = [
    q.QueueFilters(),
    ANY,
    q.QueueFilters(statuses=["dispatched"]),
    q.QueueFilters(reasons=["damaged", "lost"], priorities=["P1", "P2"]),
    q.QueueFilters(statuses=(), channels=["portal"], reasons=["weather"]),
    q.QueueFilters(statuses=(), carriers=["DHL"], assignees=[q.UNASSIGNED]),
    q.QueueFilters(statuses=(), sla_breached=True, min_confidence=0.5),
    q.QueueFilters(statuses=(), search="reefer"),
    q.QueueFilters(search="po-1001"),
    # issue 14's filters, on the indexed path as on the old one
    q.QueueFilters(statuses=(), languages=["de", q.UNKNOWN_LANGUAGE]),
    q.QueueFilters(manipulation_suspected=True),
    q.QueueFilters(statuses=(), languages=["fr"], manipulation_suspected=False, search="reefer"),
]


def assert_counts_match_the_table(engine: Engine) -> None:
    """Every figure of the new path equals the old path's GROUP BY / COUNT over `cases`."""
    with engine.connect() as conn:
        truth = {s: int(n) for s, n in conn.execute(
            select(t.cases.c.status, func.count()).group_by(t.cases.c.status)
        ).all()}
    for filters in FILTERS:
        new = q.queue_page(engine, filters, NOW, page_size=20)
        old = q.queue_page_scan(engine, filters, NOW, page_size=20)
        assert (new.total, new.counts) == (old.total, old.counts), filters
        assert not new.total_capped
        if not filters.search:  # the same order too (a search is ranked instead)
            assert [r.id for r in new.rows] == [r.id for r in old.rows], filters
    assert q.status_counts(engine) == {s: truth.get(s, 0) for s in q.ALL_STATUSES}


def test_counts_stay_right_after_inserts_status_changes_and_deletes(engine: Engine) -> None:
    assert q.queue_page(engine, ANY, NOW).counts == {s: 0 for s in q.ALL_STATUSES}
    ids_ = _fill(engine, 3000)
    assert_counts_match_the_table(engine)
    rnd = random.Random(5)
    store = CaseStore(engine)
    for case_id in rnd.sample(ids_, 300):  # one at a time, as workers and reviewers change them
        store.update_case(case_id, NOW, status=rnd.choice(q.ALL_STATUSES), priority=rnd.choice(PRIORITIES))
    with engine.begin() as conn:  # and in bulk
        conn.execute(update(t.cases).where(t.cases.c.status == "approved").values(status="dispatched"))
        conn.execute(update(t.cases).where(t.cases.c.reason == "weather").values(channel="portal"))
    assert_counts_match_the_table(engine)
    # retention: a purge that deletes old cases (and their raw rows); purge_raw only blanks raw text
    assert store.purge_raw(NOW + timedelta(days=60)) == 3000
    cutoff = NOW - timedelta(days=20)
    with engine.begin() as conn:
        old_ids = select(t.cases.c.id).where(t.cases.c.created_at < cutoff)
        raw_ids = select(t.cases.c.raw_id).where(t.cases.c.created_at < cutoff)
        gone = list(conn.execute(raw_ids).scalars())
        assert gone
        conn.execute(delete(t.cases).where(t.cases.c.id.in_(old_ids)))
        conn.execute(delete(t.raw_messages).where(t.raw_messages.c.id.in_(gone)))
    assert_counts_match_the_table(engine)


def test_counts_are_compacted_and_stay_right(engine: Engine) -> None:
    ids_ = _fill(engine, 500)
    store = CaseStore(engine)
    for i in range(fts.COMPACT_AT // 2 + 10):  # two delta rows per change: past the compaction point
        store.update_case(ids_[i % len(ids_)], NOW, status=q.ALL_STATUSES[i % len(q.ALL_STATUSES)])
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(t.case_counts)).scalar_one()
    assert before > fts.COMPACT_AT
    q.queue_page(engine, ANY, NOW)  # reads, then folds the deltas
    with engine.connect() as conn:
        after = conn.execute(select(func.count()).select_from(t.case_counts)).scalar_one()
    assert after < before and after <= len(q.ALL_STATUSES) * (len(REASON_CODES) + 1) * 5 * len(CHANNELS)
    assert_counts_match_the_table(engine)


def test_a_total_above_the_cap_shows_as_at_least(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(engine, 400)
    monkeypatch.setattr(q, "COUNT_CAP", 50)
    q._count_template.cache_clear()
    try:
        page = q.queue_page(engine, q.QueueFilters(statuses=(), carriers=["DHL", "UPS"]), NOW, page_size=20)
        assert page.total_capped and page.total == 50 and page.total_text == "50+" and page.pages_text == "3+"
        exact = q.queue_page(engine, ANY, NOW)  # from the maintained counts: never capped
        assert exact.total == 400 and not exact.total_capped
    finally:
        q._count_template.cache_clear()


def test_keyset_pages_equal_offset_pages(engine: Engine) -> None:
    _fill(engine, 1500)
    for filters in (q.QueueFilters(), ANY, q.QueueFilters(statuses=(), carriers=["UPS"])):
        by_offset = [q.queue_page(engine, filters, NOW, page=p, page_size=25) for p in (1, 2, 3, 4)]
        after = by_offset[0].last_key
        for p in (2, 3, 4):
            page = q.queue_page(engine, filters, NOW, page=p, page_size=25, after=after)
            assert [r.id for r in page.rows] == [r.id for r in by_offset[p - 1].rows], (filters, p)
            after = page.last_key


def test_filter_options_are_the_distinct_values(engine: Engine) -> None:
    _fill(engine, 300)
    assert q.filter_options(engine) == {"carriers": ["DHL", "UPS"], "assignees": ["cs.anna"]}


# ------------------------------------------------------------------------------------------ migration


def _alembic(engine: Engine, step: Callable[..., None], revision: str) -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        step(cfg, revision)


def _search_objects(engine: Engine) -> set[str]:
    insp = inspect(engine)
    names = set(insp.get_table_names()) & {"cases_fts", "case_search_ids", "case_counts"}
    if any(c["name"] == "search_tsv" for c in insp.get_columns("cases")):
        names.add("search_tsv")
    return names


def _index_sql(engine: Engine, name: str) -> str:
    sql = ("SELECT indexdef FROM pg_indexes WHERE indexname = :n" if engine.dialect.name == "postgresql"
           else "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :n")
    with engine.connect() as conn:
        return str(conn.execute(text(sql), {"n": name}).scalar_one())


def test_the_migration_runs_down_and_up_on_a_populated_store(five: Engine) -> None:
    engine = five
    expected = {"case_counts", "search_tsv"} if engine.dialect.name == "postgresql" else {
        "case_counts", "cases_fts", "case_search_ids"}
    assert _search_objects(engine) == expected
    # P4: the last case of the queue until it is escalated. The case's columns as reconciliation sets them,
    # without the `escalations` row: SQLite's downgrade of 0010_language re-creates `cases`, which a row
    # referencing a case would refuse (foreign keys are on)
    with engine.begin() as conn:
        conn.execute(update(t.cases).where(t.cases.c.id == "case-mention").values(
            escalated_at=NOW, escalation_rule="review_overdue", assigned_role="team_lead"))
    _alembic(engine, command.downgrade, "0006_search-1")
    assert _search_objects(engine) == set()
    # the store works without it (no trigger is left behind) ...
    _insert(engine, "later", {**CASES["damaged"], "subject": "Lost parcel 61209934475",
                              "reference_keys": "61209934475"}, status="dispatched")
    # (counted directly: the way down also undid 0010_language, which comes after 0006, so the queue's
    # `language` column is gone until the way up)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.cases)).scalar_one() == 6
    # ... and the way up indexes and counts every case, including the one added meanwhile
    _alembic(engine, command.upgrade, "head")
    assert _search_objects(engine) == expected
    assert ids(engine, "61209934475") == ["case-later"] and ids(engine, "88123390") == ["case-damaged"]
    assert ids(engine, "reefer") == ["case-reefer", "case-mention"]
    page = q.queue_page(engine, ANY, NOW)
    assert page.total == 6 and page.counts["dispatched"] == 1 and page.counts["awaiting_review"] == 5
    # the queue indexes are back, keyed on the escalation too, in the queue's order: the escalated case first
    assert all("escalated_at" in _index_sql(engine, name) for name in ("ix_cases_order", "ix_cases_reason_order"))
    assert page.rows[0].id == "case-mention" and [r.id for r in page.rows] == [
        r.id for r in q.queue_page_scan(engine, ANY, NOW).rows]
    assert q.queue_page(engine, q.QueueFilters(priorities=["P4"]), NOW).rows[0].id == "case-mention"
    # the triggers are back: a new case is searchable and counted
    _insert(engine, "newest", {**CASES["customs"], "subject": "Customs hold MSCU7654321",
                               "reference_keys": "mscu7654321"})
    assert ids(engine, "MSCU7654321") == ["case-newest"] and q.queue_page(engine, ANY, NOW).total == 7


# ------------------------------------------------------------------------------------------ escalation


def _escalate(engine: Engine, case_id: str, priority: str | None) -> None:
    """What reconciliation does to a case (tools/store/escalations.py): one escalation, recorded."""
    seq = EscalationStore(engine).record(
        case_id, "review_overdue", "team_lead", "review overdue", timedelta(hours=4), NOW,
        priority=priority, due_at=NOW - timedelta(hours=1),
    )
    assert seq is not None


def _review_cases(engine: Engine, priority: str | None) -> list[tuple[str, str | None]]:
    """(id, reason) of the review queue's cases of one priority, youngest first."""
    c = t.cases.c
    prio = c.priority.is_(None) if priority is None else c.priority == priority
    with engine.connect() as conn:
        return [(r.id, r.reason) for r in conn.execute(
            select(c.id, c.reason).where(c.status.in_(q.REVIEW_STATUSES), prio).order_by(c.created_at.desc())
        )]


def test_an_escalated_case_leads_the_queue_and_still_has_its_priority(engine: Engine) -> None:
    _fill(engine, 1500)
    youngest_p3, reason = _review_cases(engine, "P3")[0]
    assert youngest_p3 not in {r.id for r in q.queue_page(engine, q.QueueFilters(), NOW, page_size=25).rows}
    _escalate(engine, youngest_p3, "P3")
    page = q.queue_page(engine, q.QueueFilters(), NOW, page_size=25)
    assert page.rows[0].id == youngest_p3 and page.rows[0].escalated_at == NOW
    assert page.rows[0].priority == "P3" and {r.priority for r in page.rows[1:]} == {"P1"}
    # the priority filter is the case's priority, escalated or not, alone or with the reason
    for filters in (q.QueueFilters(priorities=["P3"]), q.QueueFilters(statuses=(), priorities=["P3", "P4"]),
                    q.QueueFilters(reasons=[reason] if reason else [], priorities=["P3"])):
        found = q.queue_page(engine, filters, NOW, page_size=25)
        assert found.rows[0].id == youngest_p3, filters
        assert found.total == q.queue_page_scan(engine, filters, NOW).total, filters
    assert youngest_p3 not in {r.id for r in q.queue_page(engine, q.QueueFilters(priorities=["P1"]), NOW,
                                                                page_size=200).rows}
    # counts per priority follow the priority, not the escalation
    assert q.queue_page(engine, q.QueueFilters(priorities=["P3"]), NOW).total == len(_review_cases(engine, "P3"))


def test_keyset_pages_cross_the_escalated_boundary_in_the_old_paths_order(engine: Engine) -> None:
    _fill(engine, 1500)
    # 30 escalated cases of every priority (and un-triaged ones): page 1 all escalated, page 2 across
    for priority in (*PRIORITIES, None):
        for case_id, _reason in _review_cases(engine, priority)[:6]:
            _escalate(engine, case_id, priority)
    for filters in (q.QueueFilters(), ANY, q.QueueFilters(statuses=(), carriers=["UPS"]),
                    q.QueueFilters(priorities=["P2", "P4"])):
        old = [r.id for p in (1, 2, 3, 4) for r in q.queue_page_scan(engine, filters, NOW, page=p, page_size=10).rows]
        by_offset = [q.queue_page(engine, filters, NOW, page=p, page_size=10) for p in (1, 2, 3, 4)]
        assert [r.id for page in by_offset for r in page.rows] == old, filters
        after = by_offset[0].last_key
        for p in (2, 3, 4):
            page = q.queue_page(engine, filters, NOW, page=p, page_size=10, after=after)
            assert [r.id for r in page.rows] == [r.id for r in by_offset[p - 1].rows], (filters, p)
            after = page.last_key
    page_1, page_2 = (q.queue_page(engine, q.QueueFilters(), NOW, page=p, page_size=25) for p in (1, 2))
    assert all(r.escalated_at for r in page_1.rows)
    assert [bool(r.escalated_at) for r in page_2.rows] == [True] * 5 + [False] * 20
    assert [r.priority for r in page_2.rows[:5]] == [None] * 5  # un-triaged escalated cases last of them
