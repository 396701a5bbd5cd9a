"""The case-memory port for processes that record decisions: retrieval goes to the vector memory, and a
reviewed case is queued in the store (one small insert) instead of being embedded on the spot."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from agents.ports import CaseMemory, Clock
from agents.state import Proposal, SimilarCase
from tools.store import schema as t


class QueuedMemory:
    def __init__(self, engine: Engine, clock: Clock, memory: Callable[[], CaseMemory]) -> None:
        self.engine = engine
        self.clock = clock
        self._memory = memory

    def similar(self, text: str, k: int = 5) -> list[SimilarCase]:
        return self._memory().similar(text, k)

    def remember(self, case_id: str, text: str, approved: Proposal, resolution: str | None = None) -> None:
        """Queue the reviewed case; a resumed learn step queues it once (the case id is the key)."""
        values = {
            "case_id": case_id,
            "text": text,
            "approved": approved.model_dump(mode="json"),
            "resolution": resolution,
            "queued_at": self.clock.now(),
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(t.memory_queue).values(**values))
        except IntegrityError:  # already queued by an earlier run of this step
            pass

    def learn_queued(self, memory: CaseMemory, limit: int = 500) -> int:
        """Add queued cases to `memory` (oldest first) and take them off the queue; how many."""
        q = t.memory_queue
        with self.engine.connect() as conn:
            rows = conn.execute(select(q).order_by(q.c.queued_at).limit(limit)).all()
        for row in rows:
            memory.remember(row.case_id, row.text, Proposal.model_validate(row.approved), row.resolution)
            with self.engine.begin() as conn:  # after the memory has it: a crash in between re-adds, never loses
                conn.execute(delete(q).where(q.c.case_id == row.case_id))
        return len(rows)

    def queued(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t.memory_queue)).scalar_one())

