"""The facts a customer draft is written from (DraftFacts), read off the case: structured values only.

The company name comes from the ERP (the reader keeps a private customer's name out), the language from
the ERP partner's `lang`, the references from the extracted reference spans of the redacted message, the
new ETA from the dates the message gives. A purchase receipt's partner is a vendor, not the customer:
no name then.
"""

from __future__ import annotations

from collections.abc import Sequence

from agents.state import DraftFacts, ErpContext, ReasonCode, RedactedMessage, Reference
from agents.summary import new_eta

# The shipment reference the customer knows, most specific first; these kinds read well with a prefix.
_SHIPMENT_KINDS = ("tracking", "awb", "container", "bol", "pro", "booking", "transfer")
_PREFIX = {"awb": "AWB", "bol": "B/L", "pro": "PRO"}
_ORDER_KINDS = ("sale_order", "po")


def draft_facts(
    reason: ReasonCode | None, message: RedactedMessage, references: Sequence[Reference], erp: ErpContext
) -> DraftFacts:
    customer = erp.customer or {}
    order = erp.order or {}
    is_purchase = order.get("kind") == "purchase"
    return DraftFacts(
        reason=reason,
        language=str(customer.get("lang") or "en") if not is_purchase else "en",
        company=(str(customer["name"]) if customer.get("name") and not is_purchase else None),
        shipment=_shipment(references, erp),
        order=_order(references, erp, is_purchase),
        new_eta=new_eta(message, references),
    )


def _shipment(references: Sequence[Reference], erp: ErpContext) -> str | None:
    for kind in _SHIPMENT_KINDS:
        for ref in references:
            if ref.kind == kind and ref.value:
                return f"{_PREFIX[kind]} {ref.value}" if kind in _PREFIX else ref.value
    picking = erp.picking or {}
    return str(picking["name"]) if picking.get("name") else None


def _order(references: Sequence[Reference], erp: ErpContext, is_purchase: bool) -> str | None:
    order = erp.order or {}
    if order.get("name") and not is_purchase:
        return str(order["name"])
    for kind in _ORDER_KINDS:
        for ref in references:
            if ref.kind == kind and ref.value:
                return ref.value
    return None
