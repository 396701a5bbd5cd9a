"""OdooErpReader: transfer, order, customer and tier from the references, read-only."""

from __future__ import annotations

import pytest

from agents.state import Reference
from tests.odoo.conftest import FakeSettings, gateway_for
from tools.odoo.reader import OdooErpReader, make_erp_reader
from tools.odoo.sandbox import SandboxServer


def ref(kind: str, value: str) -> Reference:
    return Reference(kind=kind, value=value, start=0, end=len(value))  # type: ignore[arg-type]


@pytest.mark.parametrize("server", ["sandbox", "sandbox18"])
def test_lookup_by_tracking_ref(request: pytest.FixtureRequest, server: str) -> None:
    sb: SandboxServer = request.getfixturevalue(server)
    ctx = OdooErpReader(gateway_for(sb, read_only=True)).lookup([ref("tracking", "1Z999AA10123456784")])
    assert ctx.error is None
    assert ctx.source == "odoo-sandbox"
    assert ctx.picking is not None and ctx.picking["name"] == "WH/OUT/00001"
    assert ctx.picking["carrier_tracking_ref"] == "1Z999AA10123456784"
    assert ctx.order is not None and ctx.order["name"] == "S00001" and ctx.order["kind"] == "sale"
    assert ctx.order_value == 2056.2
    assert ctx.customer is not None and ctx.customer["id"] == 7 and ctx.customer["name"] == "Northwind Traders GmbH"
    assert ctx.customer_tier == "gold"  # the partner tag "Tier: gold"
    assert ctx.customer["account_manager_id"] == 6
    assert ctx.promised_date is not None and len(ctx.promised_date) == 10
    # contact details stay out of the context (it travels through the graph)
    flat = repr(ctx.model_dump())
    assert "northwind.example" not in flat and "+49" not in flat and "Sandtorkai" not in flat


@pytest.mark.parametrize(
    ("refs", "picking", "order"),
    [
        ([ref("transfer", "WH/OUT/00001")], "WH/OUT/00001", "S00001"),
        ([ref("sale_order", "S00001")], "WH/OUT/00001", "S00001"),
        ([ref("po", "NW-PO-88213")], "WH/OUT/00001", "S00001"),  # the customer's PO = client_order_ref
        ([ref("po", "P00001")], "WH/IN/00001", "P00001"),  # our purchase order
        ([ref("po", "ACME-SO-5531")], "WH/IN/00001", "P00001"),  # the vendor's reference
    ],
)
def test_lookup_by_order_references_on_18(
    sandbox18: SandboxServer, refs: list[Reference], picking: str, order: str
) -> None:
    ctx = OdooErpReader(gateway_for(sandbox18, read_only=True)).lookup(refs)
    assert ctx.error is None
    assert ctx.picking is not None and ctx.picking["name"] == picking
    assert ctx.order is not None and ctx.order["name"] == order


def test_purchase_side_customer_is_the_vendor_without_tier(sandbox: SandboxServer) -> None:
    ctx = OdooErpReader(gateway_for(sandbox, read_only=True)).lookup([ref("po", "P00001")])
    assert ctx.order is not None and ctx.order["kind"] == "purchase" and ctx.order_value == 2300.0
    assert ctx.customer is not None and ctx.customer["id"] == 10 and ctx.customer_tier is None


def test_unknown_reference_gives_an_empty_context(sandbox: SandboxServer) -> None:
    ctx = OdooErpReader(gateway_for(sandbox, read_only=True)).lookup([ref("tracking", "1Z000NOPE")])
    assert ctx.source == "odoo-sandbox" and ctx.error is None
    assert ctx.picking is None and ctx.order is None and ctx.customer is None


def test_failure_is_reported_not_raised(sandbox: SandboxServer) -> None:
    reader = OdooErpReader(gateway_for(sandbox, "limited", "limited-pw-123", read_only=True))
    ctx = reader.lookup([ref("tracking", "1Z999AA10123456784")])
    assert ctx.error is not None and "rights" in ctx.error  # the limited user cannot read transfers
    sandbox.stop()
    down = OdooErpReader(gateway_for(sandbox, read_only=True)).lookup([ref("tracking", "1Z999AA10123456784")])
    assert down.error is not None and "refused the connection" in down.error


def test_no_erp_configured() -> None:
    reader = make_erp_reader(FakeSettings(None))
    assert reader.lookup([ref("tracking", "1Z999AA10123456784")]).source == "none"


def test_reader_from_settings_is_read_only(sandbox: SandboxServer) -> None:
    reader = make_erp_reader(FakeSettings(sandbox.url))
    assert reader.gateway is not None and reader.gateway.allowlist.read_only
    assert reader.lookup([ref("transfer", "WH/OUT/00001")]).picking is not None
