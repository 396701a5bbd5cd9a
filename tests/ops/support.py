"""Helpers for the operations tests: case rows in a real store, metric samples from a real registry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, insert, select

from agents.metrics import Metrics
from tools.store import outbox
from tools.store import schema as t


def add_case(
    engine: Engine,
    case_id: str,
    *,
    status: str = "awaiting_review",
    priority: str | None = "P3",
    sla_due: datetime | None = None,
    now: datetime | None = None,
    subject: str = "Storm delay BOL 8812-3390",
    body: str = "Dear <PERSON_1>, shipment 1Z999AA10123456784 is held at Hamburg hub (storm).",
    reason: str = "weather",
    approved: dict[str, Any] | None = None,
) -> None:
    """A case row with redacted text, and the raw row the schema requires (its raw text holds a name)."""
    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(t.raw_messages).values(
                id=f"raw-{case_id}", channel="email", source="test", sender="Luis Ortega <luis@carrier.example>",
                body="Dear Luis Ortega, call 269-555-0176", payload={}, fingerprint=case_id, created_at=now,
                purge_after=now + timedelta(days=30),
            )
        )
        conn.execute(
            insert(t.cases).values(
                id=case_id, raw_id=f"raw-{case_id}", channel="email", status=status, subject=subject, body=body,
                summary="Storm closure at Hamburg hub delays the shipment by 2 days.", reason=reason,
                priority=priority, carrier="UPS", sla_due=sla_due, received_at=now, created_at=now, updated_at=now,
                reference_keys="1Z999AA10123456784 88123390", approved=approved,
                refs=[{"kind": "tracking", "value": "1Z999AA10123456784", "start": 0, "end": 18}],
            )
        )


def case_row(engine: Engine, case_id: str) -> dict[str, Any]:
    with engine.connect() as conn:
        return dict(conn.execute(select(t.cases).where(t.cases.c.id == case_id)).one()._mapping)


def audit_events(engine: Engine, case_id: str) -> list[tuple[str, str | None, str, str]]:
    a = t.audit_log.c
    with engine.connect() as conn:
        rows = conn.execute(select(a.event, a.decision, a.actor, a.role).where(a.case_id == case_id).order_by(a.id))
        return [tuple(r) for r in rows]


def claim_and_fail(engine: Engine, error: str, now: datetime) -> list[str]:
    """Claim every due row and mark it needs_person, as the dispatcher does on a permanent failure."""
    rows = outbox.claim(engine, "test-worker", timedelta(minutes=1), now=now, limit=100)
    for row in rows:
        outbox.mark_needs_person(engine, row.id, "test-worker", error, now=now)
    return [r.id for r in rows]


def outbox_row(engine: Engine, row_id: str) -> outbox.OutboxRow:
    [row] = [r for r in outbox.all_rows(engine) if r.id == row_id]
    return row


def scrape(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the registry, parsed back with Prometheus' own text parser."""
    text = generate_latest(metrics.registry).decode()
    out: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = float(sample.value)
    return out


def sample_value(metrics: Metrics, name: str, **labels: str) -> float:
    return scrape(metrics).get((name, tuple(sorted(labels.items()))), 0.0)
