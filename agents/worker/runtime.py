"""The runtime a worker process uses: the product's adapters, with batch-priming wrappers around the
redactor and the embedder (the memory and the reasoner embed through the same wrapper)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from agents.runtime import Runtime


class WorkerRuntime(Runtime):
    """The runtime with batch-priming wrappers around the redactor and the embedder: the graph's nodes
    (and the memory and the reasoner, which embed) use them exactly as they use the real adapters."""

    @cached_property
    def redactor(self) -> Any:
        from agents.worker.priming import PrimingRedactor
        from tools.redaction.presidio_redactor import build_redactor

        return PrimingRedactor(build_redactor())

    @cached_property
    def embedder(self) -> Any:
        from agents.worker.priming import PrimingEmbedder
        from tools.memory.embeddings import SentenceEmbedder

        return PrimingEmbedder(SentenceEmbedder(self.settings.embedding_model))
