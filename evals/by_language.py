"""Per-language figures of a run: macro-F1, accuracy, leaks and over-redaction for each language.

A record's language is its labelled `language`, else the one the redactor detected; records with
neither count as English, the language the project's own sets are written in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from agents.state import REASON_CODES, RedactedMessage
from evals.metrics import RecordOutcome, accuracy, confusion_matrix, macro_f1, per_class
from evals.over_redaction import over_redaction
from evals.redaction_eval import score_pipeline_redaction


def language_of(outcome: RecordOutcome) -> str:
    return outcome.language or "en"


def by_language(
    outcomes: Sequence[RecordOutcome],
    records: Sequence[Mapping[str, Any]],
    redacted: Mapping[str, RedactedMessage],
) -> dict[str, dict[str, Any]]:
    done = [o for o in outcomes if o.error is None]
    languages = sorted({language_of(o) for o in done})
    record_by_id = {str(r.get("id")): r for r in records}
    out: dict[str, dict[str, Any]] = {}
    for lang in languages:
        mine = [o for o in done if language_of(o) == lang]
        confusion = confusion_matrix(
            [o.expected_reason for o in mine], [o.predicted_reason for o in mine], list(REASON_CODES)
        )
        recs = [record_by_id[o.record_id] for o in mine if o.record_id in record_by_id]
        score = score_pipeline_redaction(recs, redacted)
        over = over_redaction(recs, redacted)
        out[lang] = {
            "n": len(mine),
            "macro_f1": round(macro_f1(per_class(confusion)), 4),
            "accuracy": round(accuracy(confusion), 4),
            "abstention_rate": round(sum(o.abstained for o in mine) / len(mine), 4) if mine else 0.0,
            "leaks": len(score.leaks),
            "leak_rate": round(score.leak_rate, 6),
            "keep_rate": round(score.keep_rate, 6),
            "over_redaction_rate": round(over.rate, 6),
            "over_redacted": len(over.wrong),
        }
    return out
