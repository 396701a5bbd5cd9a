"""The carrier alias table (`carriers.yaml`) as a lookup: a carrier name -> its helpdesk tag.

Names come from the message ("UPS Ground") or from the ERP's delivery carrier on the transfer
("DHL Express Worldwide"). Both are matched the same way: case and punctuation ignored, whole words,
the longest alias first, so "UPS Freight" and "UPS" both give UPS and "DB Schenker" gives Schenker.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

_WORD = re.compile(r"[^0-9a-zäöüß]+")


def _words(name: str) -> str:
    return " ".join(_WORD.sub(" ", name.lower()).split())


@dataclass(frozen=True)
class CarrierAliases:
    aliases: tuple[tuple[str, str], ...]  # (normalised alias, tag), longest alias first

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CarrierAliases:
        table = data.get("carriers")
        if not isinstance(table, dict):
            raise ValueError("carriers.yaml: 'carriers' must map a tag to its list of aliases")
        pairs: list[tuple[str, str]] = []
        for tag, names in table.items():
            if not isinstance(names, list) or not names:
                raise ValueError(f"carriers.yaml: carrier {tag!r} needs a list of aliases")
            pairs += [(_words(str(n)), str(tag)) for n in [tag, *names] if _words(str(n))]
        pairs.sort(key=lambda p: (-len(p[0]), p[0]))
        return cls(tuple(dict.fromkeys(pairs)))

    def tag_for(self, name: str | None) -> str | None:
        """The carrier tag for one carrier name, or None when no alias matches."""
        if not name:
            return None
        padded = f" {_words(name)} "
        for alias, tag in self.aliases:
            if f" {alias} " in padded:
                return tag
        return None

    def first_tag(self, names: Iterable[str | None]) -> str | None:
        """The tag of the first name that matches (the message's carrier, then the ERP's)."""
        return next((tag for tag in map(self.tag_for, names) if tag), None)
