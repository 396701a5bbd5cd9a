"""Ports whose adapter is built on first use.

spaCy, the embedding model and the trained reasoner take seconds to load. A process that only records
decisions (the review app, `triage review`) or reads the store must not wait for them, so the
composition root hands the graph these stand-ins: each implements its port, and builds the real
adapter the first time a step calls it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import numpy as np

from agents.ports import Embedder, ErpReader, Reasoner, Redactor
from agents.state import (
    Classification,
    ErpContext,
    InboundMessage,
    RedactedMessage,
    Reference,
    SimilarCase,
)

T = TypeVar("T", covariant=True)  # a Lazy[ChromaCaseMemory] serves where a Lazy[CaseMemory] is asked


class Lazy(Generic[T]):
    """A value built once, on first `get()`, by `factory` (thread-safe: Streamlit serves sessions in threads)."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._value: T | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        if self._value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._factory()
        return self._value

    @property
    def loaded(self) -> bool:
        return self._value is not None

    def reset(self) -> None:
        """Forget the value, so the next `get()` builds it again (after retraining, say)."""
        with self._lock:
            self._value = None


class LazyRedactor:
    def __init__(self, target: Lazy[Redactor]) -> None:
        self.target = target

    def redact(self, message: InboundMessage) -> RedactedMessage:
        return self.target.get().redact(message)


class LazyReasoner:
    def __init__(self, target: Lazy[Reasoner], name: str) -> None:
        self.target = target
        self.name = name

    def classify(
        self, message: RedactedMessage, references: Sequence[Reference], similar: Sequence[SimilarCase]
    ) -> Classification:
        return self.target.get().classify(message, references, similar)


class LazyErp:
    def __init__(self, target: Lazy[ErpReader]) -> None:
        self.target = target

    def lookup(
        self, references: Sequence[Reference], sender_domain: str | None = None, text: str = ""
    ) -> ErpContext:
        return self.target.get().lookup(references, sender_domain, text)


class LazyEmbedder:
    def __init__(self, target: Lazy[Embedder]) -> None:
        self.target = target

    def embed_array(self, texts: Sequence[str]) -> np.ndarray:
        return self.target.get().embed_array(texts)
