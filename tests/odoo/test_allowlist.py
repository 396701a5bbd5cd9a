"""DESIGN invariant 2: any write outside the allow-list raises before a request leaves the process.

The sandbox counts every HTTP request it receives; a refused call must leave that count unchanged,
whether it goes through the gateway's methods or reaches around them to odoorpc itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.odoo.conftest import gateway_for
from tools.odoo.allowlist import AllowList, CreatedRecords
from tools.odoo.errors import WriteRefused
from tools.odoo.gateway import OdooGateway
from tools.odoo.payloads import marker_for
from tools.odoo.sandbox import SandboxServer

MARKER = marker_for("case-1:ticket")

FORBIDDEN: list[tuple[str, Callable[[OdooGateway], Any]]] = [
    ("write a transfer", lambda gw: gw.call("stock.picking", "write", [1], {"carrier_tracking_ref": "X"})),
    ("confirm a sale order", lambda gw: gw.call("sale.order", "action_confirm", [1])),
    ("create a partner", lambda gw: gw.call("res.partner", "create", {"name": f"x {MARKER}"})),
    ("edit a ticket", lambda gw: gw.call("helpdesk.ticket", "write", [1], {"priority": "3"})),
    ("delete a ticket", lambda gw: gw.call("helpdesk.ticket", "unlink", [1])),
    ("create a tag", lambda gw: gw.call("helpdesk.ticket.tag", "create", {"name": "new"})),
    ("install a module", lambda gw: gw.call("ir.module.module", "button_immediate_install", [59])),
    ("change a password", lambda gw: gw.call("res.users", "write", [6], {"password": "x"})),
    ("private method", lambda gw: gw.call("helpdesk.ticket", "_compute_stage_id", [1])),
    ("schedule through the ticket", lambda gw: gw.call("helpdesk.ticket", "activity_schedule", [1], summary="x")),
    ("ticket without marker", lambda gw: gw.call("helpdesk.ticket", "create", {"name": "x", "description": "y"})),
    (
        "ticket creating a tag inside",
        lambda gw: gw.call(
            "helpdesk.ticket", "create", {"name": f"x {MARKER}", "description": "y", "tag_ids": [[0, 0, {"name": "t"}]]}
        ),
    ),
    (
        "ticket editing its partner inside",
        lambda gw: gw.call(
            "helpdesk.ticket", "create", {"name": f"x {MARKER}", "description": "y", "partner_id": {"name": "p"}}
        ),
    ),
    ("note on a ticket the product did not create", lambda gw: gw.post_note("helpdesk.ticket", 1, f"<p>{MARKER}</p>")),
    (
        "note e-mailing a partner",
        lambda gw: gw.call(
            "helpdesk.ticket",
            "message_post",
            [1],
            body=f"<p>{MARKER}</p>",
            message_type="comment",
            subtype_xmlid="mail.mt_note",
            partner_ids=[7],
        ),
    ),
    (
        "a message instead of a note",
        lambda gw: gw.call("helpdesk.ticket", "message_post", [1], body=f"<p>{MARKER}</p>", message_type="email"),
    ),
    (
        "activity on a record the product did not create",
        lambda gw: gw.call(
            "mail.activity",
            "create",
            {"res_model_id": 427, "res_id": 1, "summary": "s", "note": MARKER, "date_deadline": "2026-01-01"},
        ),
    ),
    ("submit an approval the product did not create", lambda gw: gw.call("approval.request", "action_confirm", [3])),
    ("raw execute_kw write", lambda gw: gw.odoo.execute_kw("stock.picking", "write", [[1], {"origin": "x"}])),
    ("raw execute unlink", lambda gw: gw.odoo.execute("helpdesk.ticket", "unlink", [1])),
    ("odoorpc env write", lambda gw: gw.odoo.env["res.partner"].write([7], {"name": "Hacked"})),
    (
        "session route call_kw",
        lambda gw: gw.odoo.json(
            "/web/dataset/call_kw/res.partner/write",
            {"model": "res.partner", "method": "write", "args": [[7], {"name": "x"}], "kwargs": {}},
        ),
    ),
    ("database drop", lambda gw: gw.odoo.json("/jsonrpc", {"service": "db", "method": "drop", "args": ["x", "y"]})),
]


@pytest.mark.parametrize(("what", "call"), FORBIDDEN, ids=[f[0] for f in FORBIDDEN])
def test_forbidden_call_raises_before_any_request(
    sandbox: SandboxServer, what: str, call: Callable[[OdooGateway], Any]
) -> None:
    gw = gateway_for(sandbox)
    gw.connect()
    # warm the models odoorpc describes with fields_get on first use: reads, which are allowed
    for model in (
        "stock.picking",
        "sale.order",
        "res.partner",
        "helpdesk.ticket",
        "helpdesk.ticket.tag",
        "ir.module.module",
        "res.users",
        "mail.activity",
    ):
        gw.odoo.env[model]
    assert sandbox.app is not None
    before = sandbox.app.requests
    with pytest.raises(WriteRefused) as refused:
        call(gw)
    assert sandbox.app.requests == before, f"{what}: a request reached the server"
    assert refused.value.code == "refused" and not refused.value.transient
    assert str(refused.value).startswith("refused:")


def test_allowed_writes_pass_and_reach_odoo(sandbox: SandboxServer) -> None:
    gw = gateway_for(sandbox)
    ticket = gw.create_ticket(
        {"name": f"Delay {MARKER}", "description": f"<p>{MARKER}</p>", "team_id": 1, "tag_ids": [[6, 0, [1]]]}
    )
    assert ticket > 0
    assert gw.post_note("helpdesk.ticket", ticket, f"<p>update {MARKER}</p>") > 0
    from datetime import date

    assert (
        gw.create_activity(
            "helpdesk.ticket", ticket, summary="Call", note=f"<p>{MARKER}</p>", user_id=6, deadline=date.today()
        )
        > 0
    )
    # a ticket found by its marker (created by an earlier process) is the product's too
    other = OdooGateway(gw.target)
    assert other.find_ticket(MARKER) == [ticket]
    assert other.post_note("helpdesk.ticket", ticket, f"<p>again {MARKER}</p>") > 0


def test_read_only_gateway_refuses_even_allowed_writes(sandbox: SandboxServer) -> None:
    gw = gateway_for(sandbox, read_only=True)
    gw.connect()
    assert sandbox.app is not None
    before = sandbox.app.requests
    with pytest.raises(WriteRefused):
        gw.create_ticket({"name": f"x {MARKER}", "description": "y"})
    assert sandbox.app.requests == before
    assert gw.search_read("res.partner", [["id", "=", 7]], ["name"])[0]["name"] == "Northwind Traders GmbH"


def test_reads_are_free() -> None:
    allow = AllowList()
    for method in (
        "search",
        "search_read",
        "read",
        "search_count",
        "fields_get",
        "name_search",
        "check_access_rights",
        "has_access",
        "context_get",
    ):
        allow.check_call("stock.picking", method, [[]], {})


def test_created_records_lookup_is_consulted() -> None:
    seen: list[tuple[str, int]] = []

    def lookup(model: str, rid: int) -> bool:
        seen.append((model, rid))
        return rid == 5

    allow = AllowList(CreatedRecords(lookup))
    allow.check_call(
        "helpdesk.ticket",
        "message_post",
        [[5]],
        {"body": f"<p>{MARKER}</p>", "message_type": "comment", "subtype_xmlid": "mail.mt_note"},
    )
    with pytest.raises(WriteRefused):
        allow.check_call(
            "helpdesk.ticket",
            "message_post",
            [[6]],
            {"body": f"<p>{MARKER}</p>", "message_type": "comment", "subtype_xmlid": "mail.mt_note"},
        )
    assert ("helpdesk.ticket", 6) in seen
