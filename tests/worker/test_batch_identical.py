"""A backlog triaged in batches gives exactly what one-at-a-time gives: the redaction (one `nlp.pipe`
over the batch), the embeddings (same-length batches) and every triage result on the case row.
Real Presidio/spaCy, the real embedding model, Chroma and the trained reasoner; labelled messages
from the repo's datasets."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from agents.bench import bench_messages
from agents.checkpoints import open_checkpointer
from agents.ingest_service import IngestService
from agents.runtime import Runtime
from agents.settings import Settings
from agents.state import InboundMessage
from agents.wiring import build_runner
from agents.worker.backlog import BacklogTriage
from agents.worker.loop import TriageWorker
from agents.worker.runtime import WorkerRuntime
from tests.support.clock import FakeClock
from tests.worker.conftest import fresh_worker_home
from tools.ingest import ParseOutcome
from tools.store.leases import CaseLeases

SAMPLE = 48
# what the triage writes on the case row: all of it must match
RESULT_COLUMNS = (
    "status", "sender_domain", "subject", "body", "redacted", "refs", "reference_keys", "carrier", "reason",
    "confidence", "priority", "summary", "classification", "similar", "erp", "proposal", "sla_due",
)  # fmt: skip


def _labelled(n: int) -> list[InboundMessage]:
    # every 25th of the labelled messages in the repo (memory seed and both test sets): a spread sample
    return list(bench_messages(n * 25))[::25][:n]


def test_redact_many_is_redact_one_at_a_time(worker_rt: Runtime) -> None:
    redactor = worker_rt.redactor.real  # the Presidio redactor under the priming wrapper
    messages = _labelled(SAMPLE)
    assert redactor.redact_many(messages) == [redactor.redact(m) for m in messages]


def test_batched_embeddings_are_the_one_text_vectors_bit_for_bit(worker_rt: Runtime) -> None:
    embedder = worker_rt.embedder.real
    texts = [f"{m.subject or ''}\n{m.body}" for m in _labelled(SAMPLE)]
    batched = embedder.embed_batched(texts)
    model = embedder.model
    single = np.concatenate([model.encode([t], normalize_embeddings=True, show_progress_bar=False) for t in texts])
    assert np.array_equal(batched, single)


@pytest.fixture(scope="module")
def worker_rt(triaged_template: tuple[Path, dict[str, str]], tmp_path_factory: pytest.TempPathFactory) -> Any:
    home = fresh_worker_home(triaged_template[0], tmp_path_factory.mktemp("batch") / "home")
    return WorkerRuntime(Settings(TRIAGE_HOME=home), FakeClock())  # type: ignore[call-arg]


def _ingest(rt: Runtime, messages: list[InboundMessage]) -> list[str]:
    service = IngestService(rt.store, rt.clock, rt.settings)
    ids = []
    for msg in messages:
        counts = service.accept(ParseOutcome(source=msg.source, data=b"", message=msg, error=None))
        assert counts.cases == 1
        ids.append(counts.new_case_ids[0])
    return ids


def _results(rt: Runtime, ids: list[str]) -> list[dict[str, Any]]:
    return [{k: rt.store.get_case(cid)[k] for k in RESULT_COLUMNS} for cid in ids]  # type: ignore[index]


def test_a_backlog_in_batches_gives_the_one_at_a_time_results(
    triaged_template: tuple[Path, dict[str, str]], tmp_path: Path, worker_rt: Runtime
) -> None:
    messages = _labelled(SAMPLE)
    # one at a time: the product's plain runtime, as `triage run` does it
    clock = FakeClock()
    plain = Runtime(Settings(TRIAGE_HOME=fresh_worker_home(triaged_template[0], tmp_path / "one")), clock)  # type: ignore[call-arg]
    plain_ids = _ingest(plain, messages)
    with open_checkpointer(plain.settings) as saver:
        runner = build_runner(plain, saver)
        for cid in plain_ids:
            assert runner.start(cid) is not None
    # the worker: claims of 16, each batch primed, the same graph
    rt = worker_rt
    batch_ids = _ingest(rt, messages)
    with open_checkpointer(rt.settings) as saver:
        runner = build_runner(rt, saver)
        triage = BacklogTriage(runner.start, rt.store, rt.redactor, rt.embedder)
        worker = TriageWorker(
            leases=CaseLeases(rt.engine, lease=timedelta(minutes=5)), triage=triage, clock=rt.clock, worker_id="w"
        )
        from agents.worker.loop import WorkerOptions

        worker.options = WorkerOptions(batch_size=16)
        while worker.step():
            pass
    assert worker.summary.reached_review == SAMPLE
    assert rt.redactor.hits == SAMPLE  # every redaction came from a batch ...
    assert rt.embedder.hits >= SAMPLE  # ... and every retrieval embedding (the reasoner asks again)
    assert _results(rt, batch_ids) == _results(plain, plain_ids)
