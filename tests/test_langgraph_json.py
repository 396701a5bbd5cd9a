"""langgraph.json points LangGraph's tooling at a factory that yields the real graph."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from tests.conftest import REPO


def test_langgraph_json_loads_the_triage_graph(home: Path) -> None:
    config = json.loads((REPO / "langgraph.json").read_text())
    path, _, attr = config["graphs"]["triage"].partition(":")
    spec = importlib.util.spec_from_file_location("lg_entry", REPO / path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    graph = getattr(module, attr)()
    nodes = [n for n in graph.get_graph().nodes if not n.startswith("__")]
    assert nodes == ["ingest", "redact", "understand", "decide", "review", "dispatch", "learn"]
