"""Finding the customer when no reference matches: by the sender's domain, else by a company name in
the text (read-only); an ambiguous match is a suggestion, never set; the case says how it matched."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agents.state import Reference
from tests.odoo.conftest import captures_dir, gateway_for
from tools.odoo.reader import OdooErpReader
from tools.odoo.sandbox import SandboxServer


def _put_partner(server: SandboxServer, **row: Any) -> None:
    assert server.app is not None
    state = server.app.emulator.state
    with state.lock:
        state.put("res.partner", {"active": True, "is_company": True, "parent_id": False, **row})


def _reader(server: SandboxServer) -> OdooErpReader:
    return OdooErpReader(gateway_for(server, read_only=True))


def test_no_reference_the_sender_domain_finds_the_company_of_its_contacts(sandbox: SandboxServer) -> None:
    # logistics@northwind.example is the company (7), maria.keller@northwind.example its contact (8):
    # both are Northwind, so the domain is unambiguous
    ctx = _reader(sandbox).lookup([], sender_domain="northwind.example", text="Where is our pallet?")
    assert ctx.error is None and ctx.customer is not None
    assert ctx.customer["id"] == 7 and ctx.customer["name"] == "Northwind Traders GmbH"
    assert ctx.customer_tier == "gold" and ctx.customer["role"] == "customer"
    assert ctx.customer_match == "sender's e-mail domain northwind.example" == ctx.customer["matched_by"]
    assert ctx.customer_suggestions == []
    assert "maria" not in repr(ctx.model_dump()).lower()  # the contact's name stays out


def test_the_website_finds_the_company_when_no_e_mail_has_the_domain(sandbox: SandboxServer) -> None:
    _put_partner(sandbox, id=40, name="Fabrikam Fresh AG", email="info@fabrikam-mail.example",
                 website="https://www.fabrikam.example")
    ctx = _reader(sandbox).lookup([], sender_domain="fabrikam.example", text="")
    assert ctx.customer is not None and ctx.customer["id"] == 40
    assert ctx.customer_match == "sender's domain fabrikam.example on the partner's website"


def test_an_ambiguous_domain_is_a_suggestion_not_a_customer(sandbox: SandboxServer) -> None:
    _put_partner(sandbox, id=41, name="Contoso Gold Foods", email="orders@contoso-gold.example",
                 website="https://contoso-gold.example")
    _put_partner(sandbox, id=42, name="Contoso Logistics", email="dispatch@contoso-gold.example")
    ctx = _reader(sandbox).lookup([], sender_domain="contoso-gold.example", text="Contoso: late truck")
    assert ctx.customer is None and ctx.customer_tier is None
    assert [s["id"] for s in ctx.customer_suggestions] == [41, 42]
    assert ctx.customer_match is not None and ctx.customer_match.startswith("not set")
    assert "Contoso Gold Foods" in ctx.customer_match and "Contoso Logistics" in ctx.customer_match


def test_a_whole_company_name_in_the_text_matches_a_word_alone_only_suggests(sandbox: SandboxServer) -> None:
    reader = _reader(sandbox)
    whole = reader.lookup([], sender_domain="gmail.com", text="Pallets for Acme Pallet Supply are delayed.")
    assert whole.customer is not None and whole.customer["id"] == 10  # free mail: the domain says nothing
    assert whole.customer_match == "company name 'Acme Pallet Supply' in the message"
    part = reader.lookup([], sender_domain=None, text="The Acme pallets are delayed.")
    assert part.customer is None and [s["id"] for s in part.customer_suggestions] == [10]
    nothing = reader.lookup([], sender_domain="gmail.com", text="Where is my parcel?")
    assert nothing.customer is None and nothing.customer_suggestions == [] and nothing.customer_match is None


def test_a_reference_match_wins_and_says_so(sandbox: SandboxServer) -> None:
    ref = Reference(kind="tracking", value="1Z999AA10123456784", start=0, end=18)
    ctx = _reader(sandbox).lookup([ref], sender_domain="contoso-gold.example", text="")
    assert ctx.customer is not None and ctx.customer["id"] == 7 and ctx.customer_match == "order S00001"


def test_a_purchase_receipt_partner_is_the_vendor(sandbox: SandboxServer) -> None:
    ref = Reference(kind="po", value="P00001", start=0, end=6)
    ctx = _reader(sandbox).lookup([ref])
    assert ctx.customer is not None and ctx.customer["id"] == 10 and ctx.customer["role"] == "vendor"
    assert ctx.customer_tier is None and ctx.customer_match == "purchase order P00001"


BEFORE = ("n42_partner_by_email_domain_eq_ilike", "n43_partner_by_website_ilike", "n44_partner_by_name_ilike_company")
AFTER = ("n46_partner_by_name_ilike_company_ambiguous", "n47_partner_by_email_domain_ambiguous")  # after n45
SHOWN = ("id", "name", "email", "website", "is_company", "parent_id")


@pytest.mark.parametrize(("folder", "fixture"), [("odoo17-ops-more", "sandbox"), ("odoo18-ops-more", "sandbox18")])
def test_the_sandbox_answers_the_recorded_partner_matching_reads(
    request: pytest.FixtureRequest, folder: str, fixture: str
) -> None:
    """With the recorded partners in place (Contoso Gold Foods, then Contoso Logistics created in n45),
    the recorded search_read domains give the recorded rows, in the recorded order."""
    server: SandboxServer = request.getfixturevalue(fixture)
    exchanges = {
        p.stem.split("_", 1)[1]: json.loads(p.read_text())
        for p in sorted(Path(captures_dir(folder)).glob("*.json"))
        if p.stem.split("_", 1)[1] in BEFORE + AFTER
    }
    assert set(exchanges) == set(BEFORE + AFTER)
    gw = gateway_for(server, read_only=True)

    def check(labels: tuple[str, ...]) -> None:
        for label in labels:
            args = exchanges[label]["request"]["body"]["params"]["args"]
            assert args[3:5] == ["res.partner", "search_read"]
            recorded = exchanges[label]["response"]["body"]["result"]
            rows = gw.search_read("res.partner", args[5][0], args[5][1])
            assert [{k: r[k] for k in SHOWN} for r in rows] == [{k: r[k] for k in SHOWN} for r in recorded], label

    # The recorded id 8 is Contoso Gold Foods, a company; in the sandbox's seed it is a Northwind contact
    # (the recorded databases were seeded differently): lay the recorded partner over it.
    assert server.app is not None
    state = server.app.emulator.state
    rows = {r["id"]: r for r in exchanges["n47_partner_by_email_domain_ambiguous"]["response"]["body"]["result"]}
    with state.lock:
        state.put("res.partner", {**(state.get("res.partner", 8) or {}), **_plain(rows[8]), "type": "contact"})
    check(BEFORE)
    _put_partner(server, **_plain(rows[13]))
    check(AFTER)


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in ("category_id", "user_id")}
