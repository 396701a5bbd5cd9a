"""Triage of claimed cases, a batch at a time: the batch's redactions (one `nlp.pipe`) and embeddings
(same-length batches) are computed up front by the priming adapters, then each case runs through the
unchanged graph, whose nodes get the primed results. One case at a time gives the same results."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from agents.metrics import Metrics
from agents.state import InboundMessage, ReviewRequest
from agents.worker.priming import PrimingEmbedder, PrimingRedactor
from tools.store.cases import CaseStore

log = logging.getLogger(__name__)


class BacklogTriage:
    def __init__(
        self,
        start: Callable[[str], ReviewRequest | None],
        store: CaseStore,
        redactor: PrimingRedactor | None = None,
        embedder: PrimingEmbedder | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.start = start
        self.store = store
        self.redactor = redactor
        self.embedder = embedder
        self.metrics = metrics

    def _observe(self, step: str, seconds: float) -> None:
        if self.metrics is not None:
            self.metrics.triage_seconds.labels(step=step).observe(seconds)

    def prime(self, case_ids: Sequence[str]) -> int:
        """Compute the batch's redactions and embeddings; how many messages were primed."""
        if len(case_ids) < 2 or self.redactor is None:
            return 0
        messages: list[InboundMessage] = []
        for case_id in case_ids:
            case = self.store.get_case(case_id)
            if case is None or case["status"] != "received":
                continue  # gone, or past redact already (a resumed run): nothing to prime
            try:
                messages.append(self.store.load_raw(case["raw_id"]))
            except (KeyError, LookupError):
                continue  # the run fails the same way on its own, and says so
        if len(messages) < 2:
            return 0
        started = time.perf_counter()
        redacted = self.redactor.prime(messages)
        primed = time.perf_counter()
        self._observe("redact_batch", primed - started)
        if self.embedder is not None:
            self.embedder.prime([r.text_for_models() for r in redacted])
            self._observe("embed_batch", time.perf_counter() - primed)
        return len(messages)

    def run_one(self, case_id: str) -> bool:
        """Triage one case up to review; True when it is waiting for review."""
        started = time.perf_counter()
        try:
            return self.start(case_id) is not None
        finally:
            self._observe("graph", time.perf_counter() - started)

    def clear(self) -> None:
        if self.redactor is not None:
            self.redactor.clear()
        if self.embedder is not None:
            self.embedder.clear()
