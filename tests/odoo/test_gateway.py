"""The gateway against the sandbox: connection failures, exact marker checks, rights, field maps, secrets."""

from __future__ import annotations

import json
import logging
import urllib.request
from datetime import date
from typing import Any

import pytest

from tests.odoo.conftest import FakeSettings, gateway_for, target_for
from tools.odoo.config import OdooTarget
from tools.odoo.editions import field_map, major_from_version
from tools.odoo.errors import OdooError
from tools.odoo.gateway import OdooGateway
from tools.odoo.payloads import marker_for
from tools.odoo.sandbox import SandboxServer

M = marker_for("gw-case:ticket")


def odoo_create(server: SandboxServer, vals: dict[str, Any]) -> int:
    """A ticket made in Odoo by a person (plain JSON-RPC, not through the gateway)."""
    body = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 1,
        "params": {
            "service": "object",
            "method": "execute_kw",
            "args": ["sandbox", 2, "admin", "helpdesk.ticket", "create", [vals], {}],
        },
    }
    req = urllib.request.Request(
        server.url + "/jsonrpc", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        return int(json.loads(resp.read())["result"])


def test_wrong_password_wrong_db_and_unreachable_are_told_apart(sandbox: SandboxServer) -> None:
    with pytest.raises(OdooError) as err:
        gateway_for(sandbox, secret="nope").connect()
    assert err.value.code == "auth_failed" and not err.value.transient
    with pytest.raises(OdooError) as err:
        OdooGateway(OdooTarget.from_url(sandbox.url, "prod", "admin", "admin")).connect()
    assert err.value.code == "wrong_database"
    with pytest.raises(OdooError) as err:
        OdooGateway(OdooTarget.from_url("http://127.0.0.1:9", "sandbox", "admin", "admin", 2)).connect()
    assert err.value.code == "unreachable" and err.value.transient


def test_api_key_works_in_place_of_the_password(sandbox: SandboxServer) -> None:
    settings = FakeSettings(sandbox.url, password=None)
    from pydantic import SecretStr

    settings.odoo_api_key = SecretStr("sandbox-api-key")  # type: ignore[assignment]
    target = OdooTarget.from_settings(settings)
    assert target is not None and target.secret.get_secret_value() == "sandbox-api-key"
    assert OdooGateway(target).connect().uid == 2


def test_half_configured_odoo_is_reported() -> None:
    with pytest.raises(OdooError) as err:
        OdooTarget.from_settings(FakeSettings("http://odoo.example.com", db="", password=None))
    assert err.value.code == "not_configured"
    assert "ODOO_DB" in err.value.info.message and "ODOO_PASSWORD or ODOO_API_KEY" in err.value.info.message
    assert OdooTarget.from_settings(FakeSettings(None)) is None
    t = OdooTarget.from_url("https://odoo.example.com", "db", "u", "p")
    assert (t.protocol, t.port, t.host) == ("jsonrpc+ssl", 443, "odoo.example.com")


def test_marker_search_verifies_the_exact_marker(sandbox: SandboxServer) -> None:
    admin = gateway_for(sandbox)
    # look-alikes an ilike search also returns: other case, upper case, marker only in the description
    lookalike = M.upper().replace("TRIAGE", "triage")
    # made by a person in Odoo (the gateway would refuse a marker that is not its own format)
    upper_id = odoo_create(sandbox, {"name": f"x {lookalike}", "description": f"<p>{lookalike}</p>"})
    assert admin.find_ticket(M) == []  # ilike matched the upper-case marker; the exact check rejected it
    in_description = odoo_create(sandbox, {"name": "renamed by a person", "description": f"<p>kept {M}</p>"})
    assert admin.find_ticket(M) == [in_description]
    assert admin.search("helpdesk.ticket", ["|", ["name", "ilike", M], ["description", "ilike", M]]) == sorted(
        [upper_id, in_description], reverse=True
    )


def test_limited_user_rights_are_read_as_recorded(sandbox: SandboxServer, sandbox18: SandboxServer) -> None:
    for server, method in ((sandbox, "check_access_rights"), (sandbox18, "has_access")):
        gw = gateway_for(server, "limited", "limited-pw-123")
        gw.connect()
        assert gw.fieldmap.rights_method == method
        assert gw.can("helpdesk.ticket", "create") is False
        assert gw.can("mail.activity", "create") is True
        assert gw.can("approval.request", "create") is None  # not installed
        with pytest.raises(OdooError) as err:
            gw.search_read("stock.picking", [["name", "=", "WH/OUT/00001"]], ["name"])
        assert err.value.code == "access_denied"
        assert "Inventory/User" in err.value.info.message


def test_activity_without_ir_model_rights_uses_the_context(sandbox: SandboxServer) -> None:
    """A user who may not read ir.model still creates activities (Odoo resolves default_res_model)."""
    admin = gateway_for(sandbox)
    ticket = admin.create_ticket({"name": f"x {M}", "description": f"<p>{M}</p>", "team_id": 1})
    sup = gateway_for(sandbox, "supervisor", "supervisor-pw-123")
    sup.created.add("helpdesk.ticket", ticket)
    assert sup.model_id("helpdesk.ticket") is None  # AccessError on ir.model -> None
    activity = sup.create_activity(
        "helpdesk.ticket", ticket, summary="Call", note=f"<p>{M}</p>", user_id=6, deadline=date(2030, 1, 1)
    )
    assert sup.find_activity("helpdesk.ticket", ticket, M) == [activity]


def test_field_maps_per_edition_and_version() -> None:
    oca17, oca18, ee19 = field_map("oca", 17), field_map("oca", 18), field_map("enterprise", 19)
    assert (oca17.team_model, oca17.tag_model, oca17.rights_method) == (
        "helpdesk.ticket.team",
        "helpdesk.ticket.tag",
        "check_access_rights",
    )
    assert oca18.rights_method == "has_access" and "mobile" in oca18.partner_fields
    assert (ee19.team_model, ee19.tag_model, ee19.ticket_number_field) == (
        "helpdesk.team",
        "helpdesk.tag",
        "ticket_ref",
    )
    assert "mobile" not in ee19.partner_fields
    vals = oca17.ticket_values(name="n", description="d", team_id=1, partner_id=8, priority="P1", tag_ids=[3, 1])
    assert vals == {
        "name": "n",
        "description": "d",
        "team_id": 1,
        "partner_id": 8,
        "priority": "3",
        "tag_ids": [[6, 0, [1, 3]]],
    }
    assert [major_from_version(v) for v in ("17.0-20240709", "18.0-sandbox", "saas~17.4", "19.0")] == [17, 18, 17, 19]
    assert field_map("oca", 16).major == 17 and field_map("oca", 20).major == 19


def test_no_password_in_logs(sandbox: SandboxServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    gw = OdooGateway(target_for(sandbox, "supervisor", "supervisor-pw-123"))
    gw.connect()
    gw.search_read("res.partner", [["id", "=", 8]], ["email"])
    with pytest.raises(OdooError):
        gateway_for(sandbox, "supervisor", "wrong-secret-xyz").connect()
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "supervisor-pw-123" not in text and "wrong-secret-xyz" not in text
    assert "maria.keller@northwind.example" not in text  # record data (PII) is not logged either
    assert "odoo connected" in text
    assert "supervisor-pw-123" not in repr(gw.target)
