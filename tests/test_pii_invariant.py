"""Invariant 1 end to end, with the real redactor, embeddings, Chroma, local reasoner and graph:
no must_redact string reaches the logs, the case rows, the checkpoints, the vector store or the queue."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from agents.app import build_app
from agents.dataset import record_to_message
from agents.settings import Settings
from tests.conftest import REPO
from tools.ingest import ParseOutcome
from tools.memory.seed import seed_memory
from tools.store import schema as t


def labelled(path: Path, n: int) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[:n]]


@pytest.mark.slow
def test_pii_stays_out_of_everything_past_redact(settings: Settings, tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    rt = build_app(settings)
    seed = tmp_path / "seed.jsonl"
    seed.write_text("".join(json.dumps(r) + "\n" for r in labelled(REPO / "data/memory_seed/part_a.jsonl", 72)))
    seed_memory(rt.chroma.get(), rt.redactor, files=[seed])
    rt.training.retrain()
    records = labelled(REPO / "data/labels/inbox.jsonl", 12)
    secrets = {s for r in records for s in r["expected"]["must_redact"]} | {
        s for line in seed.read_text().splitlines() for s in json.loads(line)["expected"]["must_redact"]}
    assert secrets
    service = rt.ingest
    states = []
    with rt:
        runner = rt.runner
        for r in records:
            msg = record_to_message(r, f"test:{r['id']}")
            counts = service.accept(ParseOutcome(source=msg.source, data=b"", message=msg, error=None))
            for case_id in counts.new_case_ids:
                assert runner.start(case_id) is not None
                states.append(runner.state(case_id).model_dump_json())  # what the checkpoint holds

    with rt.engine.connect() as conn:
        cases = json.dumps([dict(row._mapping) for row in conn.execute(select(t.cases))], default=str)
        raw = json.dumps([row.body for row in conn.execute(select(t.raw_messages.c.body))])
    stored_vectors = json.dumps(rt.chroma.get().collection.get(include=["documents", "metadatas"]), default=str)
    checkpoints = "\n".join(states)
    logs = "\n".join(rec.getMessage() for rec in caplog.records)

    leaks = {
        where: sorted(s for s in secrets if s in text)
        for where, text in {"cases": cases, "vector store": stored_vectors, "checkpoints": checkpoints,
                            "logs": logs}.items()
    }
    assert leaks == {"cases": [], "vector store": [], "checkpoints": [], "logs": []}
    assert any(s in raw for s in secrets), "the raw text is kept apart, not lost"
