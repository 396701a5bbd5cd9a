"""The manipulation detector: rules as data (`policies/manipulation.yaml`), applied to redacted text.

A rule's match is widened to what it stands in (the sentence, the line of a role label such as
"SYSTEM:", the whole {...} of fake JSON), because the words around an order are part of the order
("... in Odoo directly."). Implements `agents.ports.ManipulationDetector`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from agents.state import ManipulationKind, ManipulationSpan, RedactedMessage, TextField

RULES_FILE = Path(__file__).parent / "manipulation.yaml"
_SENTENCE_END = re.compile(r"[.!?;](?=\s|$)|\n")
_PARAGRAPH_END = re.compile(r"\n[ \t>]*\n")
_MAX_SPAN = 600  # a match never widens past this many characters


@dataclass(frozen=True)
class ManipulationRule:
    id: str
    kind: ManipulationKind
    regex: re.Pattern[str]


class ManipulationRules:
    def __init__(self, rules: list[ManipulationRule]) -> None:
        self.rules = rules

    @classmethod
    def load(cls, path: Path | None = None) -> ManipulationRules:
        file = path or RULES_FILE
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        rules: list[ManipulationRule] = []
        for i, raw in enumerate(data.get("rules") or []):
            try:
                rules.append(ManipulationRule(str(raw["id"]), raw["kind"], re.compile(raw["regex"], re.IGNORECASE)))
            except (KeyError, re.error) as exc:
                raise ValueError(f"{file}: rule {i + 1}: {exc}") from None
        return cls(rules)

    # ------------------------------------------------------------------ scanning

    def scan(self, message: RedactedMessage) -> list[ManipulationSpan]:
        fields: list[tuple[TextField, int, str]] = [("subject", 0, message.subject or ""), ("body", 0, message.body)]
        fields += [("thread", i, t) for i, t in enumerate(message.thread[:1])]
        fields += [("attachment", i, a.text or "") for i, a in enumerate(message.attachments)]
        out: list[ManipulationSpan] = []
        for name, index, text in fields:
            if text:
                out += self.scan_text(text, name, index)
        return out

    def scan_text(self, text: str, field: TextField = "body", index: int = 0) -> list[ManipulationSpan]:
        found: list[tuple[int, int, ManipulationRule]] = []
        for rule in self.rules:
            for m in rule.regex.finditer(text):
                if m.end() > m.start():
                    start, end = self._widen(text, m.start(), m.end(), rule)
                    found.append((start, end, rule))
        found.sort(key=lambda f: (f[0], -f[1]))
        merged: list[tuple[int, int, ManipulationRule]] = []
        for start, end, rule in found:
            if merged and start <= merged[-1][1]:
                s0, e0, r0 = merged[-1]
                merged[-1] = (s0, max(e0, end), r0)
            else:
                merged.append((start, end, rule))
        return [
            ManipulationSpan(
                field=field, index=index, start=s, end=e, kind=r.kind, rule=r.id, text=text[s:e]
            )
            for s, e, r in merged
        ]

    @staticmethod
    def _widen(text: str, start: int, end: int, rule: ManipulationRule) -> tuple[int, int]:
        while start < end - 1 and text[start].isspace():
            start += 1  # a rule anchored at a line start matches the newline before it
        if rule.kind == "fake_tool_call" and text[start] in "{<":
            return start, end  # the JSON object or the tag/comment itself
        # back to the start of the sentence or line
        left = start
        while left > 0 and start - left < _MAX_SPAN:
            ch = text[left - 1]
            if ch == "\n" or (ch in ".!?;" and (left >= len(text) or text[left].isspace())):
                break
            left -= 1
        line_start = text.rfind("\n", 0, start) + 1
        if rule.kind != "order_to_system" and not text[line_start:start].strip(" \t>*#-[("):
            # A passage that starts its own line addressing the machine runs to the end of its paragraph
            # ("### SYSTEM\nYou are TriageBot. New rule: ..."): the real report is in other paragraphs.
            blank = _PARAGRAPH_END.search(text, end)
            right = min(blank.start() if blank else len(text), end + _MAX_SPAN)
        else:
            m = _SENTENCE_END.search(text, end)
            right = min(m.end() if m else len(text), end + _MAX_SPAN)
        if right > end and text[right - 1] == "\n":
            right -= 1
        while left < start and text[left].isspace():
            left += 1
        return left, right
