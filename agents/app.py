"""The composition root: the one place that builds the adapters, the services and the compiled graph.

Every entry point (the CLI commands, the review app, `langgraph.json`, the eval harness, the bench, the
demo) calls `build_app(settings)` once per process and uses the services on the `App` it returns. Nothing
else constructs an adapter. Building is cheap: the store connects on first use, the graph is compiled
once on first use, and the heavy models (spaCy, the embedding model, the trained reasoner) load only
when a step that needs them runs, so recording a decision or listing the queue never waits for them.
"""

from __future__ import annotations

import logging
import threading
from contextlib import ExitStack
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from agents.clock import SystemClock
from agents.lazy_ports import Lazy, LazyEmbedder, LazyErp, LazyReasoner, LazyRedactor
from agents.metrics import Metrics, StoreGauges
from agents.ports import (
    Clock,
    Embedder,
    ErpReader,
    LanguageDetector,
    ManipulationDetector,
    Reasoner,
    Redactor,
    TicketStates,
)
from agents.settings import Settings
from agents.state import ErpContext, Reference, User
from policies.engine import PolicyBook
from tools.store.cases import CaseStore
from tools.store.db import make_engine, migrate
from tools.store.memory_queue import QueuedMemory

# Each service is imported where it is first built: a command pays only for the libraries it uses (the
# graph's for a decision, pandas for the read model, the parsers for ingest), measured on `triage review`.
if TYPE_CHECKING:
    from collections.abc import Sequence

    from fastapi import FastAPI
    from langgraph.checkpoint.base import BaseCheckpointSaver

    from agents.action_queue import ActionQueue
    from agents.decision_service import DecisionService
    from agents.ingest_service import IngestService
    from agents.nodes import TriageDeps
    from agents.operator_service import HealthReads, OperatorService
    from agents.reconcile_service import ReconcileService
    from agents.review_service import ReviewService
    from agents.runner import TriageRunner
    from agents.training import TrainingService
    from agents.user_service import UserService
    from agents.worker.backlog import BacklogTriage
    from agents.worker.dispatch_loop import DispatchLoop
    from agents.worker.mailbox import MailboxReader
    from agents.worker.priming import PrimingEmbedder, PrimingRedactor
    from tools.memory.chroma_memory import ChromaCaseMemory
    from tools.store.api import ApiKeyStore
    from tools.store.followups import CaseThreads
    from tools.store.leases import CaseLeases
    from tools.store.mailbox_seen import MailboxSeen
    from tools.store.queries import ReadService

log = logging.getLogger(__name__)


class NoErp:
    """Triage without an ERP: no context, no error."""

    def lookup(
        self, references: Sequence[Reference], sender_domain: str | None = None, text: str = ""
    ) -> ErpContext:
        return ErpContext(source="none")


class App:
    """Everything one process needs, built once. Use as a context manager, or call `close()`."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock | None = None,
        policy: PolicyBook | None = None,
        batching: bool = False,
    ) -> None:
        self.settings = settings
        # A worker's App: the redactor and the embedder the graph sees are batch-priming wrappers
        # (agents/worker/priming.py), so a backlog is redacted and embedded a batch at a time.
        self.batching = batching
        self.clock: Clock = clock or SystemClock()
        self.policy = policy or PolicyBook.load()
        self.metrics = Metrics()
        # cases per status and the oldest waiting case, read from the store when Prometheus scrapes
        self.metrics.register_store_collector(self._store_gauges)
        self._closing = ExitStack()
        # The heavy adapters, each built on first use by whichever step needs it.
        self.redactor_impl: Lazy[Redactor] = Lazy(self._build_redactor)
        self.embedder_impl: Lazy[Embedder] = Lazy(self._build_embedder)
        self.chroma: Lazy[ChromaCaseMemory] = Lazy(self._build_memory)
        self.reasoner_impl: Lazy[Reasoner] = Lazy(self._build_reasoner)
        self.erp_impl: Lazy[ErpReader] = Lazy(self._build_erp)

    # ------------------------------------------------------------------ storage
    @cached_property
    def engine(self) -> Engine:
        engine = make_engine(self.settings.store_url)
        migrate(engine)
        self._closing.callback(engine.dispose)
        return engine

    @cached_property
    def store(self) -> CaseStore:
        return CaseStore(self.engine)

    @cached_property
    def checkpointer(self) -> BaseCheckpointSaver:
        from agents.checkpoints import open_checkpointer

        return self._closing.enter_context(open_checkpointer(self.settings))

    # ------------------------------------------------------------------ ports
    @property
    def model_path(self) -> Path:
        return self.settings.home / "models" / "local_reasoner.joblib"

    def _build_redactor(self) -> Redactor:
        from tools.redaction.presidio_redactor import build_redactor

        return build_redactor(self.settings, language_detector=self.language_detector)

    @cached_property
    def manipulation_detector(self) -> ManipulationDetector:
        from policies.manipulation import ManipulationRules

        return ManipulationRules.load()

    @cached_property
    def language_detector(self) -> LanguageDetector:
        from tools.language.detector import LinguaLanguageDetector

        return LinguaLanguageDetector()

    def _build_embedder(self) -> Embedder:
        from tools.memory.embeddings import SentenceEmbedder

        # a worker embeds a backlog's batches on this many threads (one text's vectors, bit for bit)
        threads = self.settings.worker_embed_threads if self.batching else 1
        return SentenceEmbedder(self.settings.embedding_model, batch_threads=threads)

    def _build_memory(self) -> ChromaCaseMemory:
        from tools.memory.chroma_memory import ChromaCaseMemory

        return ChromaCaseMemory(self.embedder, path=self.settings.chroma_path, url=self.settings.chroma_url)

    def _build_local_reasoner(self) -> Reasoner:
        from tools.reasoner.local import LocalReasoner

        if not self.model_path.exists():
            self.training.ensure_memory()
        return LocalReasoner.load(self.model_path, self.embedder, self.policy)

    def _build_reasoner(self) -> Reasoner:
        local = self._build_local_reasoner()
        if self.settings.reasoner == "llm":
            from tools.reasoner.llm import LLMReasoner

            return LLMReasoner.from_settings(self.settings, local, self.policy)
        return local

    def _build_erp(self) -> ErpReader:
        if not self.settings.odoo_url:
            return NoErp()
        from tools.odoo.reader import make_erp_reader

        return make_erp_reader(self.settings, clock=self.clock)

    @cached_property
    def redactor(self) -> Redactor:
        return self.priming_redactor if self.batching else LazyRedactor(self.redactor_impl)

    @cached_property
    def embedder(self) -> Embedder:
        return self.priming_embedder if self.batching else LazyEmbedder(self.embedder_impl)

    @cached_property
    def priming_redactor(self) -> PrimingRedactor:
        from agents.worker.priming import PrimingRedactor

        return PrimingRedactor(self.redactor_impl)

    @cached_property
    def priming_embedder(self) -> PrimingEmbedder:
        from agents.worker.priming import PrimingEmbedder

        return PrimingEmbedder(self.embedder_impl)

    @cached_property
    def memory(self) -> QueuedMemory:
        # Retrieval reads the vector memory; a reviewed case is queued, so a decision never loads the
        # embedding model (training.learn_queued embeds the queue where the model is loaded anyway).
        return QueuedMemory(self.engine, self.clock, self.chroma.get)

    @cached_property
    def reasoner(self) -> Reasoner:
        return LazyReasoner(self.reasoner_impl, self.settings.reasoner)

    @cached_property
    def erp(self) -> ErpReader:
        return LazyErp(self.erp_impl)

    # ------------------------------------------------------------------ services
    @cached_property
    def reviews(self) -> ReviewService:
        from agents.review_service import ReviewService

        return ReviewService(self.engine, self.clock)

    @cached_property
    def actions(self) -> ActionQueue:
        from agents.action_queue import ActionQueue

        return ActionQueue(
            self.engine, self.clock, self.reviews, self.settings.ui_base_url, carrier_tag=self.policy.carrier_tag
        )

    @cached_property
    def case_threads(self) -> CaseThreads:
        """A shipment's case thread: a follow-up message finds the open case it follows (issue 15)."""
        from tools.store.followups import CaseThreads

        return CaseThreads(self.engine)

    @cached_property
    def deps(self) -> TriageDeps:
        from agents.nodes import TriageDeps
        from tools.references import RegexReferenceExtractor

        return TriageDeps(
            store=self.store,
            redactor=self.redactor,
            references=RegexReferenceExtractor(),
            memory=self.memory,
            reasoner=self.reasoner,
            erp=self.erp,
            policy=self.policy,
            clock=self.clock,
            decisions=self.reviews,
            actions=self.actions,
            manipulation=self.manipulation_detector,
            open_cases=self.case_threads,
            k_similar=int(self.policy.reasoner["k_similar"]),
            events=self.metrics,
        )

    @cached_property
    def runner(self) -> TriageRunner:
        """The graph, compiled once per process with the durable checkpointer."""
        from agents.runner import TriageRunner

        return TriageRunner(self.deps, self.checkpointer)

    @cached_property
    def ingest(self) -> IngestService:
        from agents.ingest_service import IngestService

        return IngestService(self.store, self.clock, self.settings)

    @cached_property
    def decisions(self) -> DecisionService:
        from agents.decision_service import DecisionService

        return DecisionService(self.runner, self.reviews, self.actions, self.store, self.clock)

    @cached_property
    def reads(self) -> ReadService:
        from tools.store.queries import ReadService

        return ReadService(self.engine, self.clock)

    @cached_property
    def users(self) -> UserService:
        from agents.user_service import UserService
        from tools.store.users import UserStore

        return UserService(UserStore(self.engine, self.clock))

    @cached_property
    def training(self) -> TrainingService:
        from agents.training import TrainingService

        return TrainingService(
            self.chroma.get,
            self.memory,
            self.redactor,
            self.embedder,
            self.policy,
            self.model_path,
            self._forget_reasoner,
        )

    @cached_property
    def reconciler(self) -> ReconcileService:
        """SLA reconciliation: `triage reconcile`, and the worker every TRIAGE_RECONCILE_EVERY (`run_once()`)."""
        from agents.reconcile_service import ReconcileService
        from tools.odoo.config import OdooOptions
        from tools.store.escalations import EscalationStore

        return ReconcileService(
            EscalationStore(self.engine),
            self.clock,
            self.policy.escalation,
            tickets=self._ticket_states,
            metrics=self.metrics,
            escalation_login=OdooOptions().escalation_login,
        )

    def _ticket_states(self) -> TicketStates | None:
        """The read-only side of the gateway, for ticket stages (None: no Odoo configured)."""
        from tools.odoo.config import OdooOptions, OdooTarget
        from tools.odoo.gateway import OdooGateway
        from tools.odoo.tickets import OdooTicketStates

        target = OdooTarget.from_settings(self.settings, OdooOptions())
        return None if target is None else OdooTicketStates(OdooGateway(target, read_only=True))

    @cached_property
    def operator(self) -> OperatorService:
        """Cases, approvals and the outbox for an operator (CLI and the UI's admin buttons), role-checked."""
        from agents.operator_service import OperatorService

        # the decision service (and the graph it compiles) is built only when an approval is decided
        def decide(user: User, approval_id: str, approve: bool, comment: str) -> list[str]:
            return self.decisions.decide_approval(user, approval_id, approve, comment)

        return OperatorService(self.engine, self.clock, decide)

    @cached_property
    def health(self) -> HealthReads:
        """The dashboard's Health section and Escalations chart."""
        from agents.operator_service import HealthReads

        return HealthReads(self.engine, self.clock)

    def _store_gauges(self) -> StoreGauges:
        from tools.store.health import case_gauges

        cases, oldest = case_gauges(self.engine, self.clock.now())
        return StoreGauges(cases, oldest)

    def record_heartbeat(self, worker_id: str) -> None:
        """A worker is alive: in the store, where the dashboard (another process) reads it."""
        from tools.store.health import record_heartbeat

        record_heartbeat(self.engine, worker_id, self.clock.now())

    def count_dispatch(self, result: str) -> None:
        """The dispatcher's outcome of one row, in triage_dispatch_total{result}."""
        self.metrics.dispatch.labels(result=result).inc()

    @cached_property
    def api_keys(self) -> ApiKeyStore:
        from tools.store.api import ApiKeyStore

        return ApiKeyStore(self.engine)

    @cached_property
    def api(self) -> FastAPI:
        """The HTTP API (`triage serve`). Accepting a message is storage only: it loads no model."""
        from agents.api import ApiDeps, create_api
        from agents.api.readiness import ping_checkpoints, ping_database
        from agents.api.signing import WebhookSecrets
        from tools.memory.probe import MemoryProbe
        from tools.store.api import DeliveryStore
        from tools.store.health import record_webhook_reject

        settings = self.settings
        secrets = settings.webhook_secrets.get_secret_value() if settings.webhook_secrets else None
        _ = self.checkpointer  # creates (or migrates) the checkpoint store the workers write
        memory = MemoryProbe(path=settings.chroma_path, url=settings.chroma_url)
        sqlite = self.engine.dialect.name == "sqlite"
        deps = ApiDeps(
            ingest=self.ingest,
            keys=self.api_keys,
            deliveries=DeliveryStore(self.engine),
            secrets=WebhookSecrets.parse(secrets),
            bearer_integrations=frozenset(n.strip() for n in settings.bearer_integrations.split(",") if n.strip()),
            clock=self.clock,
            metrics=self.metrics,
            readiness={
                "database": lambda: ping_database(self.engine),
                "checkpoints": lambda: ping_checkpoints(settings),
                "memory": memory.check,
            },
            writes=threading.Lock() if sqlite else None,
            record_reject=lambda reason: record_webhook_reject(self.engine, reason, self.clock.now()),
        )
        return create_api(deps)

    # ------------------------------------------------------------------ workers
    @cached_property
    def leases(self) -> CaseLeases:
        from tools.store.leases import CaseLeases

        return CaseLeases(self.engine, lease=self.settings.worker_lease)

    @cached_property
    def backlog(self) -> BacklogTriage:
        """Claimed cases triaged a batch at a time (primed only in a batching App)."""
        from agents.worker.backlog import BacklogTriage

        primed = self.batching
        return BacklogTriage(
            self.runner.start,
            self.store,
            self.priming_redactor if primed else None,
            self.priming_embedder if primed else None,
            self.metrics,
        )

    @cached_property
    def mailbox_seen(self) -> MailboxSeen:
        from tools.store.mailbox_seen import MailboxSeen

        return MailboxSeen(self.engine)

    def mailbox_reader(self) -> MailboxReader:
        """The IMAP reader over TRIAGE_IMAP_URL (its settings are checked here, with a clear error)."""
        from agents.worker.mailbox import MailboxReader
        from tools.ingest.imap_source import ImapConfig, open_imap

        config = ImapConfig.from_env()
        return MailboxReader(lambda: open_imap(config), self.ingest, self.mailbox_seen, self.clock, self.metrics)

    def dispatch_loop(self, stop: threading.Event) -> DispatchLoop | None:
        """The Odoo dispatcher in a thread beside the triage loop; None when no Odoo is configured."""
        from agents.worker.dispatch_loop import DispatchLoop
        from tools.odoo.config import OdooOptions, OdooTarget
        from tools.odoo.dispatcher import dispatcher_for

        options = OdooOptions()
        target = OdooTarget.from_settings(self.settings, options)
        if target is None:
            return None
        return DispatchLoop(dispatcher_for(self.engine, target, self.clock, options), stop, self.metrics)

    def _forget_reasoner(self) -> None:
        self.reasoner_impl.reset()  # the next classification loads the retrained model

    # ------------------------------------------------------------------ lifetime
    def close(self) -> None:
        self._closing.close()

    def __enter__(self) -> App:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def build_app(
    settings: Settings, clock: Clock | None = None, policy: PolicyBook | None = None, batching: bool = False
) -> App:
    """The process's one `App`: every entry point calls this once (a worker with `batching=True`)."""
    return App(settings, clock, policy, batching)
