"""Finding the customer when no reference matched: by the sender's domain, else by a company name in
the text. Read-only, and careful: a wrong customer is worse than none.

Query shapes are the recorded ones (odoo17/18-ops-more n42-n47): `email =ilike "%@<domain>"`, then
`website ilike "<domain>"`, then `name ilike "<word>"` with `is_company = true`. Contacts count as their
company (parent). One company -> matched; several -> suggestions only (the reviewer picks, nothing is
set); none -> nothing. A free-mail domain (gmail.com ...) says nothing about the company and is skipped.
A name counts only when the company's whole name (legal suffix aside) stands in the text; a company
that shares only a word with the text is a suggestion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tools.odoo.gateway import OdooGateway

MATCH_FIELDS = ["id", "name", "email", "website", "category_id", "user_id", "is_company", "parent_id"]
FREE_MAIL = frozenset(
    {
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "yahoo.com",
        "icloud.com", "me.com", "aol.com", "gmx.de", "gmx.net", "web.de", "t-online.de", "proton.me",
        "protonmail.com", "mail.com", "yandex.ru", "orange.fr", "free.fr", "libero.it", "qq.com", "163.com",
    }
)
LEGAL_SUFFIX = re.compile(
    r"[\s,]+(?:gmbh|ag|kg|ltd\.?|limited|inc\.?|llc|plc|s\.?a\.?|sas|sarl|b\.?v\.?|n\.?v\.?|s\.?r\.?l\.?|co\.?|corp\.?)$",
    re.I,
)
# Capitalised words that name no company (greetings, logistics words); the rest are candidate names.
NOT_NAMES = frozenset(
    {
        "dear", "hello", "hi", "thanks", "thank", "regards", "best", "kind", "please", "shipment", "delivery",
        "order", "transfer", "customs", "carrier", "tracking", "container", "status", "update", "today",
        "tomorrow", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "warehouse",
        "the", "this", "that", "your", "our", "we", "they", "from", "subject", "re", "fw", "fwd", "note",
    }
)
MAX_NAME_QUERIES = 3
_CAPITALISED = re.compile(r"(?<![<\w])([A-Z][A-Za-z0-9&'-]{3,})")


@dataclass(frozen=True)
class PartnerMatch:
    partner_id: int | None = None  # set only for one unambiguous company
    matched_by: str | None = None  # "sender's e-mail domain contoso.example", ...
    suggestions: list[dict[str, Any]] = field(default_factory=list)  # [{"id", "name"}] when ambiguous


def _company_id(row: dict[str, Any]) -> int:
    parent = row.get("parent_id")
    return int(parent[0]) if isinstance(parent, list) and parent else int(row["id"])


def _core_name(name: str) -> str:
    return LEGAL_SUFFIX.sub("", name.strip()).strip()


class PartnerMatcher:
    def __init__(self, gateway: OdooGateway) -> None:
        self.gateway = gateway

    def match(self, sender_domain: str | None, text: str) -> PartnerMatch:
        domain = (sender_domain or "").strip().lower().lstrip("@")
        if domain and "." in domain and domain not in FREE_MAIL and not re.search(r"[%_\s]", domain):
            for how, query in (
                (f"sender's e-mail domain {domain}", [["email", "=ilike", f"%@{domain}"]]),
                (f"sender's domain {domain} on the partner's website", [["website", "ilike", domain]]),
            ):
                found = self._decide(self.gateway.search_read("res.partner", query, MATCH_FIELDS), how)
                if found.partner_id is not None or found.suggestions:
                    return found
        return self._by_name(text)

    def _decide(self, rows: list[dict[str, Any]], how: str, text: str | None = None) -> PartnerMatch:
        companies: dict[int, str] = {}
        for row in rows:
            cid = _company_id(row)
            parent = row.get("parent_id")
            if isinstance(parent, list) and len(parent) > 1:
                name = str(parent[1])
            else:  # a private person's name is personal data: it stays out of the case
                name = str(row.get("name") or "") if row.get("is_company") else f"private contact {cid}"
            companies.setdefault(cid, name)
        if text is not None:  # a name match: the whole name must stand in the text
            whole = {cid: n for cid, n in companies.items() if _names_in(text, n)}
            if len(whole) == 1:
                (cid, name), = whole.items()
                return PartnerMatch(cid, f"company name '{_core_name(name)}' in the message")
            return PartnerMatch(suggestions=[{"id": c, "name": n} for c, n in sorted(companies.items())])
        if len(companies) == 1:
            return PartnerMatch(next(iter(companies)), how)
        return _ambiguous(how, [{"id": c, "name": n} for c, n in sorted(companies.items())])

    def _by_name(self, text: str) -> PartnerMatch:
        words: list[str] = []
        for word in _CAPITALISED.findall(text or ""):
            if word.lower() not in NOT_NAMES and word not in words:
                words.append(word)
        suggestions: dict[int, dict[str, Any]] = {}
        for word in words[:MAX_NAME_QUERIES]:
            rows = self.gateway.search_read(
                "res.partner", [["name", "ilike", word], ["is_company", "=", True]], MATCH_FIELDS
            )
            # ilike matches inside words too ("Contosoft"): keep names that have the word as a word
            rows = [r for r in rows if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", str(r.get("name") or ""), re.I)]
            if not rows:
                continue
            found = self._decide(rows, "", text)
            if found.partner_id is not None:
                return found
            suggestions.update({s["id"]: s for s in found.suggestions})
        if not suggestions:
            return PartnerMatch()
        return _ambiguous("a company name in the message", list(suggestions.values()))


def _ambiguous(how: str, suggestions: list[dict[str, Any]]) -> PartnerMatch:
    """Several candidates (or only part of a name): shown to the reviewer, never set."""
    names = ", ".join(str(s["name"]) for s in suggestions)
    return PartnerMatch(matched_by=f"not set, {how} is ambiguous; suggestions: {names}", suggestions=suggestions)


def _names_in(text: str, name: str) -> bool:
    core = _core_name(name)
    return bool(core) and re.search(rf"(?<!\w){re.escape(core)}(?!\w)", text, re.I) is not None
