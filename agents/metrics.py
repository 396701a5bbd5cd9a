"""The product's Prometheus metrics, on a registry of their own (one per process).

The composition root builds one `Metrics` per process and hands it to the services that count; the API
serves it at `/metrics` and `triage worker --metrics-port` on a port of its own. Nothing is registered at
import time, so tests build as many independent registries as they like.

Gauges that describe the store (cases per status, the oldest waiting case) are read when Prometheus
scrapes, by a collector given to `register_store_collector`, so they are never stale and cost nothing
between scrapes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

# Seconds from a message's own date to stored: webhooks are quick, a mailbox polled every minute is not.
INGEST_DELAY_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 900, 1800, 3600, 4 * 3600, 24 * 3600)
STEP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.messages_received = Counter(
            "triage_messages_received", "Messages received, by channel and integration", ["channel", "integration"],
            registry=r,
        )
        self.messages_quarantined = Counter(
            "triage_messages_quarantined", "Inputs quarantined, by reason", ["reason"], registry=r
        )
        self.webhook_rejected = Counter(
            "triage_webhook_rejected", "Webhook requests refused, by reason", ["reason"], registry=r
        )
        self.ingest_delay = Histogram(
            "triage_ingest_delay_seconds", "From the message's own date to stored", buckets=INGEST_DELAY_BUCKETS,
            registry=r,
        )
        self.triage_seconds = Histogram(
            "triage_triage_seconds", "Time per triage step", ["step"], buckets=STEP_BUCKETS, registry=r
        )
        self.dispatch = Counter("triage_dispatch", "Outbox rows processed, by result", ["result"], registry=r)
        self.escalations = Counter("triage_escalations", "Escalations raised, by rule", ["rule"], registry=r)
        self.worker_heartbeat = Gauge(
            "triage_worker_heartbeat_timestamp_seconds", "When this worker last finished a loop", ["worker"],
            registry=r,
        )

    def quarantined(self, reason: str) -> None:
        """A message refused after ingest (the redactor failing closed): the `TriageEvents` port."""
        self.messages_quarantined.labels(reason=reason).inc()

    def register_store_collector(self, read: Callable[[], StoreGauges]) -> None:
        """Gauges read from the store at scrape time (`read` is called once per scrape)."""
        self.registry.register(_StoreCollector(read))


class StoreGauges:
    """What the store says at scrape time: cases per (status, priority) and the oldest waiting case."""

    def __init__(self, cases: Iterable[tuple[str, str, int]], oldest_waiting_seconds: float) -> None:
        self.cases = list(cases)
        self.oldest_waiting_seconds = oldest_waiting_seconds


class _StoreCollector(Collector):
    def __init__(self, read: Callable[[], StoreGauges]) -> None:
        self.read = read

    def collect(self) -> Iterable[Metric]:
        gauges = self.read()
        cases = GaugeMetricFamily("triage_cases", "Cases by status and priority", labels=["status", "priority"])
        for status, priority, n in gauges.cases:
            cases.add_metric([status, priority], n)
        yield cases
        yield GaugeMetricFamily(
            "triage_oldest_waiting_case_seconds",
            "Age of the oldest case waiting for triage or review",
            value=gauges.oldest_waiting_seconds,
        )
