"""The metrics of the composition root (`App.metrics`), scraped over real HTTP from the API's `/metrics`
with Prometheus' own text parser: the values move when a message is posted (received), triaged (store
gauges read at scrape time), dispatched (triage_dispatch_total) and escalated (triage_escalations_total).
No case text reaches a label."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from agents.app import build_app
from agents.settings import Settings
from agents.state import AcceptDecision
from tests.api.conftest import SECRETS_ENV, free_port, serve, sign_headers
from tests.odoo.conftest import target_for
from tests.ops.support import add_case
from tests.support.clock import FakeClock
from tests.support.graph_harness import open_harness
from tools.odoo.allowlist import CreatedRecords
from tools.odoo.dispatcher import Backoff, Dispatcher
from tools.odoo.gateway import OdooGateway
from tools.odoo.sandbox import SandboxServer
from tools.store.health import case_gauges


@pytest.fixture
def sandbox(tmp_path: Path) -> Any:
    with SandboxServer(tmp_path / "sandbox-home", "community", "17.0") as server:
        yield server


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def scrape_http(client: httpx.Client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """What Prometheus reads: GET /metrics, parsed with its own text parser."""
    response = client.get("/metrics")
    assert response.status_code == 200
    out: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = float(sample.value)
    return out


def test_metrics_move_when_a_case_is_triaged_dispatched_and_escalated(
    tmp_path: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("TRIAGE_HOME", str(home))
    for var, val in (("ODOO_URL", sandbox.url), ("ODOO_DB", "sandbox"), ("ODOO_USER", "admin"),
                     ("ODOO_PASSWORD", "admin")):
        monkeypatch.setenv(var, val)
    monkeypatch.delenv("TRIAGE_DATABASE_URL", raising=False)
    monkeypatch.setenv("TRIAGE_WEBHOOK_SECRETS", SECRETS_ENV)
    clock = FakeClock(datetime.now(UTC))
    # the graph with fake models over the same store as the App, whose API, metrics and reconciler are the product's
    with open_harness(home, clock=clock) as h, build_app(Settings(), clock=clock) as app:
        engine = h.store.engine
        port = free_port()
        server, thread = serve(app.api, port)
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
        try:
            _test_metrics_move(h, app, engine, clock, client, sandbox)
        finally:
            client.close()
            server.should_exit = True
            thread.join(timeout=10)


def _test_metrics_move(h: Any, app: Any, engine: Engine, clock: FakeClock, client: httpx.Client,
                       sandbox: SandboxServer) -> None:
    """Posted, triaged, dispatched, escalated: each moves its metric on the endpoint Prometheus scrapes."""
    empty = scrape_http(client)
    assert value(empty, "triage_oldest_waiting_case_seconds") == 0.0
    assert not [k for k in empty if k[0] == "triage_cases"]

    body = json.dumps({"text": "Truck broke down near Lyon, reefer unit lost power. PO-55102"}).encode()
    posted = client.post("/v1/messages", content=body, headers=sign_headers(body, ts=int(clock.now().timestamp())))
    assert posted.status_code == 202, posted.text
    case_id = posted.json()["case_id"]
    clock.advance(minutes=10)
    received = scrape_http(client)
    assert value(received, "triage_messages_received_total", channel="portal", integration="n8n") == 1
    assert value(received, "triage_cases", status="received", priority="-") == 1
    assert value(received, "triage_oldest_waiting_case_seconds") == 600.0

    request = h.runner.start(case_id)  # triaged: the graph stops at the review
    assert request is not None
    priority = request.proposal.priority
    triaged = scrape_http(client)
    assert value(triaged, "triage_cases", status="awaiting_review", priority=priority) == 1
    assert value(triaged, "triage_cases", status="received", priority="-") == 0

    decision = AcceptDecision(reviewer="cs.anna", role="customer_service", decided_at=clock.now())
    h.runner.resume(case_id, decision)
    assert value(scrape_http(client), "triage_oldest_waiting_case_seconds") == 0.0  # nothing waits any more

    target = target_for(sandbox)

    def factory(created: CreatedRecords) -> OdooGateway:
        return OdooGateway(target, created=created)

    dispatcher = Dispatcher(engine, factory, lease=timedelta(seconds=30), backoff=Backoff(base_s=0.05, cap_s=0.2),
                            parent_wait=timedelta(seconds=0.05), rng=random.Random(1), clock=clock,
                            sleep=clock.sleep, on_outcome=app.count_dispatch)
    report = dispatcher.run()
    assert report.sent >= 1
    dispatched = scrape_http(client)
    assert value(dispatched, "triage_dispatch_total", result="sent") == report.sent
    assert value(dispatched, "triage_cases", status="dispatched", priority=priority) == 1

    # nobody resolves the ticket in Odoo: past the resolution SLA of its priority it escalates
    [rule] = app.policy.escalation.by_kind("ticket_unresolved")
    limit = rule.limit(priority)
    assert limit is not None
    clock.advance(seconds=limit.total_seconds() + 60)
    assert value(scrape_http(client), "triage_escalations_total", rule="ticket_unresolved") == 0
    assert app.reconciler.run_once().rules["ticket_unresolved"].escalated == 1
    escalated = scrape_http(client)
    assert value(escalated, "triage_escalations_total", rule="ticket_unresolved") == 1
    app.reconciler.run_once()
    assert value(scrape_http(client), "triage_escalations_total", rule="ticket_unresolved") == 1  # once per window

    labels = {v for (_name, pairs) in escalated for _k, v in pairs}
    assert not any("Lyon" in v or "PO-55102" in v or "@" in v for v in labels)


def test_store_gauges_on_both_databases(engine: Engine) -> None:
    now = datetime(2026, 3, 2, 12, tzinfo=UTC)
    add_case(engine, "c-1", status="awaiting_review", priority="P2", now=now - timedelta(hours=2))
    add_case(engine, "c-2", status="awaiting_review", priority="P2", now=now - timedelta(hours=1))
    add_case(engine, "c-3", status="dispatched", priority="P1", now=now - timedelta(hours=5))
    cases, oldest = case_gauges(engine, now)
    assert sorted(cases) == [("awaiting_review", "P2", 2), ("dispatched", "P1", 1)]
    assert oldest == 7200.0
