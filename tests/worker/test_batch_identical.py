"""A backlog triaged in batches gives exactly what one-at-a-time gives: the redaction (one `nlp.pipe`
over the batch), the embeddings (same-length batches) and every triage result on the case row.
Real Presidio/spaCy, the real embedding model, Chroma and the trained reasoner; labelled messages
from the repo's datasets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from agents.app import App, build_app
from agents.bench import bench_messages
from agents.settings import Settings
from agents.state import InboundMessage
from agents.worker.loop import TriageWorker, WorkerOptions
from tests.support.clock import FakeClock
from tests.worker.conftest import fresh_worker_home
from tools.ingest import ParseOutcome

SAMPLE = 48
# what the triage writes on the case row: all of it must match
RESULT_COLUMNS = (
    "status", "sender_domain", "subject", "body", "redacted", "refs", "reference_keys", "carrier", "reason",
    "confidence", "priority", "summary", "classification", "similar", "erp", "proposal", "sla_due",
)  # fmt: skip


def _labelled(n: int) -> list[InboundMessage]:
    # every 25th of the labelled messages in the repo (memory seed and both test sets): a spread sample
    return list(bench_messages(n * 25))[::25][:n]


def test_redact_many_is_redact_one_at_a_time(worker_rt: App) -> None:
    redactor: Any = worker_rt.redactor_impl.get()  # the Presidio redactor under the priming wrapper
    messages = _labelled(SAMPLE)
    assert redactor.redact_many(messages) == [redactor.redact(m) for m in messages]


def test_redact_many_leaves_a_message_it_would_refuse_to_redact_alone(worker_rt: App) -> None:
    redactor: Any = worker_rt.redactor_impl.get()
    ok = _labelled(2)
    huge = ok[0].model_copy(update={"body": "word " * (redactor.max_chars // 5 + 10)})
    assert redactor.redact_many([ok[0], huge, ok[1]]) == [redactor.redact(ok[0]), None, redactor.redact(ok[1])]


def test_batched_embeddings_are_the_one_text_vectors_bit_for_bit(worker_rt: App) -> None:
    embedder: Any = worker_rt.embedder_impl.get()
    texts = [f"{m.subject or ''}\n{m.body}" for m in _labelled(SAMPLE)]
    batched = embedder.embed_batched(texts)
    model = embedder.model
    single = np.concatenate([model.encode([t], normalize_embeddings=True, show_progress_bar=False) for t in texts])
    assert np.array_equal(batched, single)


@pytest.fixture(scope="module")
def worker_rt(
    triaged_template: tuple[Path, dict[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[App]:
    home = fresh_worker_home(triaged_template[0], tmp_path_factory.mktemp("batch") / "home")
    with build_app(Settings(TRIAGE_HOME=home), FakeClock(), batching=True) as app:
        yield app


def _ingest(rt: App, messages: list[InboundMessage]) -> list[str]:
    ids = []
    for msg in messages:
        counts = rt.ingest.accept(ParseOutcome(source=msg.source, data=b"", message=msg, error=None))
        assert counts.cases == 1
        ids.append(counts.new_case_ids[0])
    return ids


def _results(rt: App, ids: list[str]) -> list[dict[str, Any]]:
    return [{k: rt.store.get_case(cid)[k] for k in RESULT_COLUMNS} for cid in ids]  # type: ignore[index]


def test_a_backlog_in_batches_gives_the_one_at_a_time_results(
    triaged_template: tuple[Path, dict[str, str]], tmp_path: Path, worker_rt: App
) -> None:
    messages = _labelled(SAMPLE)
    # one at a time: the product's plain App, as `triage run` does it
    home = fresh_worker_home(triaged_template[0], tmp_path / "one")
    with build_app(Settings(TRIAGE_HOME=home), FakeClock()) as plain:
        plain_ids = _ingest(plain, messages)
        for cid in plain_ids:
            assert plain.runner.start(cid) is not None
        expected = _results(plain, plain_ids)
    # the worker: claims of 16, each batch primed, the same graph
    rt = worker_rt
    batch_ids = _ingest(rt, messages)
    worker = TriageWorker(
        leases=rt.leases, triage=rt.backlog, clock=rt.clock, worker_id="w", options=WorkerOptions(batch_size=16)
    )
    while worker.step():
        pass
    assert worker.summary.reached_review == SAMPLE
    assert rt.priming_redactor.hits == SAMPLE  # every redaction came from a batch ...
    assert rt.priming_embedder.hits >= SAMPLE  # ... and every retrieval embedding (the reasoner asks again)
    assert _results(rt, batch_ids) == expected
