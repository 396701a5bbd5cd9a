"""Case memory on a real persistent Chroma with the real MiniLM embedder."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.state import Proposal
from tools.memory.chroma_memory import EXCERPT_CHARS, ChromaCaseMemory
from tools.memory.embeddings import SentenceEmbedder

CASES = [
    {"case_id": "past-1", "text": "Reefer unit failed, temperature rising on container MSCU1234565.",
     "reason": "equipment_failure", "priority": "P1", "actions": ["ticket"], "resolution": "genset plugged"},
    {"case_id": "past-2", "text": "Hub closed by the ice storm, all shipments held until Monday.",
     "reason": "weather", "priority": "P3", "actions": ["customer_update"], "resolution": "new ETA sent"},
    {"case_id": "past-3", "text": "Consignee refused the delivery, wrong address on the label. " * 10,
     "reason": "address_issue", "priority": "P2", "actions": [], "resolution": ""},
]


@pytest.fixture(scope="module")
def embedder() -> SentenceEmbedder:
    return SentenceEmbedder()


def test_empty_memory_returns_no_neighbours(tmp_path: Path, embedder: SentenceEmbedder) -> None:
    assert ChromaCaseMemory(embedder, path=tmp_path / "m").similar("anything at all", k=7) == []


def test_neighbours_come_closest_first_with_their_shown_fields(tmp_path: Path, embedder: SentenceEmbedder) -> None:
    memory = ChromaCaseMemory(embedder, path=tmp_path / "m")
    memory.add_cases(CASES)

    got = memory.similar("the reefer compressor broke and the box is warming up", k=7)

    assert [s.case_id for s in got][:1] == ["past-1"] and len(got) == 3  # fewer cases than k: all of them
    assert [s.score for s in got] == sorted((s.score for s in got), reverse=True)
    first = got[0]
    assert (first.reason, first.priority, first.actions, first.resolution) == (
        "equipment_failure", "P1", ["ticket"], "genset plugged"
    )
    long_one = next(s for s in got if s.case_id == "past-3")
    assert long_one.excerpt == CASES[2]["text"][:EXCERPT_CHARS] and long_one.resolution is None


def test_a_case_remembered_here_or_by_another_process_is_shown_as_stored(
    tmp_path: Path, embedder: SentenceEmbedder
) -> None:
    memory = ChromaCaseMemory(embedder, path=tmp_path / "m")
    memory.add_cases(CASES)
    memory.similar("ice storm closed the hub", k=3)  # the shown fields of all three are now kept here

    text = "Ice storm: the hub stays closed, parcels held."
    approved = Proposal(
        reason="weather", confidence=0.9, summary="Hub closed by ice.", priority="P2",
        priority_explanation="P2: weather", actions=[],
    )
    memory.remember("past-2", text, approved, "customer told, waiting")  # the same case, reviewed again
    other_process = ChromaCaseMemory(embedder, path=tmp_path / "m")
    other_process.remember("new-9", "Hub closed by ice, parcels held at the depot.", approved, "held")

    here = {s.case_id: s for s in memory.similar("ice storm closed the hub", k=7)}
    assert here["past-2"].resolution == "customer told, waiting" and here["past-2"].priority == "P2"
    assert here["new-9"].resolution == "held" and here["new-9"].excerpt.startswith("Hub closed by ice")


def test_cases_stored_before_excerpts_were_kept_show_their_document(tmp_path: Path, embedder: SentenceEmbedder) -> None:
    memory = ChromaCaseMemory(embedder, path=tmp_path / "m")
    text = "Customs hold at Rotterdam, documents missing. " * 12
    memory.collection.upsert(  # the metadata layout of memories written by earlier versions
        ids=["old-1"],
        embeddings=embedder.embed_array([text]).tolist(),
        documents=[text],
        metadatas=[{"reason": "customs_hold", "priority": "P2", "actions": "[]", "resolution": "", "origin": "seed"}],
    )

    (found,) = ChromaCaseMemory(embedder, path=tmp_path / "m").similar("customs hold, papers missing", k=1)

    assert found.case_id == "old-1" and found.excerpt == text[:EXCERPT_CHARS]
