"""`triage bench`'s backlog figure: N waiting messages drained by one worker in batches, as a ratio to
the one-at-a-time bare-model rate (Presidio analysis + one embedding per message) measured in the same
run on the same texts.

The messages are stored first (waiting, as after an ingest burst or an outage); then, in alternating
chunks of one claim each, the bare models run one message at a time over a chunk and the worker claims
and triages the same chunk (claim, batch priming, the graph to review, release). ratio = backlog / bare.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from agents.settings import Settings

log = logging.getLogger(__name__)
BATCH = 32  # the worker's default claim


@dataclass
class BacklogResult:
    n: int
    batch_size: int
    backlog_msgs_per_s: float
    bare_models_msgs_per_s: float
    ratio: float

    def as_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "batch_size": self.batch_size,
            "backlog_msgs_per_s": round(self.backlog_msgs_per_s, 2),
            "bare_models_msgs_per_s": round(self.bare_models_msgs_per_s, 2),
            "ratio": round(self.ratio, 3),
        }


def run_backlog_bench(settings: Settings, n: int, batch_size: int = BATCH) -> BacklogResult:
    from agents.app import build_app
    from agents.bench import bench_messages, prepare_home
    from agents.worker.loop import TriageWorker, WorkerOptions
    from tools.ingest import ParseOutcome

    prepare_home(settings)
    with build_app(settings, batching=True) as app:
        redactor: Any = app.redactor_impl.get()
        analyzer, embedder = redactor.analyzer, app.embedder_impl.get()
        messages = [
            m.model_copy(update={"message_id": f"<backlog-{i}@triage.local>"})
            for i, m in enumerate(bench_messages(n + 20))
        ]
        warm, messages = messages[:20], messages[20:]
        for msg in warm + messages:  # all waiting before the worker starts
            counts = app.ingest.accept(ParseOutcome(source=msg.source, data=b"", message=msg, error=None))
            if counts.cases != 1:
                raise RuntimeError(f"backlog message {msg.message_id} did not become a new case: {counts.as_json()}")

        def bare(msg: Any) -> None:
            text = f"{msg.subject or ''}\n{msg.body}"
            analyzer.analyze(text=text, language="en")
            embedder.embed_array([text])

        bare_s = backlog_s = 0.0
        done = 0
        app.leases.lease = timedelta(minutes=10)
        worker = TriageWorker(
            leases=app.leases,
            triage=app.backlog,
            clock=app.clock,
            worker_id="bench-backlog",
            options=WorkerOptions(batch_size=len(warm)),
        )
        for msg in warm:  # models loaded, caches warm, the warm-up messages drained
            bare(msg)
        worker.step()
        worker.options = WorkerOptions(batch_size=batch_size)
        for start in range(0, len(messages), batch_size):
            chunk = messages[start : start + batch_size]
            t0 = time.perf_counter()
            for msg in chunk:
                bare(msg)
            t1 = time.perf_counter()
            claimed = worker.step()  # the oldest waiting cases: this chunk
            backlog_s += time.perf_counter() - t1
            bare_s += t1 - t0
            done += claimed
    if done != len(messages) or worker.summary.reached_review != len(messages) + len(warm):
        raise RuntimeError(f"the backlog bench triaged {worker.summary.reached_review} of {len(messages) + len(warm)}")
    backlog_rate, bare_rate = len(messages) / backlog_s, len(messages) / bare_s
    return BacklogResult(len(messages), batch_size, backlog_rate, bare_rate, backlog_rate / bare_rate)
