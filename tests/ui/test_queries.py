"""The queue and dashboard queries on a store with 10,000 open cases (SQLite, and PostgreSQL when it is
reachable): pages are bounded by LIMIT, the plan uses an index, filters and search are right.
No timings here: `make bench` measures speed, tests check the shape of the work."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, insert

from agents.state import CHANNELS, PRIORITIES, REASON_CODES
from tools.store import queries as q
from tools.store import schema as t

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
N = 10_000
CARRIERS = ["DHL", "UPS", "FedEx", "Maersk", "MSC", "Nordfreight", None]
STATUSES = ["awaiting_review"] * 8 + ["needs_classification", "approved", "dispatched", "rejected"]


def _fill(engine: Engine, n: int = N, seed: int = 7) -> None:
    rnd = random.Random(seed)
    raws, cases = [], []
    for i in range(n):
        reason = rnd.choice(REASON_CODES)
        created = NOW - timedelta(minutes=rnd.randint(1, 60 * 24 * 20))
        priority = rnd.choice(PRIORITIES)
        ref = f"PO-{100000 + i}"
        raws.append(
            {"id": f"raw-{i:05d}", "channel": "email", "source": "bench", "body": "raw", "payload": {},
             "fingerprint": f"{i:064d}", "created_at": created, "purge_after": created + timedelta(days=30)}
        )
        cases.append(
            {
                "id": f"case-{i:05d}", "raw_id": f"raw-{i:05d}", "channel": rnd.choice(CHANNELS),
                "status": rnd.choice(STATUSES), "reason": reason, "confidence": round(rnd.random(), 3),
                "priority": priority, "carrier": rnd.choice(CARRIERS),
                "assignee": rnd.choice([None, None, "cs.anna", "cs.bruno"]),
                "subject": f"{reason.replace('_', ' ')} - {ref}", "body": f"Shipment {ref} reported {reason}.",
                "summary": f"{reason} for {ref}", "reference_keys": ref.lower(),
                "sla_due": created + timedelta(hours={"P1": 2, "P2": 8, "P3": 24, "P4": 72}[priority]),
                "received_at": created, "created_at": created, "updated_at": created,
            }
        )
    with engine.begin() as conn:
        conn.execute(insert(t.raw_messages), raws)
        conn.execute(insert(t.cases), cases)


@pytest.fixture
def big(engine: Engine) -> Engine:
    _fill(engine)
    return engine


def test_a_page_is_bounded_and_ordered_by_priority_then_age(big: Engine) -> None:
    page = q.queue_page(big, q.QueueFilters(), NOW, page=1, page_size=50)
    assert len(page.rows) == 50
    assert page.total > 5000  # the open review queue of 10,000 cases
    assert all(r.status in q.REVIEW_STATUSES for r in page.rows)
    keys = [(r.priority, r.created_at) for r in page.rows]
    assert keys == sorted(keys)
    assert page.rows[0].priority == "P1"
    assert all(r.age == NOW - r.created_at for r in page.rows)
    assert sum(page.counts.values()) == N
    # the page query itself carries LIMIT/OFFSET
    sql = str(q.queue_select(q.QueueFilters(), NOW, page=3, page_size=50).compile(big))
    assert "LIMIT" in sql and "OFFSET" in sql


def test_pages_do_not_overlap_and_the_last_page_is_clamped(big: Engine) -> None:
    f = q.QueueFilters(priorities=["P1"], reasons=["lost"])
    pages = [q.queue_page(big, f, NOW, page=p, page_size=20) for p in (1, 2)]
    assert not {r.id for r in pages[0].rows} & {r.id for r in pages[1].rows}
    beyond = q.queue_page(big, f, NOW, page=10_000, page_size=20)
    assert beyond.page == beyond.pages and 0 < len(beyond.rows) <= 20
    assert q.queue_page(big, f, NOW, page_size=10_000).page_size == q.MAX_PAGE_SIZE


def test_filters(big: Engine) -> None:
    f = q.QueueFilters(
        reasons=["damaged", "lost"], priorities=["P1", "P2"], channels=["email"], carriers=["DHL"],
        assignees=[q.UNASSIGNED], min_confidence=0.5, max_confidence=0.9,
    )
    page = q.queue_page(big, f, NOW, page_size=200)
    assert page.total > 0
    for r in page.rows:
        assert r.reason in ("damaged", "lost") and r.priority in ("P1", "P2") and r.channel == "email"
        assert r.carrier == "DHL" and r.assignee is None and 0.5 <= (r.confidence or 0) <= 0.9
    breached = q.queue_page(big, q.QueueFilters(sla_breached=True), NOW, page_size=200)
    assert breached.total > 0 and all(r.sla_breached for r in breached.rows)
    within = q.queue_page(big, q.QueueFilters(sla_breached=False), NOW, page_size=200)
    assert within.total + breached.total == q.queue_page(big, q.QueueFilters(), NOW).total
    named = q.queue_page(big, q.QueueFilters(assignees=["cs.anna"]), NOW, page_size=200)
    assert named.total > 0 and {r.assignee for r in named.rows} == {"cs.anna"}
    statuses = q.queue_page(big, q.QueueFilters(statuses=["rejected"]), NOW)
    assert statuses.total == statuses.counts["rejected"]


def test_search_covers_references_and_text_and_escapes_wildcards(big: Engine) -> None:
    by_ref = q.queue_page(big, q.QueueFilters(statuses=(), search="po-104242"), NOW)
    assert [r.id for r in by_ref.rows] == ["case-04242"]
    by_text = q.queue_page(big, q.QueueFilters(statuses=(), search="CUSTOMS HOLD 10424"), NOW)
    assert by_text.total >= 1 and all("customs hold" in (r.subject or "") for r in by_text.rows)
    assert q.queue_page(big, q.QueueFilters(statuses=(), search="%"), NOW).total == 0
    # "_" and "%" are LIKE wildcards: escaped, they match only themselves
    assert q.queue_page(big, q.QueueFilters(statuses=(), search="p_-104242"), NOW).total == 0
    assert q.queue_page(big, q.QueueFilters(statuses=(), search="x" * 5000), NOW).total == 0


def test_the_queue_query_uses_an_index(big: Engine) -> None:
    if big.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    # the review statuses: one range of ix_cases_order per status, merged (no sort of every open case)
    plan = " | ".join(q.explain_queue(big, q.QueueFilters(), NOW))
    assert "MERGE (UNION ALL)" in plan and "USING INDEX ix_cases_order" in plan and "SCAN cases" not in plan, plan
    # a reason and a priority: both in ix_cases_reason_order, the priority as its queue keys (escalated or not)
    plan = " | ".join(q.explain_queue(big, q.QueueFilters(reasons=["damaged"], priorities=["P2"]), NOW))
    assert "USING INDEX ix_cases_reason_order (status=? AND reason=? AND <expr>=?)" in plan, plan
    assert "SCAN cases" not in plan, plan
    plan = " | ".join(q.explain_queue(big, q.QueueFilters(priorities=["P1", "P3"]), NOW))
    assert "USING INDEX ix_cases_order (status=? AND <expr>=?)" in plan and "SCAN cases" not in plan, plan
    plan = " | ".join(q.explain_queue(big, q.QueueFilters(sla_breached=True), NOW))
    assert "USING INDEX ix_cases_" in plan and "SCAN cases" not in plan, plan
    plan = " | ".join(q.explain_queue(big, q.QueueFilters(statuses=(), carriers=["DHL"]), NOW))
    assert "USING INDEX ix_cases_carrier" in plan, plan
    # a search starts from the full-text index, then looks each match up by key
    plan = " | ".join(q.explain_queue(big, q.QueueFilters(search="po-104242"), NOW))
    assert "cases_fts VIRTUAL TABLE" in plan and "SCAN cases " not in plan + " ", plan


def test_dashboard_aggregations(big: Engine) -> None:
    depth = q.queue_depth(big)
    assert set(depth["status"]) <= set(q.OPEN_STATUSES) and depth["cases"].sum() > 0
    ageing = q.exception_ageing(big, NOW)
    assert list(ageing["age"].cat.categories) == [b[0] for b in q.AGE_BUCKETS]
    review = sum(q.status_counts(big)[s] for s in q.REVIEW_STATUSES)
    assert ageing["cases"].sum() == review
    by_reason = q.cases_over_time(big, "reason", NOW - timedelta(days=30))
    assert by_reason["cases"].sum() == N and set(by_reason["reason"]) == set(REASON_CODES)
    by_carrier = q.cases_over_time(big, "carrier", NOW - timedelta(days=30))
    assert "unknown" in set(by_carrier["carrier"]) and by_carrier["day"].dtype.kind == "M"
    with pytest.raises(ValueError):
        q.cases_over_time(big, "body", NOW)
    assert q.approval_cycle_times(big, NOW - timedelta(days=30)).empty
    assert q.review_outcomes(big, NOW - timedelta(days=30)).empty
    assert q.dispatch_failures(big, NOW - timedelta(days=30)).empty


def test_review_outcomes_rates(engine: Engine) -> None:
    rows = [
        ("accept", "weather", {}), ("accept", "weather", {}), ("edit", "weather", {"reason": {}}),
        ("reject", "lost", {"rejected": True}),
    ]
    with engine.begin() as conn:
        for decision, reason, diff in rows:
            conn.execute(
                insert(t.audit_log).values(
                    case_id="c", actor="a", role="customer_service", event="decision", decision=decision,
                    proposal={"reason": reason}, diff=diff, at=NOW,
                )
            )
    out = q.review_outcomes(engine, NOW - timedelta(days=1)).set_index("reason")
    assert out.loc["weather", "decisions"] == 3
    assert out.loc["weather", "acceptance_rate"] == pytest.approx(2 / 3)
    assert out.loc["weather", "edit_rate"] == pytest.approx(1 / 3)
    assert out.loc["weather", "reason_changed"] == 1
    assert out.loc["lost", "rejected"] == 1


def test_format_age() -> None:
    assert q.format_age(timedelta(minutes=7)) == "7m"
    assert q.format_age(timedelta(hours=5, minutes=12)) == "5h 12m"
    assert q.format_age(timedelta(days=3, hours=4)) == "3d 4h"
    assert q.format_age(timedelta(seconds=-5)) == "0m"
