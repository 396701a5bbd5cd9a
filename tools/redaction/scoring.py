"""Redaction scored on labelled records (DESIGN.md "Labelled exception datasets").

A leak is a `must_redact` string found verbatim in the redacted subject + body; a keep failure is
a `must_keep` string not found there. The eval suite reuses `score_redaction`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, computed_field

from agents.ports import Redactor
from agents.state import CHANNELS, InboundMessage


class RedactionMiss(BaseModel):
    """One leak or keep failure. `value` is the labelled string itself: synthetic labelled data, for
    the eval report; never log it from production messages."""

    model_config = ConfigDict(frozen=True)

    record_id: str
    value: str


class RedactionScore(BaseModel):
    model_config = ConfigDict(frozen=True)

    n_records: int = 0
    n_redact: int = 0
    n_keep: int = 0
    leaks: list[RedactionMiss] = Field(default_factory=list)
    keep_failures: list[RedactionMiss] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def leak_rate(self) -> float:
        return len(self.leaks) / self.n_redact if self.n_redact else 0.0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def keep_rate(self) -> float:
        return (self.n_keep - len(self.keep_failures)) / self.n_keep if self.n_keep else 1.0


def message_from_record(record: Mapping[str, Any]) -> InboundMessage:
    """The InboundMessage a labelled record stands for (subject and body, as ingested)."""
    channel = record.get("channel")
    return InboundMessage(
        channel=channel if channel in CHANNELS else "email",
        source=f"dataset:{record.get('id', '?')}",
        sender=record.get("sender"),
        subject=record.get("subject"),
        body=record.get("body") or "",
        context=dict(record.get("context") or {}),
    )


def load_records(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Labelled records of JSONL files; blank lines skipped."""
    records: list[dict[str, Any]] = []
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            records += [json.loads(line) for line in fh if line.strip()]
    return records


def score_redaction(records: Iterable[Mapping[str, Any]], redactor: Redactor) -> RedactionScore:
    n_records = n_redact = n_keep = 0
    leaks: list[RedactionMiss] = []
    keep_failures: list[RedactionMiss] = []
    for record in records:
        expected = record.get("expected") or {}
        must_redact = [s for s in expected.get("must_redact") or [] if s]
        must_keep = [s for s in expected.get("must_keep") or [] if s]
        redacted = redactor.redact(message_from_record(record))
        text = f"{redacted.subject or ''}\n{redacted.body}"
        record_id = str(record.get("id", "?"))
        n_records += 1
        n_redact += len(must_redact)
        n_keep += len(must_keep)
        leaks += [RedactionMiss(record_id=record_id, value=s) for s in must_redact if s in text]
        keep_failures += [RedactionMiss(record_id=record_id, value=s) for s in must_keep if s not in text]
    return RedactionScore(
        n_records=n_records, n_redact=n_redact, n_keep=n_keep, leaks=leaks, keep_failures=keep_failures
    )
