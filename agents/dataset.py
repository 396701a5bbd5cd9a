"""The labelled dataset format of DESIGN.md, read the same way by the memory seed, the evals and the bench.

One JSON object per line; a record becomes the `InboundMessage` the pipeline would have parsed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agents.state import InboundMessage

# The labelled past cases a fresh home seeds its memory from (and the local reasoner trains on).
SEED_DIR = Path(__file__).parents[1] / "data" / "memory_seed"


def read_labelled(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a dataset file in the DESIGN.md format; a bad line names the file and line."""
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{n}: not a JSON object ({exc.msg})") from exc
            for key in ("id", "channel", "body", "expected"):
                if key not in record:
                    raise ValueError(f"{path}:{n}: missing key {key!r}")
            yield record


def record_to_message(record: dict[str, Any], source: str) -> InboundMessage:
    return InboundMessage(
        channel=record["channel"],
        source=source,
        message_id=None,
        sender=record.get("sender"),
        subject=record.get("subject"),
        body=record["body"],
        received_at=record.get("received_at"),
        context=record.get("context") or {},
    )
