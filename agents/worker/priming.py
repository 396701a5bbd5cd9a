"""Batch-priming adapters: the worker computes a backlog's redactions and embeddings in batches up
front; the graph's nodes, unchanged, then ask for one message at a time and get the primed result.

Each wrapper implements the same port as the adapter it wraps and passes through anything it was not
primed for, so a node never sees a difference except the time it takes. Primed results are keyed by
content (the message's JSON, the text), never by position, so a case whose node asks for something
else (a resumed run, an edited message) simply falls through to the real adapter.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from agents.ports import Redactor
from agents.state import InboundMessage, RedactedMessage


class BatchRedactor(Redactor, Protocol):
    def redact_many(self, messages: Sequence[InboundMessage]) -> list[RedactedMessage]: ...


class ArrayEmbedder(Protocol):
    def embed_array(self, texts: Sequence[str]) -> np.ndarray: ...


def _message_key(message: InboundMessage) -> str:
    return hashlib.sha256(message.model_dump_json().encode("utf-8")).hexdigest()


class PrimingRedactor:
    """A `Redactor`: `prime(messages)` redacts them in one batch; `redact(m)` answers a primed m from it."""

    def __init__(self, real: Redactor) -> None:
        self.real = real
        self._primed: dict[str, RedactedMessage] = {}
        self.hits = 0

    def prime(self, messages: Sequence[InboundMessage]) -> list[RedactedMessage]:
        """Redact these messages in one batch and keep the results; they are returned in order."""
        keys = [_message_key(m) for m in messages]
        todo = {k: m for k, m in zip(keys, messages, strict=True) if k not in self._primed}
        if todo:
            many = getattr(self.real, "redact_many", None)
            batch = list(todo.values())
            results = many(batch) if many is not None else [self.real.redact(m) for m in batch]
            self._primed.update(zip(todo, results, strict=True))
        return [self._primed[k] for k in keys]

    def redact(self, message: InboundMessage) -> RedactedMessage:
        primed = self._primed.pop(_message_key(message), None)
        if primed is not None:
            self.hits += 1
            return primed
        return self.real.redact(message)

    def clear(self) -> None:
        self._primed.clear()

    def __getattr__(self, name: str) -> Any:  # the real redactor's other attributes (nlp, analyzer)
        return getattr(self.real, name)


class PrimingEmbedder:
    """The embedder port (`embed_array` / `embed`): `prime(texts)` embeds them in batches; a later
    request for one primed text is answered from the batch (retrieval and the reasoner both ask)."""

    def __init__(self, real: ArrayEmbedder) -> None:
        self.real = real
        self._primed: dict[str, np.ndarray] = {}
        self.hits = 0

    def prime(self, texts: Sequence[str]) -> None:
        todo = list(dict.fromkeys(t for t in texts if t not in self._primed))
        if not todo:
            return
        batched = getattr(self.real, "embed_batched", None)  # batches that give the one-text vectors exactly
        vectors = np.concatenate([self.real.embed_array([t]) for t in todo]) if batched is None else batched(todo)
        self._primed.update(zip(todo, vectors, strict=True))

    def embed_array(self, texts: Sequence[str]) -> np.ndarray:
        if texts and all(t in self._primed for t in texts):
            self.hits += 1
            return np.stack([self._primed[t] for t in texts])
        return self.real.embed_array(texts)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return self.embed_array(texts).tolist()  # type: ignore[no-any-return]

    def clear(self) -> None:
        self._primed.clear()

    def __getattr__(self, name: str) -> Any:  # dimension, model, ...
        return getattr(self.real, name)
