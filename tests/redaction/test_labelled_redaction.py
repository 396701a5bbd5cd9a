"""Redaction on the project's own labelled sets: zero leaks, zero lost references.

The files are written by other work streams and grow; every one that exists is scored.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.redaction.presidio_redactor import PresidioRedactor
from tools.redaction.scoring import load_records, score_redaction

ROOT = Path(__file__).resolve().parents[2]
LABELLED = sorted(
    [
        *ROOT.glob("data/memory_seed/*.jsonl"),
        *ROOT.glob("evals/datasets/*.jsonl"),
        *ROOT.glob("evals/datasets/*/*.jsonl"),  # the held-out language and manipulation sets
        *ROOT.glob("data/labels/*.jsonl"),
    ]
)


@pytest.mark.slow
def test_labelled_sets_leak_nothing_and_keep_every_reference(redactor: PresidioRedactor) -> None:
    if not LABELLED:
        pytest.skip("no labelled dataset in the work tree yet")
    records = [r for r in load_records(LABELLED) if (r.get("expected") or {})]
    score = score_redaction(records, redactor)
    leaks = [f"{m.record_id}: {m.value!r}" for m in score.leaks]
    lost = [f"{m.record_id}: {m.value!r}" for m in score.keep_failures]
    assert not leaks, f"{len(leaks)} of {score.n_redact} must_redact strings leaked: {leaks[:25]}"
    assert not lost, f"{len(lost)} of {score.n_keep} must_keep references lost: {lost[:25]}"
    assert score.leak_rate == 0.0 and score.keep_rate == 1.0
