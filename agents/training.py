"""Seeding the case memory and training the local reasoner: kept out of the wiring.

A fresh TRIAGE_HOME seeds its memory from `data/memory_seed` (redacted first: invariant 1) and trains
the local reasoner on it. A home that has both is left alone, and then neither spaCy nor the
embedding model is loaded: the seed check reads ids from Chroma only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from agents.ports import Embedder, Redactor
from policies.engine import PolicyBook
from tools.memory.chroma_memory import ChromaCaseMemory
from tools.store.memory_queue import QueuedMemory

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]


class TrainingService:
    def __init__(
        self,
        memory: Callable[[], ChromaCaseMemory],
        queue: QueuedMemory,
        redactor: Redactor,
        embedder: Embedder,
        policy: PolicyBook,
        model_path: Path,
        on_retrained: Callable[[], None] = lambda: None,
    ) -> None:
        self._memory = memory
        self.queue = queue
        self.redactor = redactor
        self.embedder = embedder
        self.policy = policy
        self.model_path = model_path
        self.on_retrained = on_retrained

    def ensure_memory(self, on_progress: Progress | None = None) -> int:
        """Seed the past cases the memory lacks, and train when it changed or no model exists yet."""
        from tools.memory.seed import seed_memory

        added = seed_memory(self._memory(), self.redactor, on_progress=on_progress)
        if added or not self.model_path.exists():
            self.retrain()
        return added

    def retrain(self) -> None:
        from tools.memory.seed import train_from_memory
        from tools.reasoner.local import LocalReasoner

        model = train_from_memory(self._memory(), self.policy)
        LocalReasoner(model, self.embedder, self.policy).save(self.model_path)
        log.info("local reasoner saved to %s", self.model_path)
        self.on_retrained()

    def learn_queued(self) -> int:
        """Reviewed cases queued by decisions join the memory; how many (none: nothing is loaded)."""
        if not self.queue.queued():
            return 0
        added = self.queue.learn_queued(self._memory())
        log.info("%d reviewed case(s) joined the case memory", added)
        return added

    def memory_size(self) -> int:
        return self._memory().count()
