"""Builds the real graph over a real store and checkpointer with fakes at the model ports.

Also a tiny CLI so a test can resume a case from ANOTHER process:
    python -m tests.support.graph_harness resume HOME CASE_ID REVIEWER ROLE
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from langgraph.checkpoint.sqlite import SqliteSaver

from agents.action_queue import ActionQueue
from agents.checkpoints import _serde
from agents.nodes import TriageDeps
from agents.review_service import ReviewService
from agents.runner import TriageRunner
from agents.state import AcceptDecision
from policies.engine import PolicyBook
from tests.support.clock import FakeClock
from tests.support.fakes import FakeErp, FakeMemory, FakeRedactor, KeywordReasoner
from tools.references import RegexReferenceExtractor
from tools.store.cases import CaseStore
from tools.store.db import make_engine, migrate
from tools.store.followups import CaseThreads


@dataclass
class Harness:
    runner: TriageRunner
    deps: TriageDeps
    store: CaseStore
    redactor: FakeRedactor
    reasoner: KeywordReasoner
    memory: FakeMemory


@contextmanager
def open_harness(home: Path, clock: FakeClock | None = None, erp: FakeErp | None = None) -> Iterator[Harness]:
    home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{home / 'cases.sqlite'}")
    migrate(engine)
    clock = clock or FakeClock()
    review = ReviewService(engine, clock)
    redactor, reasoner, memory = FakeRedactor(), KeywordReasoner(), FakeMemory()
    deps = TriageDeps(
        store=CaseStore(engine), redactor=redactor, references=RegexReferenceExtractor(), memory=memory,
        reasoner=reasoner, erp=erp or FakeErp(), policy=PolicyBook.load(), clock=clock, decisions=review,
        actions=ActionQueue(engine, clock, review, "http://127.0.0.1:8501"), open_cases=CaseThreads(engine),
    )
    conn = sqlite3.connect(home / "checkpoints.sqlite", check_same_thread=False)
    try:
        saver = SqliteSaver(conn, serde=_serde())
        yield Harness(TriageRunner(deps, saver), deps, CaseStore(engine), redactor, reasoner, memory)
    finally:
        conn.close()
        engine.dispose()


if __name__ == "__main__":
    _, command, home, case_id, reviewer, role = sys.argv
    assert command == "resume"
    with open_harness(Path(home)) as h:
        decision = AcceptDecision(
            reviewer=reviewer, role=role, decided_at=datetime(2026, 3, 2, 10, tzinfo=UTC)  # type: ignore[arg-type]
        )
        state = h.runner.resume(case_id, decision)
        print(state.status, len(state.outbox_ids), h.redactor.calls, h.reasoner.calls)
