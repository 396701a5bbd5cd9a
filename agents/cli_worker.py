"""`triage worker` and `triage mailbox` (parsers in agents/cli.py): thin, over the App's worker pieces.

A worker process holds one `Metrics` registry (the App's; prometheus_client's default registry is never
used); `--metrics-port` serves exactly that registry, so one port shows one process. Run one
`--metrics-port` per worker process and let Prometheus scrape each.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from typing import TYPE_CHECKING, Any

from agents.terminal import console, out

if TYPE_CHECKING:
    from agents.app import App
    from agents.worker.schedule import PeriodicJobs

log = logging.getLogger(__name__)


def _stop_on_signals(stop: threading.Event) -> None:
    def handler(_signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


# How often a worker writes its heartbeat to the store, for the dashboard's Health section (another process).
HEARTBEAT_EVERY_S = 15.0


def periodic_jobs(app: App, worker_id: str) -> PeriodicJobs:
    """The jobs every worker runs on a schedule, by name. Each is one line: `jobs.add(name, every, fn)`."""
    from agents.worker.schedule import PeriodicJobs

    jobs = PeriodicJobs(app.clock)
    # reviewed cases join the case memory where the embedding model is loaded anyway (a worker)
    jobs.add("learn_queued", 30.0, app.training.learn_queued)
    # the SLA reconciliation (`triage reconcile`): idempotent, so several workers running it is harmless
    jobs.add("reconcile", app.settings.reconcile_every_s, app.reconciler.run_once)
    jobs.add("heartbeat", HEARTBEAT_EVERY_S, lambda: app.record_heartbeat(worker_id))
    return jobs


def cmd_worker(args: argparse.Namespace, app: App) -> int:
    from agents.worker.loop import TriageWorker, WorkerOptions, default_worker_id

    if not app.batching:  # `triage` builds a plain App; a worker primes its batches
        from agents.app import build_app

        with build_app(app.settings, app.clock, app.policy, batching=True) as worker_app:
            return cmd_worker(args, worker_app)
    stop = threading.Event()
    _stop_on_signals(stop)
    if args.metrics_port is not None:
        from prometheus_client import start_http_server

        start_http_server(args.metrics_port, addr="127.0.0.1", registry=app.metrics.registry)
    if app.settings.store_url.startswith("sqlite"):
        console.print("SQLite store: run one worker per TRIAGE_HOME (use PostgreSQL for several).")
    # load every model (and seed a fresh home) before the first claim: a claim must not wait for them
    _ = app.reasoner_impl.get(), app.chroma.get(), app.redactor_impl.get()
    warm = getattr(app.embedder_impl.get(), "embed_batched", None)
    if warm is not None:
        warm(["warm-up one", "warm-up two, a longer text"])  # builds the embedding threads' model copies
    worker_id = args.worker_id or default_worker_id()
    jobs = periodic_jobs(app, worker_id)
    mailbox = None
    if args.mailbox:
        mailbox = app.mailbox_reader()
        jobs.add("mailbox", args.poll_seconds, mailbox.poll)
    dispatch = None if args.no_dispatch else app.dispatch_loop(stop)
    if dispatch is None and not args.no_dispatch:
        console.print("No Odoo configured (ODOO_URL): this worker triages only.")
    worker = TriageWorker(
        leases=app.leases,
        triage=app.backlog,
        clock=app.clock,
        worker_id=worker_id,
        metrics=app.metrics,
        jobs=jobs,
        options=WorkerOptions(batch_size=args.batch_size, idle_wait_s=args.idle_seconds),
    )
    if args.lease_seconds is not None:
        from datetime import timedelta

        app.leases.lease = timedelta(seconds=args.lease_seconds)
    if dispatch is not None:
        dispatch.start()
    console.print(f"worker {worker.worker_id} running (SIGTERM or Ctrl-C stops it after the case in hand)")
    summary = worker.run(stop)
    if dispatch is not None:
        dispatch.join(timeout=30)
        summary.dispatched = dispatch.sent
    if mailbox is not None:
        summary.mailbox = mailbox.total.received
    out.print(summary.line(), highlight=False, soft_wrap=True)
    return 0


def cmd_mailbox(args: argparse.Namespace, app: App) -> int:
    from tools.ingest.imap_source import ImapConfigError

    try:
        reader = app.mailbox_reader()
    except ImapConfigError as exc:
        console.print(f"[red]{exc}")
        return 2
    if args.once:
        report = reader.poll()
        out.print(report.line(), highlight=False, soft_wrap=True)
        return 0
    stop = threading.Event()
    _stop_on_signals(stop)
    while not stop.is_set():
        try:
            reader.poll()
        except Exception as exc:  # the server down or refusing us: try again at the next poll
            log.warning("mailbox poll failed (%s)", type(exc).__name__)
        stop.wait(args.poll_seconds)
    out.print(reader.total.line(), highlight=False, soft_wrap=True)
    return 0
