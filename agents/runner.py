"""Runs cases through the compiled graph: start to the review interrupt, resume with a decision.

The thread id is the case id, so any process with the same checkpointer can resume any case.
"""

from __future__ import annotations

import logging
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.types import Command
from pydantic import TypeAdapter

from agents.graph import build_graph
from agents.nodes import TriageDeps
from agents.state import ReviewDecision, ReviewRequest, TriageState

log = logging.getLogger(__name__)
_decisions: TypeAdapter[Any] = TypeAdapter(ReviewDecision)


def run_config(thread_id: str) -> RunnableConfig:
    # The graph is a chain (one task per step), so LangGraph's thread pool only ever runs its own
    # checkpoint writes: one worker does them in order, where the default pool starts a second thread
    # on every run (measured: a quarter of a millisecond per case).
    return {"configurable": {"thread_id": thread_id}, "max_concurrency": 1}


class TriageRunner:
    def __init__(self, deps: TriageDeps, checkpointer: BaseCheckpointSaver) -> None:
        self.deps = deps
        self.checkpointer = checkpointer
        self.app = build_graph(deps).compile(checkpointer=checkpointer)

    def start(self, case_id: str) -> ReviewRequest | None:
        """Triage a stored case up to the review interrupt (a no-op if it already got there)."""
        started_before = self.checkpointer.get_tuple(run_config(case_id)) is not None  # cheaper than get_state
        snapshot = self.app.get_state(run_config(case_id)) if started_before else None
        if snapshot is not None and snapshot.values:
            if snapshot.next:  # paused (at review) or interrupted by a crash: continue where it stopped
                if "review" in snapshot.next:
                    return self.pending_review(case_id)
                self.app.invoke(None, run_config(case_id))
                return self.pending_review(case_id)
            if self.deps.store.case_status(case_id) != "received":
                return None
            # a run that ended in quarantine and was reopened for a retry (issue 19): start it again
        case = self.deps.store.get_case(case_id)
        if case is None:
            raise LookupError(f"no case {case_id!r}")
        initial = TriageState(case_id=case_id, raw_id=case["raw_id"], channel=case["channel"])
        # Up to review every node is a pure read or an idempotent overwrite, so one checkpoint when the
        # run stops (at the interrupt, or on an error) is enough: a crash before it re-runs the case from
        # the start (`triage run` picks up received/redacted cases). Saves four checkpoint writes per case.
        output = self.app.invoke(initial, run_config(case_id), durability="exit", version="v2")
        for intr in output.interrupts:  # the request the run stopped at, without reading the checkpoint back
            return ReviewRequest.model_validate(intr.value)
        return None

    def pending_review(self, case_id: str) -> ReviewRequest | None:
        snapshot = self.app.get_state(run_config(case_id))
        for task in snapshot.tasks:
            for intr in task.interrupts:
                return ReviewRequest.model_validate(intr.value)
        return None

    def resume(self, case_id: str, decision: Any) -> TriageState:
        """Resume a paused case with a human decision (a ReviewDecision or its JSON form)."""
        if self.pending_review(case_id) is None:
            raise ValueError(f"case {case_id} is not waiting for a review")
        payload = _decisions.validate_python(decision).model_dump(mode="json")
        resume: Any = Command(resume=payload)
        self.app.invoke(resume, run_config(case_id))
        return self.state(case_id)

    def state(self, case_id: str) -> TriageState:
        values = self.app.get_state(run_config(case_id)).values
        return values if isinstance(values, TriageState) else TriageState.model_validate(values)
