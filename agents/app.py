"""The composition root: the one place that builds the adapters, the services and the compiled graph.

Every entry point (the CLI commands, the review app, `langgraph.json`, the eval harness, the bench, the
demo) calls `build_app(settings)` once per process and uses the services on the `App` it returns. Nothing
else constructs an adapter. Building is cheap: the store connects on first use, the graph is compiled
once on first use, and the heavy models (spaCy, the embedding model, the trained reasoner) load only
when a step that needs them runs, so recording a decision or listing the queue never waits for them.
"""

from __future__ import annotations

import logging
from contextlib import ExitStack
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from agents.clock import SystemClock
from agents.lazy_ports import Lazy, LazyEmbedder, LazyErp, LazyReasoner, LazyRedactor
from agents.metrics import Metrics
from agents.ports import Clock, Embedder, ErpReader, LanguageDetector, ManipulationDetector, Reasoner, Redactor
from agents.settings import Settings
from agents.state import ErpContext, Reference
from policies.engine import PolicyBook
from tools.store.cases import CaseStore
from tools.store.db import make_engine, migrate
from tools.store.memory_queue import QueuedMemory

# Each service is imported where it is first built: a command pays only for the libraries it uses (the
# graph's for a decision, pandas for the read model, the parsers for ingest), measured on `triage review`.
if TYPE_CHECKING:
    from collections.abc import Sequence

    from langgraph.checkpoint.base import BaseCheckpointSaver

    from agents.action_queue import ActionQueue
    from agents.decision_service import DecisionService
    from agents.ingest_service import IngestService
    from agents.nodes import TriageDeps
    from agents.review_service import ReviewService
    from agents.runner import TriageRunner
    from agents.training import TrainingService
    from agents.user_service import UserService
    from tools.memory.chroma_memory import ChromaCaseMemory
    from tools.store.queries import ReadService

log = logging.getLogger(__name__)


class NoErp:
    """Triage without an ERP: no context, no error."""

    def lookup(self, references: Sequence[Reference]) -> ErpContext:
        return ErpContext(source="none")


class App:
    """Everything one process needs, built once. Use as a context manager, or call `close()`."""

    def __init__(self, settings: Settings, clock: Clock | None = None, policy: PolicyBook | None = None) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.policy = policy or PolicyBook.load()
        self.metrics = Metrics()
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

        return SentenceEmbedder(self.settings.embedding_model)

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
        return LazyRedactor(self.redactor_impl)

    @cached_property
    def embedder(self) -> Embedder:
        return LazyEmbedder(self.embedder_impl)

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

        return ActionQueue(self.engine, self.clock, self.reviews, self.settings.ui_base_url)

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
            k_similar=int(self.policy.reasoner["k_similar"]),
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


def build_app(settings: Settings, clock: Clock | None = None, policy: PolicyBook | None = None) -> App:
    """The process's one `App`: every entry point calls this once."""
    return App(settings, clock, policy)
