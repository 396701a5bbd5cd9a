"""`triage worker` and `triage mailbox`: the one place their collaborators are built.

A worker process holds one `Metrics` registry (prometheus_client's default registry is never used);
`--metrics-port` serves exactly that registry, so one port shows one process. Run one `--metrics-port`
per worker process and let Prometheus scrape each.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from agents.settings import Settings

if TYPE_CHECKING:
    from agents.runtime import Runtime

log = logging.getLogger(__name__)


def register(sub: Any) -> None:
    p = sub.add_parser("worker", help="claim and triage waiting cases, dispatch to Odoo, until stopped")
    p.add_argument("--no-dispatch", action="store_true", help="do not run the Odoo dispatcher in this process")
    p.add_argument("--mailbox", action="store_true", help="also poll TRIAGE_IMAP_URL")
    p.add_argument("--metrics-port", type=int, default=None, help="serve this process's metrics on 127.0.0.1:N")
    p.add_argument("--batch-size", type=int, default=32, help="cases claimed (and batched) at a time")
    p.add_argument("--lease-seconds", type=float, default=120.0, help="a claim runs out after this")
    p.add_argument("--idle-seconds", type=float, default=1.0, help="wait after a claim that found nothing")
    p.add_argument("--poll-seconds", type=float, default=30.0, help="mailbox poll interval (with --mailbox)")
    p.add_argument("--worker-id", default=None)
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("mailbox", help="poll the IMAP mailbox (TRIAGE_IMAP_URL) and ingest new e-mails")
    p.add_argument("--once", action="store_true", help="one poll, then exit")
    p.add_argument("--poll-seconds", type=float, default=30.0)
    p.set_defaults(func=cmd_mailbox)


def _stop_on_signals(stop: threading.Event) -> None:
    def handler(_signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def build_mailbox_reader(rt: Runtime, metrics: Any) -> Any:
    from agents.ingest_service import IngestService
    from agents.worker.mailbox import MailboxReader
    from tools.ingest.imap_source import ImapConfig, open_imap
    from tools.store.mailbox_seen import MailboxSeen

    config = ImapConfig.from_env()
    return MailboxReader(
        lambda: open_imap(config),
        IngestService(rt.store, rt.clock, rt.settings),
        MailboxSeen(rt.engine),
        rt.clock,
        metrics=metrics,
    )


def build_dispatch_loop(settings: Settings, engine: Any, stop: threading.Event, metrics: Any) -> Any:
    """The dispatcher as in `triage dispatch`, in a thread; None when no Odoo is configured."""
    from agents.worker.dispatch_loop import DispatchLoop
    from tools.odoo.allowlist import CreatedRecords
    from tools.odoo.config import OdooOptions, OdooTarget
    from tools.odoo.dispatcher import Dispatcher
    from tools.odoo.gateway import OdooGateway

    options = OdooOptions()
    target = OdooTarget.from_settings(settings, options)
    if target is None:
        return None

    def factory(created: CreatedRecords) -> OdooGateway:
        return OdooGateway(target, created=created)

    lease = timedelta(seconds=max(60.0, target.timeout_s * 4, options.request_limit_s + target.timeout_s))
    return DispatchLoop(Dispatcher(engine, factory, options=options, lease=lease), stop, metrics)


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from agents.checkpoints import open_checkpointer
    from agents.cli import console, out
    from agents.metrics import Metrics
    from agents.wiring import build_runner
    from agents.worker.backlog import BacklogTriage
    from agents.worker.loop import TriageWorker, WorkerOptions, default_worker_id
    from agents.worker.schedule import PeriodicJobs
    from tools.store.leases import CaseLeases

    stop = threading.Event()
    _stop_on_signals(stop)
    metrics = Metrics()
    if args.metrics_port is not None:
        from prometheus_client import start_http_server

        start_http_server(args.metrics_port, addr="127.0.0.1", registry=metrics.registry)
    from agents.worker.runtime import WorkerRuntime

    rt = WorkerRuntime(settings)
    if settings.store_url.startswith("sqlite"):
        console.print("SQLite store: run one worker per TRIAGE_HOME (use PostgreSQL for several).")
    _ = rt.reasoner, rt.memory  # load the models (and seed a fresh home) before claiming anything
    jobs = PeriodicJobs(rt.clock, periodic_jobs(rt))
    worker_id = args.worker_id or default_worker_id()
    mailbox = None
    if args.mailbox:
        mailbox = build_mailbox_reader(rt, metrics)
        jobs.add(args.poll_seconds, mailbox.poll, name="mailbox")
    dispatch = None if args.no_dispatch else build_dispatch_loop(settings, rt.engine, stop, metrics)
    if dispatch is None and not args.no_dispatch:
        console.print("No Odoo configured (ODOO_URL): this worker triages only.")
    with open_checkpointer(settings) as saver:
        runner = build_runner(rt, saver)
        triage = BacklogTriage(runner.start, rt.store, rt.redactor, rt.embedder, metrics)
        worker = TriageWorker(
            leases=CaseLeases(rt.engine, lease=timedelta(seconds=args.lease_seconds)),
            triage=triage,
            clock=rt.clock,
            worker_id=worker_id,
            metrics=metrics,
            jobs=jobs,
            options=WorkerOptions(batch_size=args.batch_size, idle_wait_s=args.idle_seconds),
        )
        if dispatch is not None:
            dispatch.start()
        console.print(f"worker {worker_id} running (SIGTERM or Ctrl-C stops it after the case in hand)")
        summary = worker.run(stop)
        if dispatch is not None:
            dispatch.join(timeout=30)
            summary.dispatched = dispatch.sent
    if mailbox is not None:
        summary.mailbox = mailbox.total.received
    out.print(summary.line(), highlight=False, soft_wrap=True)
    return 0


def periodic_jobs(rt: Runtime) -> Sequence[tuple[timedelta | float, Callable[[], object]]]:
    """The jobs every worker runs on a schedule (interval, callable). The SLA reconciliation plugs in here."""
    del rt
    return []


def cmd_mailbox(args: argparse.Namespace, settings: Settings) -> int:
    from agents.cli import out
    from agents.metrics import Metrics
    from agents.runtime import Runtime

    rt = Runtime(settings)
    reader = build_mailbox_reader(rt, Metrics())
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
