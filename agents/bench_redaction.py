"""The redactor's cost per KB, typical and worst case (issue 19), for `triage bench`.

typical = the bench's own messages (labelled sets), total redaction time over total size;
worst   = each adversarial text of `tools/redaction/adversarial.py` (long runs of one character class
          and near-matches repeated) as the body of a message, the slowest of them per KB.
A message the redactor refuses (over its budget) is counted as refused and measured up to the refusal.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agents.ports import RedactionIncomplete, Redactor
from agents.state import InboundMessage

ADVERSARIAL_CHARS = 20_000


@dataclass
class RedactionCost:
    typical_ms_per_kb: float
    worst_ms_per_kb: float
    worst_input: str
    adversarial_chars: int
    adversarial_inputs: int
    refused: int

    def as_json(self) -> dict[str, Any]:
        return {
            "typical_ms_per_kb": round(self.typical_ms_per_kb, 2),
            "worst_ms_per_kb": round(self.worst_ms_per_kb, 2),
            "worst_input": self.worst_input,
            "adversarial_chars": self.adversarial_chars,
            "adversarial_inputs": self.adversarial_inputs,
            "refused": self.refused,
        }


def _kb(message: InboundMessage) -> float:
    return (len(message.subject or "") + len(message.body)) / 1024


def _timed(redactor: Redactor, message: InboundMessage) -> tuple[float, bool]:
    started = time.perf_counter()
    try:
        redactor.redact(message)
        refused = False
    except RedactionIncomplete:
        refused = True
    return time.perf_counter() - started, refused


def measure_redaction_cost(
    redactor: Redactor, typical: Sequence[InboundMessage], adversarial_chars: int = ADVERSARIAL_CHARS
) -> RedactionCost:
    from tools.redaction.adversarial import adversarial_strings

    total_s = total_kb = 0.0
    refused = 0
    for message in typical:
        seconds, was_refused = _timed(redactor, message)
        total_s, total_kb, refused = total_s + seconds, total_kb + _kb(message), refused + was_refused
    worst, worst_name, n = 0.0, "", 0
    for name, text in adversarial_strings(adversarial_chars):
        message = InboundMessage(channel="email", source=f"bench:adversarial:{name}", subject="Update", body=text)
        seconds, was_refused = _timed(redactor, message)
        refused += was_refused
        n += 1
        per_kb = seconds * 1000 / _kb(message)
        if per_kb > worst:
            worst, worst_name = per_kb, name
    return RedactionCost(
        typical_ms_per_kb=total_s * 1000 / total_kb if total_kb else 0.0,
        worst_ms_per_kb=worst,
        worst_input=worst_name,
        adversarial_chars=adversarial_chars,
        adversarial_inputs=n,
        refused=refused,
    )
