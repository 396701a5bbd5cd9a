"""Batch-priming adapters: the worker computes a backlog's redactions and embeddings in batches up
front; the graph's nodes, unchanged, then ask for one message at a time and get the primed result.

Each wrapper implements the same port as the adapter it wraps and passes through anything it was not
primed for, so a node never sees a difference except the time it takes. Primed results are keyed by
content (the message's JSON, the text), never by position, so a case whose node asks for something
else (a resumed run, an edited message) simply falls through to the real adapter. The real adapter is
reached through the composition root's `Lazy`, so a worker that never sees a backlog loads nothing early.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from agents.lazy_ports import Lazy
from agents.ports import Embedder, Redactor
from agents.state import InboundMessage, RedactedMessage


def _message_key(message: InboundMessage) -> str:
    return hashlib.sha256(message.model_dump_json().encode("utf-8")).hexdigest()


class PrimingRedactor:
    """A `Redactor`: `prime(messages)` redacts them in one batch; `redact(m)` answers a primed m from it."""

    def __init__(self, real: Lazy[Redactor]) -> None:
        self.real = real
        self._primed: dict[str, RedactedMessage] = {}
        self.hits = 0

    def prime(self, messages: Sequence[InboundMessage]) -> list[RedactedMessage]:
        """Redact these messages in one batch and keep the results (in order); a message the batch
        could not redact (too large, over budget) is left to `redact`, which refuses it the same way."""
        keys = [_message_key(m) for m in messages]
        todo = {k: m for k, m in zip(keys, messages, strict=True) if k not in self._primed}
        if todo:
            many = getattr(self.real.get(), "redact_many", None)
            batch = list(todo.values())
            results = many(batch) if many is not None else [self.real.get().redact(m) for m in batch]
            self._primed.update((k, r) for k, r in zip(todo, results, strict=True) if r is not None)
        return [self._primed[k] for k in keys if k in self._primed]

    def redact(self, message: InboundMessage) -> RedactedMessage:
        primed = self._primed.pop(_message_key(message), None) if self._primed else None
        if primed is not None:
            self.hits += 1
            return primed
        return self.real.get().redact(message)

    def clear(self) -> None:
        self._primed.clear()


class PrimingEmbedder:
    """The `Embedder` port: `prime(texts)` embeds them in batches; a later request for one primed text
    is answered from the batch (retrieval and the reasoner both ask)."""

    def __init__(self, real: Lazy[Embedder]) -> None:
        self.real = real
        self._primed: dict[str, np.ndarray] = {}
        self.hits = 0

    def prime(self, texts: Sequence[str]) -> None:
        todo = list(dict.fromkeys(t for t in texts if t not in self._primed))
        if not todo:
            return
        real: Any = self.real.get()
        batched = getattr(real, "embed_batched", None)  # batches that give the one-text vectors exactly
        vectors = np.concatenate([real.embed_array([t]) for t in todo]) if batched is None else batched(todo)
        self._primed.update(zip(todo, vectors, strict=True))

    def embed_array(self, texts: Sequence[str]) -> np.ndarray:
        if texts and self._primed and all(t in self._primed for t in texts):
            self.hits += 1
            return np.stack([self._primed[t] for t in texts])
        return self.real.get().embed_array(texts)

    def clear(self) -> None:
        self._primed.clear()
