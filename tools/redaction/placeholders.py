"""Typed placeholders, consistent within one message: the same value gets the same `<TYPE_n>`
in the subject, body, thread, signature and attachments.

"Same value" is judged on a normalised key (case, spacing and phone punctuation ignored), and a
lone first or last name reuses the placeholder of the one full name it belongs to ("Luis" and
"Luis Ortega" are both `<PERSON_1>`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from tools.redaction.policy import name_words

_NON_ALNUM = re.compile(r"[^0-9A-Za-z]+")
_SPACES = re.compile(r"[\s,.;]+")


def normalise(entity_type: str, value: str) -> str:
    """The key under which two spellings of one value share a placeholder."""
    if entity_type == "PERSON":
        words = name_words(value)  # once: per word it made a long merged name quadratic (issue 19)
        return " ".join(w for w in words if len(w) > 1 or len(words) == 1)
    if entity_type == "EMAIL_ADDRESS":
        return value.strip().casefold()
    if entity_type == "PHONE_NUMBER":
        digits = re.sub(r"\D", "", value.split("x")[0].split("ext")[0])
        return digits[-9:] if len(digits) >= 9 else digits  # +1 269... and 269... are one number
    if entity_type in ("IBAN_CODE", "CREDIT_CARD"):
        return _NON_ALNUM.sub("", value).upper()
    return _SPACES.sub(" ", value).strip().casefold()


class PlaceholderMap:
    """Numbers each distinct value per entity type in order of first appearance."""

    def __init__(self, occurrences: Iterable[tuple[str, str]]):
        occurrences = list(occurrences)
        self._alias = self._person_aliases(occurrences)
        self._placeholders: dict[tuple[str, str], str] = {}
        self._counters: Counter[str] = Counter()
        for entity_type, value in occurrences:
            key = self._key(entity_type, value)
            if key not in self._placeholders:
                self._counters[entity_type] += 1
                self._placeholders[key] = f"<{entity_type}_{self._counters[entity_type]}>"

    @staticmethod
    def _person_aliases(occurrences: list[tuple[str, str]]) -> dict[str, str]:
        """Single-word names that belong to exactly one multi-word name of the message."""
        full = {normalise("PERSON", v) for t, v in occurrences if t == "PERSON"}
        owners: dict[str, set[str]] = {}
        for name in full:
            words = name.split()
            if len(words) > 1:
                for w in words:
                    owners.setdefault(w, set()).add(name)
        return {w: next(iter(names)) for w, names in owners.items() if len(names) == 1}

    def _key(self, entity_type: str, value: str) -> tuple[str, str]:
        key = normalise(entity_type, value)
        if entity_type == "PERSON" and " " not in key:
            key = self._alias.get(key, key)
        return entity_type, key

    def placeholder(self, entity_type: str, value: str) -> str:
        key = self._key(entity_type, value)
        if key not in self._placeholders:  # a value not announced up front still gets a stable name
            self._counters[entity_type] += 1
            self._placeholders[key] = f"<{entity_type}_{self._counters[entity_type]}>"
        return self._placeholders[key]

    def __len__(self) -> int:
        return len(self._placeholders)
