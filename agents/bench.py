"""`triage bench`: triage N messages on the local path and, in the same run, the bare cost of the models.

pipeline  = store + dedupe + the graph up to review (redact, references, retrieval, classify, policy,
            checkpoints), one message at a time, as in production;
bare      = Presidio analysis + one embedding of the same texts, one message at a time.
The two are measured in alternating chunks so machine noise hits both alike; ratio = pipeline / bare.
`--stages` also says where a message's time goes (`agents/bench_stages.py`).
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from rich.table import Table

from agents import bench_redaction
from agents import bench_stages as stages_
from agents.settings import Settings
from agents.state import InboundMessage

if TYPE_CHECKING:
    from agents.app import App

log = logging.getLogger(__name__)
DATA = Path(__file__).parents[1]
CHUNK = 50
FLOOR_RUNS = 200


@dataclass
class BenchResult:
    n: int
    pipeline_msgs_per_s: float
    bare_models_msgs_per_s: float
    ratio: float
    p95_ms: float
    p50_ms: float
    bare_p95_ms: float  # the models alone on the same messages: the floor under p95_ms
    stages_ms: dict[str, float] = field(default_factory=dict)  # mean per message, with --stages
    redaction: dict[str, Any] = field(default_factory=dict)  # ms/KB typical and worst case (bench_redaction)

    def as_json(self) -> dict[str, Any]:
        stages = {"stages_ms": {k: round(v, 2) for k, v in self.stages_ms.items()}} if self.stages_ms else {}
        return {
            "n": self.n,
            "pipeline_msgs_per_s": round(self.pipeline_msgs_per_s, 2),
            "bare_models_msgs_per_s": round(self.bare_models_msgs_per_s, 2),
            "ratio": round(self.ratio, 3),
            "p95_ms": round(self.p95_ms, 1),
            "p50_ms": round(self.p50_ms, 1),
            "bare_p95_ms": round(self.bare_p95_ms, 1),
            **stages,
            **({"redaction": self.redaction} if self.redaction else {}),
        }


def bench_messages(n: int) -> Iterator[InboundMessage]:
    """N realistic messages cycled from the labelled sets, each with its own Message-ID."""
    from agents.dataset import read_labelled, record_to_message

    files = sorted((DATA / "evals" / "datasets").glob("*.jsonl")) + sorted(
        (DATA / "data" / "memory_seed").glob("*.jsonl")
    )
    records = [r for f in files for r in read_labelled(f)]
    for i in range(n):
        record = records[i % len(records)]
        msg = record_to_message(record, f"bench:{i}")
        yield msg.model_copy(update={"message_id": f"<bench-{i}@triage.local>", "received_at": None})


def run_bench(
    settings: Settings,
    n: int,
    progress: Callable[[int], None] | None = None,
    stages: bool = False,
    adversarial_chars: int = bench_redaction.ADVERSARIAL_CHARS,
) -> BenchResult:
    from agents.app import build_app
    from agents.runner import TriageRunner
    from tools.ingest import ParseOutcome

    prepare_home(settings)
    app = build_app(settings)
    redactor, embedder = app.redactor_impl.get(), app.embedder_impl.get()
    analyzer = redactor.analyzer  # type: ignore[attr-defined]  # the Presidio adapter's own analyzer
    service = app.ingest
    messages = list(bench_messages(n + 20))
    warm, messages = messages[:20], messages[20:]
    totals: dict[str, float] = defaultdict(float)

    def bare(msg: InboundMessage, into: dict[str, float] = totals) -> None:
        text = f"{msg.subject or ''}\n{msg.body}"
        started = time.perf_counter()
        analyzer.analyze(text=text, language="en")
        analysed = time.perf_counter()
        embedder.embed_array([text])
        into[stages_.BARE_ANALYSIS] += analysed - started
        into[stages_.BARE_EMBEDDING] += time.perf_counter() - analysed

    latencies: list[float] = []
    bare_latencies: list[float] = []
    with app:
        saver = app.checkpointer
        floor = stages_.NoopGraph(saver) if stages else None
        runner = TriageRunner(stages_.timed_deps(app.deps, app.chroma.get(), totals), saver) if stages else app.runner

        def pipeline(msg: InboundMessage) -> None:
            started = time.perf_counter()
            outcome = ParseOutcome(source=msg.source, data=b"", message=msg, error=None)
            counts = service.accept(outcome)
            if counts.cases != 1:  # a duplicate would skip the work and flatter the figures
                raise RuntimeError(f"bench message {msg.message_id} did not become a new case: {counts.as_json()}")
            ingested = time.perf_counter()
            runner.start(counts.new_case_ids[0])
            totals[stages_.INGEST] += ingested - started
            totals[stages_.FRAMEWORK] += time.perf_counter() - ingested

        for msg in warm:  # models loaded, caches and JIT paths warm before timing
            bare(msg)
            pipeline(msg.model_copy(update={"message_id": f"{msg.message_id}-warm"}))
        totals.clear()
        for start in range(0, len(messages), CHUNK):
            chunk = messages[start : start + CHUNK]
            for msg in chunk:
                t0 = time.perf_counter()
                bare(msg)
                bare_latencies.append(time.perf_counter() - t0)
            for msg in chunk:
                t1 = time.perf_counter()
                pipeline(msg)
                latencies.append(time.perf_counter() - t1)
            if progress is not None:
                progress(len(chunk))
        if floor is not None:  # after the timed run, so it cools nothing that is measured above
            untimed: dict[str, float] = defaultdict(float)
            floor_s = floor.measure(messages[:FLOOR_RUNS], lambda msg: bare(msg, untimed))
            totals[stages_.FLOOR] = floor_s * len(messages)
    # after the timed run: the redactor's ms/KB on these messages and on hostile text (issue 19)
    redaction = bench_redaction.measure_redaction_cost(redactor, messages[:200], adversarial_chars).as_json()
    pipeline_rate, bare_rate = len(messages) / sum(latencies), len(messages) / sum(bare_latencies)
    return BenchResult(
        n=len(messages),
        pipeline_msgs_per_s=pipeline_rate,
        bare_models_msgs_per_s=bare_rate,
        ratio=pipeline_rate / bare_rate,
        p95_ms=float(np.percentile(latencies, 95) * 1000),
        p50_ms=float(np.percentile(latencies, 50) * 1000),
        bare_p95_ms=float(np.percentile(bare_latencies, 95) * 1000),
        stages_ms=stages_.per_message(totals, len(messages)) if stages else {},
        redaction=redaction,
    )


def prepare_home(settings: Settings) -> None:
    """Seed the memory and train the reasoner if the home lacks them, in a child process.

    The measured process then starts as a triage worker does, loading both from disk. Seeding and
    training in it would leave their garbage and a fragmented heap under the timed run."""
    import multiprocessing

    child = multiprocessing.get_context("spawn").Process(target=_ensure_memory, args=(settings,), name="bench-prepare")
    child.start()
    child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"preparing the bench home {settings.home} failed (exit code {child.exitcode}); see its log")


def _ensure_memory(settings: Settings) -> None:
    from agents.app import build_app

    with build_app(settings) as app:
        added = app.training.ensure_memory()
    log.info("bench home ready: %d past cases added to its memory", added)


def bench_settings(settings: Settings) -> Settings:
    """A separate TRIAGE_HOME under the main one: cases and checkpoints fresh, memory kept between runs."""
    home = settings.home / "bench"
    for name in (
        "cases.sqlite",
        "cases.sqlite-wal",
        "cases.sqlite-shm",
        "checkpoints.sqlite",
        "checkpoints.sqlite-wal",
        "checkpoints.sqlite-shm",
    ):
        (home / name).unlink(missing_ok=True)
    shutil.rmtree(home / "quarantine", ignore_errors=True)
    return settings.model_copy(
        update={
            "triage_home": home,
            "database_url": None,
            "checkpoint_url": None,
            "odoo_url": None,
            "reasoner": "local",
        }
    )


def cmd_bench(args: argparse.Namespace, app: App) -> int:
    if getattr(args, "queue", None):
        from agents.bench_queue import cmd_bench_queue

        return cmd_bench_queue(args, app)
    from agents.terminal import console, out, progress_bar

    if getattr(args, "api", False):  # the API's accept latency under load: agents/bench_api.py
        from agents.bench_api import cmd_bench_api

        return cmd_bench_api(args, app)

    bench = bench_settings(app.settings)
    with progress_bar(transient=args.json) as bar:
        task = bar.add_task("Benchmarking (pipeline vs bare models)", total=args.n)
        result = run_bench(bench, args.n, progress=lambda k: bar.advance(task, k), stages=args.stages)
    backlog = None
    if not getattr(args, "no_backlog", False):  # the same N, waiting, drained in batches (agents/bench_backlog.py)
        from agents.bench_backlog import run_backlog_bench

        with progress_bar(transient=True) as bar:
            bar.add_task("Benchmarking a backlog drained in batches", total=None)
            backlog = run_backlog_bench(bench_settings(app.settings), args.n)
    if args.json:
        out.print_json(json.dumps({**result.as_json(), **({"backlog": backlog.as_json()} if backlog else {})}))
        return 0
    table = Table(title=f"triage bench: {result.n} messages, local path, this machine")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    table.add_row("pipeline msgs/s", f"{result.pipeline_msgs_per_s:.1f}", "")
    table.add_row("bare models msgs/s (Presidio + embedding)", f"{result.bare_models_msgs_per_s:.1f}", "")
    table.add_row("ratio pipeline / bare", f"{result.ratio:.2f}", ">= 0.80")
    table.add_row("p50 warm single-message latency", f"{result.p50_ms:.0f} ms", "")
    table.add_row("p95 warm single-message latency", f"{result.p95_ms:.0f} ms", "<= 150 ms")
    table.add_row("p95 of the bare models alone", f"{result.bare_p95_ms:.0f} ms", "")
    if result.redaction:
        r = result.redaction
        table.add_row("redaction, typical message", f"{r['typical_ms_per_kb']:.1f} ms/KB", "")
        table.add_row(f"redaction, worst hostile text ({r['worst_input']})", f"{r['worst_ms_per_kb']:.1f} ms/KB", "")
    if backlog is not None:
        label = f"backlog msgs/s (one worker, batches of {backlog.batch_size})"
        table.add_row(label, f"{backlog.backlog_msgs_per_s:.1f}", "")
        table.add_row("ratio backlog / bare (bare measured beside it)", f"{backlog.ratio:.2f}", ">= 1.50")
    out.print(table)
    if result.stages_ms:
        stages = Table(title="where a message's time goes (mean ms per message; timing proxies add a little)")
        stages.add_column("stage")
        stages.add_column("ms", justify="right")
        for stage, ms in result.stages_ms.items():
            stages.add_row(stage, f"{ms:.2f}")
        out.print(stages)
    console.print(json.dumps({**result.as_json(), **({"backlog": backlog.as_json()} if backlog else {})}))
    return 0
