"""First-use bootstrap of the case memory and the local reasoner from the labelled seed in `data/`.

Seed records are redacted before anything is embedded or stored (invariant 1).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agents.dataset import SEED_DIR, read_labelled, record_to_message
from agents.ports import Redactor
from policies.engine import PolicyBook
from tools.memory.chroma_memory import ChromaCaseMemory
from tools.reasoner.local import LocalModel, train_local_model

log = logging.getLogger(__name__)


def seed_memory(
    memory: ChromaCaseMemory,
    redactor: Redactor,
    files: list[Path] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> int:
    """Redact and store every seed case not yet in memory; returns how many were added."""
    files = files if files is not None else sorted(SEED_DIR.glob("*.jsonl"))
    records = [r for f in files for r in read_labelled(f)]
    known = set(memory.collection.get(include=[])["ids"]) if memory.count() else set()
    todo = [r for r in records if r["id"] not in known]
    batch: list[dict[str, Any]] = []
    for i, record in enumerate(todo, 1):
        redacted = redactor.redact(record_to_message(record, f"seed:{record['id']}"))
        expected = record["expected"]
        batch.append(
            {
                "case_id": record["id"],
                "text": redacted.text_for_models(),
                "reason": expected["reason"],
                "priority": expected.get("priority"),
                "actions": expected.get("actions") or [],
                "resolution": expected.get("resolution"),
                "origin": "seed",
            }
        )
        if len(batch) == 64 or i == len(todo):
            memory.add_cases(batch)
            batch = []
        if on_progress:
            on_progress(i, len(todo))
    log.info("memory seeded with %d cases (%d already there)", len(todo), len(known))
    return len(todo)


def train_from_memory(memory: ChromaCaseMemory, policy: PolicyBook) -> LocalModel:
    got = memory.collection.get(include=["embeddings", "metadatas", "documents"])
    texts = list(got["documents"] or [])
    reasons = [str(m["reason"]) for m in got["metadatas"] or []]
    import numpy as np

    vectors = np.asarray(got["embeddings"], dtype=np.float32)
    return train_local_model(texts, vectors, reasons, policy)
