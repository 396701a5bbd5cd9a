"""Entry point for LangGraph's own tooling (`langgraph.json`): the triage graph, compiled without a
checkpointer because the LangGraph server supplies its own. Adapters load lazily on first use."""

from __future__ import annotations

from typing import Any

from langgraph.graph.state import CompiledStateGraph

from agents.app import build_app
from agents.graph import build_graph
from agents.settings import load_settings


def make_graph(config: Any = None) -> CompiledStateGraph:
    return build_graph(build_app(load_settings()).deps).compile()
