"""Wires the runtime's adapters into the graph's dependencies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver

from agents.action_queue import ActionQueue
from agents.nodes import TriageDeps
from agents.review_service import ReviewService
from agents.runner import TriageRunner
from agents.runtime import Runtime
from tools.reasoner.local import reasoner_policy


class LazyPort:
    """Loads an adapter on first use. A process that only resumes reviews (the UI) then never loads
    spaCy or the reasoner, which it does not need; the learn step still loads the memory when it runs."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory
        self._target: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._target is None:
            self._target = self._factory()
        return getattr(self._target, name)


def build_deps(rt: Runtime) -> TriageDeps:
    review = ReviewService(rt.engine, rt.clock)
    return TriageDeps(
        store=rt.store,
        redactor=LazyPort(lambda: rt.redactor),  # type: ignore[arg-type]
        memory=LazyPort(lambda: rt.memory),  # type: ignore[arg-type]
        reasoner=LazyPort(lambda: rt.reasoner),  # type: ignore[arg-type]
        erp=LazyPort(lambda: rt.erp),  # type: ignore[arg-type]
        clock=rt.clock,
        decisions=review,
        actions=ActionQueue(rt.engine, rt.clock, review, rt.settings.ui_base_url),
        k_similar=int(reasoner_policy()["k_similar"]),
    )


def build_runner(rt: Runtime, checkpointer: BaseCheckpointSaver) -> TriageRunner:
    return TriageRunner(build_deps(rt), checkpointer)
