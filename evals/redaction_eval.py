"""Redaction scored on what actually left the pipeline's `redact` step.

The eval does not redact a second time: `tools.redaction.scoring.score_redaction` is given a redactor
that answers with the RedactedMessage the graph produced for that record, so the score is the score of
the real run (same placeholders, same text the reasoner and the queue saw).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from agents.state import InboundMessage, RedactedMessage
from tools.redaction.scoring import RedactionScore, message_from_record, score_redaction


class RecordedRedactions:
    """A `Redactor` that replays the pipeline's output for each labelled record."""

    def __init__(self, by_record: Mapping[str, RedactedMessage]) -> None:
        self._by_source = {message_from_record({"id": rid}).source: red for rid, red in by_record.items()}

    def redact(self, message: InboundMessage) -> RedactedMessage:
        try:
            return self._by_source[message.source]
        except KeyError:
            raise KeyError(f"no pipeline output recorded for {message.source}") from None


def score_pipeline_redaction(
    records: Sequence[Mapping[str, Any]], redacted: Mapping[str, RedactedMessage]
) -> RedactionScore:
    """Score the records the pipeline redacted (records it failed on are left out)."""
    done = [r for r in records if str(r.get("id")) in redacted]
    return score_redaction(done, RecordedRedactions(redacted))


def redaction_metrics(score: RedactionScore) -> dict[str, Any]:
    """The `redaction` block of metrics.json. The failure strings are the labelled strings of the
    dataset (its `must_redact` / `must_keep`), needed to fix a recognizer; they are not logged."""
    failures = [{"case_id": m.record_id, "string": m.value, "kind": "leak"} for m in score.leaks]
    failures += [{"case_id": m.record_id, "string": m.value, "kind": "keep_failure"} for m in score.keep_failures]
    return {
        "leak_rate": round(score.leak_rate, 6),
        "keep_rate": round(score.keep_rate, 6),
        "n_records": score.n_records,
        "n_must_redact": score.n_redact,
        "n_must_keep": score.n_keep,
        "leaks": len(score.leaks),
        "keep_failures": len(score.keep_failures),
        "failures": failures,
    }
