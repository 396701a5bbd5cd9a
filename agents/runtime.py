"""Builds the real adapters behind the ports, once per process and only when first needed.

Nothing here runs at import time: `Runtime(settings)` is cheap, and each heavy component (spaCy,
the embedding model, Chroma, the trained reasoner) is loaded on first use and kept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from agents.clock import SystemClock
from agents.ports import Clock, ErpReader, Reasoner, Redactor
from agents.settings import Settings
from agents.state import ErpContext, Reference
from tools.store.cases import CaseStore
from tools.store.db import make_engine, migrate

log = logging.getLogger(__name__)


class NoErp:
    """Triage without an ERP: no context, no error."""

    def lookup(self, references: Sequence[Reference]) -> ErpContext:
        return ErpContext(source="none")


class Runtime:
    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()

    # ------------------------------------------------------------------ storage
    @cached_property
    def engine(self) -> Engine:
        engine = make_engine(self.settings.store_url)
        migrate(engine)
        return engine

    @cached_property
    def store(self) -> CaseStore:
        return CaseStore(self.engine)

    # ------------------------------------------------------------------ models
    @cached_property
    def redactor(self) -> Redactor:
        from tools.redaction.presidio_redactor import build_redactor

        return build_redactor(self.settings)

    @cached_property
    def embedder(self) -> Any:
        from tools.memory.embeddings import SentenceEmbedder

        return SentenceEmbedder(self.settings.embedding_model)

    @cached_property
    def memory(self) -> Any:
        from tools.memory.chroma_memory import ChromaCaseMemory

        return ChromaCaseMemory(self.embedder, path=self.settings.chroma_path, url=self.settings.chroma_url)

    @property
    def model_path(self) -> Path:
        return self.settings.home / "models" / "local_reasoner.joblib"

    def ensure_memory(self, on_progress: Callable[[int, int], None] | None = None) -> int:
        """A fresh TRIAGE_HOME seeds its memory and trains the local reasoner on first use."""
        from tools.memory.seed import seed_memory

        added = seed_memory(self.memory, self.redactor, on_progress=on_progress)
        if added or not self.model_path.exists():
            self.retrain()
        return added

    def retrain(self) -> None:
        from tools.memory.seed import train_from_memory
        from tools.reasoner.local import LocalReasoner

        model = train_from_memory(self.memory)
        LocalReasoner(model, self.embedder).save(self.model_path)
        self.__dict__.pop("local_reasoner", None)
        self.__dict__.pop("reasoner", None)

    @cached_property
    def local_reasoner(self) -> Reasoner:
        from tools.reasoner.local import LocalReasoner

        if not self.model_path.exists():
            self.ensure_memory()
        return LocalReasoner.load(self.model_path, self.embedder)

    @cached_property
    def reasoner(self) -> Reasoner:
        if self.settings.reasoner == "llm":
            from tools.reasoner.llm import LLMReasoner

            return LLMReasoner.from_settings(self.settings, fallback=self.local_reasoner)
        return self.local_reasoner

    @cached_property
    def erp(self) -> ErpReader:
        if not self.settings.odoo_url:
            return NoErp()
        from tools.odoo.reader import make_erp_reader

        return make_erp_reader(self.settings)
