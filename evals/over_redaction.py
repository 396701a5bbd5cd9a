"""Over-redaction: values the redactor replaced that the labels do not call personal data.

The redacted subject and body are aligned with the original text (each `<TYPE_n>` placeholder stands
for the original characters between its literal neighbours), which gives the replaced values. A
replaced value that shares no word with any `must_redact` string of its record is over-redaction: a
country, a port, a carrier or a vessel taken for a person, a reference taken for a phone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from agents.state import RedactedMessage
from agents.text_patterns import PLACEHOLDER

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Replaced:
    record_id: str
    entity: str
    value: str


@dataclass
class OverRedaction:
    replaced: int = 0
    wrong: list[Replaced] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return len(self.wrong) / self.replaced if self.replaced else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "replaced": self.replaced,
            "wrong": len(self.wrong),
            "rate": round(self.rate, 6),
            "by_entity": _count(w.entity for w in self.wrong),
            "values": [{"case_id": w.record_id, "entity": w.entity, "string": w.value} for w in self.wrong[:200]],
        }


def _count(items: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items:
        out[item] = out.get(item, 0) + 1
    return out


def replaced_values(original: str, redacted: str) -> list[tuple[str, str]]:
    """(entity, original value) of each placeholder of `redacted`; [] when the texts do not align."""
    pieces = PLACEHOLDER.split(redacted)
    holders = PLACEHOLDER.findall(redacted)
    if not holders:
        return []
    pattern = "".join(
        re.escape(piece) + ("(.+?)" if i < len(holders) else "") for i, piece in enumerate(pieces)
    )
    m = re.fullmatch(pattern, original, re.DOTALL)
    if m is None:
        return []
    return [(h[1:].rsplit("_", 1)[0], m.group(i + 1)) for i, h in enumerate(holders)]


def _labelled(value: str, must_redact: Sequence[str]) -> bool:
    words = {w.casefold() for w in _WORD.findall(value)}
    digits = re.sub(r"\D", "", value)
    for item in must_redact:
        if value in item or item in value:
            return True
        if words & {w.casefold() for w in _WORD.findall(item)}:
            return True
        if len(digits) >= 6 and digits[-6:] in re.sub(r"\D", "", item):
            return True
    return False


def over_redaction(records: Sequence[Mapping[str, Any]], redacted: Mapping[str, RedactedMessage]) -> OverRedaction:
    out = OverRedaction()
    for record in records:
        rid = str(record.get("id"))
        red = redacted.get(rid)
        if red is None:
            continue
        must = [s for s in (record.get("expected") or {}).get("must_redact") or [] if s]
        pairs = [(record.get("subject") or "", red.subject or ""), (record.get("body") or "", red.body)]
        for original, text in pairs:
            for entity, value in replaced_values(original, text):
                out.replaced += 1
                if not _labelled(value, must):
                    out.wrong.append(Replaced(rid, entity, value))
    return out
