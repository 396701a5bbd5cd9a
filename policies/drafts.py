"""Customer update drafts from `policies/customer_drafts.yaml`: templates per language and reason.

A draft is composed only from `DraftFacts` (structured, redacted facts): no message text enters it, so
no personal data can, and nothing the sender wrote can steer it. Greeting (the customer's company when
the ERP names one), the reference, what happened in the customer's words, the new ETA or the next step,
a closing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from agents.state import DraftFacts

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_REQUIRED = (
    "greeting",
    "greeting_generic",
    "about_shipment_order",
    "about_shipment",
    "about_order",
    "about_none",
    "eta",
    "closing",
    "date",
    "months",
    "reasons",
)


@dataclass(frozen=True)
class CustomerDrafts:
    """The draft templates as one value, checked when loaded (a missing text is an error then, not later)."""

    default_language: str
    languages: dict[str, dict[str, Any]]

    @classmethod
    def from_dict(cls, data: dict[str, Any], reasons: list[str]) -> CustomerDrafts:
        default = str(data.get("default_language") or "en")
        languages: dict[str, dict[str, Any]] = data.get("languages") or {}
        if default not in languages:
            raise ValueError(f"customer_drafts.yaml: the default language {default!r} has no templates")
        for code, block in languages.items():
            missing = [k for k in _REQUIRED if k not in block]
            missing += [f"reasons.{r}" for r in [*reasons, "unclassified"] if r not in (block.get("reasons") or {})]
            if missing:
                raise ValueError(f"customer_drafts.yaml: language {code!r} lacks {', '.join(missing)}")
            if len(block["months"]) != 12:
                raise ValueError(f"customer_drafts.yaml: language {code!r} needs 12 month names")
        return cls(default, languages)

    def language_for(self, lang: str | None) -> str:
        """The template language for an ERP `lang` (de_DE, pt_BR, fr): its ISO 639-1 part when listed."""
        code = (lang or "").split("_")[0].split("-")[0].lower()
        return code if code in self.languages else self.default_language

    def write(self, facts: DraftFacts) -> str:
        lang = self.language_for(facts.language)
        t = self.languages[lang]
        texts = t["reasons"].get(facts.reason or "unclassified") or t["reasons"]["unclassified"]
        greeting = t["greeting"].format(company=facts.company) if facts.company else t["greeting_generic"]
        if facts.shipment and facts.order:
            about = t["about_shipment_order"]
        elif facts.shipment:
            about = t["about_shipment"]
        elif facts.order:
            about = t["about_order"]
        else:
            about = t["about_none"]
        about = about.format(shipment=facts.shipment, order=facts.order)
        outlook = t["eta"].format(eta=self._date(t, facts.new_eta)) if facts.new_eta else texts["next"]
        body = " ".join([about, texts["happened"], outlook])
        return f"{greeting}\n\n{body}\n\n{t['closing']}"

    @staticmethod
    def _date(t: dict[str, Any], value: str) -> str:
        if not _ISO_DATE.match(value):
            return value  # as the message wrote it ("16 Sep"): a guess at the year would be worse
        try:
            d = date.fromisoformat(value)
        except ValueError:
            return value
        return str(t["date"]).format(day=d.day, month=t["months"][d.month - 1], year=d.year)
