"""`triage bench --stages`: where a message's time goes.

Each port the graph calls is wrapped in a timing proxy, and the Chroma collection inside the memory too,
so redaction, retrieval (and its Chroma query), classification, the case store and the rest (the graph
framework, the checkpoint, reference extraction, policy) can be read off in ms per message. A floor is
measured after the timed run, each time right after the models ran on a message: the same graph shape
with nodes that do nothing, i.e. what LangGraph and the checkpointer cost on their own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from agents.graph import STEPS
from agents.nodes import TriageDeps
from agents.runner import run_config
from agents.state import TriageState

# Stage names, in the order a message meets them.
INGEST = "ingest: dedupe + raw store"
REDACT = "redact: Presidio + anonymiser"
RETRIEVE = "retrieve: embedding + Chroma"
CHROMA = "  of which the Chroma query"
CLASSIFY = "classify: local reasoner"
ERP = "erp lookup"
STORE = "case store (in the graph)"
FRAMEWORK = "graph framework, checkpoint, references, policy"
FLOOR = "floor: the same graph with no-op nodes + checkpoint"
BARE_ANALYSIS = "bare: Presidio analysis"
BARE_EMBEDDING = "bare: embedding"
ORDER = (INGEST, REDACT, RETRIEVE, CHROMA, CLASSIFY, ERP, STORE, FRAMEWORK, FLOOR, BARE_ANALYSIS, BARE_EMBEDDING)
_IN_GRAPH = (REDACT, RETRIEVE, CLASSIFY, ERP, STORE)  # CHROMA is inside RETRIEVE


class TimedPort:
    """Forwards to a port and adds the time of every method call to one stage."""

    def __init__(self, target: Any, stage: str, totals: dict[str, float]) -> None:
        self._target, self._stage, self._totals = target, stage, totals

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if not callable(attr):
            return attr

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return attr(*args, **kwargs)
            finally:
                self._totals[self._stage] += time.perf_counter() - started

        return timed


def timed_deps(deps: TriageDeps, memory: Any, totals: dict[str, float]) -> TriageDeps:
    """`deps` with every port timed; `memory` is the Chroma adapter behind the memory port."""
    memory.collection = TimedPort(memory.collection, CHROMA, totals)
    ports = {"redactor": REDACT, "memory": RETRIEVE, "reasoner": CLASSIFY, "erp": ERP, "store": STORE}
    timed: dict[str, Any] = {port: TimedPort(getattr(deps, port), stage, totals) for port, stage in ports.items()}
    return replace(deps, **timed)


class NoopGraph:
    """The triage graph's shape up to the review interrupt, with nodes that do nothing."""

    def __init__(self, saver: BaseCheckpointSaver) -> None:
        names = [name for name, _ in STEPS]
        graph = StateGraph(TriageState)
        previous = START
        for name in names[: names.index("review") + 1]:
            graph.add_node(name, _pause if name == "review" else _nothing)
            graph.add_edge(previous, name)
            previous = name
        graph.add_edge(previous, END)
        self.app = graph.compile(checkpointer=saver)
        self.runs = 0

    def measure(self, messages: Sequence[Any], models: Callable[[Any], None]) -> float:
        """Mean seconds of one run to the interrupt, each run right after the models ran on a message
        (so the caches are as cold for it as for the graph's own steps in the pipeline)."""
        total = 0.0
        for message in messages:
            models(message)
            self.runs += 1
            state = TriageState(case_id=f"floor-{self.runs}", raw_id="floor", channel="email")
            config = run_config(f"floor-{self.runs}")
            started = time.perf_counter()
            self.app.invoke(state, config, durability="exit", version="v2")
            total += time.perf_counter() - started
        return total / max(len(messages), 1)


def _nothing(state: TriageState) -> dict[str, Any]:
    return {}


def _pause(state: TriageState) -> dict[str, Any]:
    interrupt({"case_id": state.case_id})
    return {}


def per_message(totals: dict[str, float], n: int) -> dict[str, float]:
    """Mean ms per message; the framework share is the graph's time not spent inside a port."""
    framework = totals.get(FRAMEWORK, 0.0) - sum(totals.get(s, 0.0) for s in _IN_GRAPH)
    totals = {**totals, FRAMEWORK: framework}
    return {stage: totals.get(stage, 0.0) * 1000 / n for stage in ORDER}
