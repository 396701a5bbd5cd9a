"""Per-dataset figures of a run: each labelled file's reason macro-F1, priority agreement and action Jaccard.

A target set on one held-out file (issue 15: priority and actions on `priority_actions.jsonl`, labelled by
independent writers with the facts in `context`) is gated on that file alone, not diluted by the others.
Keys are the file's stem ("priority_actions"), so a gate can name the figure by its dotted path.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agents.state import REASON_CODES
from evals.metrics import RecordOutcome, action_agreement, confusion_matrix, macro_f1, per_class, priority_agreement


def by_dataset(outcomes: Sequence[RecordOutcome]) -> dict[str, dict[str, Any]]:
    done = [o for o in outcomes if o.error is None]
    out: dict[str, dict[str, Any]] = {}
    for name in sorted({o.dataset for o in done}):
        mine = [o for o in done if o.dataset == name]
        confusion = confusion_matrix(
            [o.expected_reason for o in mine], [o.predicted_reason for o in mine], list(REASON_CODES)
        )
        out[Path(name).stem] = {
            "n": len(mine),
            "macro_f1": round(macro_f1(per_class(confusion)), 4),
            "priority": priority_agreement((o.expected_priority, o.predicted_priority) for o in mine).as_json(),
            "actions": action_agreement((o.expected_actions, o.predicted_actions) for o in mine).as_json(),
        }
    return out
