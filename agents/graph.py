"""The triage graph: ingest -> redact -> understand -> decide -> review (interrupt) -> dispatch -> learn.

`build_graph` returns the uncompiled StateGraph; the caller compiles it with the checkpointer it needs
(`agents.checkpoints.open_checkpointer`), so tests, the CLI, the UI and LangGraph's tooling share one graph.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langgraph.graph import END, START, StateGraph

from agents import nodes
from agents.nodes import TriageDeps
from agents.state import TriageState

STEPS: list[tuple[str, Callable[[TriageState, TriageDeps], dict[str, Any]]]] = [
    ("ingest", nodes.ingest_case),
    ("redact", nodes.redact_message),
    ("understand", nodes.understand_message),
    ("decide", nodes.decide_actions),
    ("review", nodes.request_review),
    ("dispatch", nodes.dispatch_actions),
    ("learn", nodes.learn_from_review),
]


def _bind(
    fn: Callable[[TriageState, TriageDeps], dict[str, Any]], deps: TriageDeps
) -> Callable[[TriageState], dict[str, Any]]:
    def node(state: TriageState) -> dict[str, Any]:
        return fn(state, deps)

    node.__name__ = fn.__name__
    return node


def _after_redact(state: TriageState) -> str:
    """A case whose redaction was refused is quarantined: nothing downstream may see it."""
    return END if state.status == "quarantined" else "next"


def build_graph(deps: TriageDeps) -> StateGraph:
    graph = StateGraph(TriageState)
    previous = START
    for name, fn in STEPS:
        graph.add_node(name, _bind(fn, deps))  # type: ignore[call-overload]  # langgraph types nodes by protocol
        if previous == "redact":
            graph.add_conditional_edges("redact", _after_redact, {"next": name, END: END})
        else:
            graph.add_edge(previous, name)
        previous = name
    graph.add_edge(previous, END)
    return graph
