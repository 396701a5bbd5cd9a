"""Read-only ERP context for triage (`agents.ports.ErpReader`): transfer, order, customer and tier.

Lookups, in order (each a recorded query shape):
1. transfer by carrier tracking ref (`carrier_tracking_ref =`, needs `delivery`; r30) for tracking-like
   references, by name for transfer references (r33);
2. for order references: `sale_id.name` (x04), `sale_id.client_order_ref` (x05), `purchase_id.name`
   (x06), `purchase_id.partner_ref` (x07), then `origin ilike` (x03). Never `origin =`: Odoo 18 writes
   origin as "S00001 - <client ref>" (r06, x02);
3. the order through the transfer's `sale_id`/`purchase_id`, else by name / client ref (r08-r10);
4. the customer (the order's partner, else the transfer's) and its company; the tier is the partner
   tag (res.partner.category) named "Tier: <tier>" on the contact or its company (prefix set by
   ODOO_TIER_PREFIX);
5. when no reference found a partner: the customer by the sender's domain or a company name in the
   text (`tools.odoo.partner_match`, read-only); an ambiguous match is only a suggestion;
6. replacement stock for an outgoing transfer that is not done (`tools.odoo.stock`): free quantity of
   its products in every other warehouse, or "stock unknown" with the reason.
Contact details (e-mail, phone, street) are not read into the context: it travels through the graph.
A failed lookup returns the context with `error` set: triage goes on without ERP facts.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from agents.clock import SystemClock
from agents.ports import Clock
from agents.state import ErpContext, Reference
from tools.odoo.config import OdooOptions, OdooTarget
from tools.odoo.errors import OdooError
from tools.odoo.gateway import OdooGateway
from tools.odoo.partner_match import PartnerMatcher
from tools.odoo.stock import StockChecker, many2one_id

log = logging.getLogger(__name__)

PICKING_FIELDS = [
    "name",
    "origin",
    "state",
    "picking_type_code",
    "partner_id",
    "scheduled_date",
    "date_deadline",
    "date_done",
    "location_id",
    "location_dest_id",
    "sale_id",
    "purchase_id",
    "move_ids",
    "company_id",
]
CARRIER_FIELDS = ["carrier_tracking_ref", "carrier_id", "carrier_tracking_url", "weight", "shipping_weight"]
SALE_FIELDS = [
    "name",
    "state",
    "partner_id",
    "partner_shipping_id",
    "client_order_ref",
    "date_order",
    "commitment_date",
    "picking_ids",
    "user_id",
    "team_id",
    "amount_total",
    "currency_id",
    "delivery_status",
]
PURCHASE_FIELDS = [
    "name",
    "state",
    "partner_id",
    "partner_ref",
    "date_order",
    "date_planned",
    "picking_ids",
    "receipt_status",
    "origin",
    "amount_total",
]
PARTNER_FIELDS = [
    "name", "is_company", "parent_id", "commercial_partner_id", "category_id", "ref", "user_id", "lang"
]
TRACKING_KINDS = ("tracking", "awb", "pro", "container", "bol")
ORDER_KINDS = ("sale_order", "po")


class OdooErpReader:
    """ErpReader on an Odoo gateway; with no gateway (no ERP configured) it answers source="none"."""

    def __init__(
        self, gateway: OdooGateway | None, tier_prefix: str = "Tier:", stock: StockChecker | None = None
    ) -> None:
        self.gateway = gateway
        self.tier_prefix = tier_prefix.strip().lower()
        self.stock = stock  # None: no replacement-stock check

    def lookup(
        self, references: Sequence[Reference], sender_domain: str | None = None, text: str = ""
    ) -> ErpContext:
        """`sender_domain` and the redacted `text` find the customer when no reference does."""
        if self.gateway is None:
            return ErpContext(source="none")
        source = "odoo"
        try:
            info = self.gateway.ensure_connected()
            source = "odoo-sandbox" if info.sandbox else "odoo"
            return self._lookup(list(references), source, sender_domain, text)
        except OdooError as exc:
            log.warning("erp lookup failed: %s", exc.info.code)
            return ErpContext(source=source, error=exc.info.message)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ steps
    def _lookup(self, refs: list[Reference], source: str, sender_domain: str | None, text: str) -> ErpContext:
        gw = self.gateway
        assert gw is not None
        picking = self._find_picking(refs)
        order, kind = self._find_order(refs, picking)
        partner_id = many2one_id(order.get("partner_id")) if order else None
        matched_by = f"{'purchase order' if kind == 'purchase' else 'order'} {order.get('name')}" if order else None
        if partner_id is None and picking:
            partner_id = many2one_id(picking.get("partner_id"))
            matched_by = f"transfer {picking.get('name')}" if partner_id else None
        suggestions: list[dict[str, Any]] = []
        if partner_id is None:
            found = PartnerMatcher(gw).match(sender_domain, text)
            partner_id, matched_by, suggestions = found.partner_id, found.matched_by, found.suggestions
        customer, tier = self._customer(partner_id) if partner_id else (None, None)
        # The partner of a purchase receipt is the vendor, not a customer: its tier is not a customer's.
        vendor = kind == "purchase" or (order is None and (picking or {}).get("picking_type_code") == "incoming")
        if customer is not None:
            customer = {**customer, "role": "vendor" if vendor else "customer", "matched_by": matched_by}
            tier = None if vendor else tier
        promised = None
        if order and kind == "sale" and order.get("commitment_date"):
            promised = str(order["commitment_date"])[:10]
        elif picking and (picking.get("date_deadline") or picking.get("scheduled_date")):
            promised = str(picking.get("date_deadline") or picking.get("scheduled_date"))[:10]
        value = order.get("amount_total") if order else None
        stock = self.stock.check(picking) if self.stock is not None and picking else None
        return ErpContext(
            source=source,  # type: ignore[arg-type]
            picking=picking,
            order={**order, "kind": kind} if order else None,
            customer=customer,
            customer_tier=tier,
            order_value=float(value) if isinstance(value, int | float) else None,
            promised_date=promised,
            stock=stock,
            customer_match=matched_by if customer is not None or suggestions else None,
            customer_suggestions=suggestions,
        )

    def _pickings(self, domain: list[Any]) -> list[dict[str, Any]]:
        gw = self.gateway
        assert gw is not None
        fields = PICKING_FIELDS + (CARRIER_FIELDS if gw.ensure_connected().carrier_tracking else [])
        return gw.search_read("stock.picking", domain, fields)

    def _find_picking(self, refs: list[Reference]) -> dict[str, Any] | None:
        gw = self.gateway
        assert gw is not None
        queries: list[list[Any]] = []
        if gw.ensure_connected().carrier_tracking:
            queries += [[["carrier_tracking_ref", "=", r.value]] for r in refs if r.kind in TRACKING_KINDS]
        queries += [[["name", "=", r.value]] for r in refs if r.kind == "transfer"]
        for r in refs:
            if r.kind == "sale_order":
                queries += [[["sale_id.name", "=", r.value]]]
            elif r.kind == "po":
                queries += [
                    [["sale_id.client_order_ref", "=", r.value]],
                    [["purchase_id.name", "=", r.value]],
                    [["purchase_id.partner_ref", "=", r.value]],
                ]
        queries += [[["origin", "ilike", r.value]] for r in refs if r.kind in ORDER_KINDS and len(r.value) >= 4]
        seen: set[str] = set()
        for domain in queries:
            key = repr(domain)
            if key in seen:
                continue
            seen.add(key)
            rows = self._pickings(domain)
            if rows:
                rows.sort(key=lambda p: (p.get("picking_type_code") != "outgoing", p["id"]))
                return rows[0]
        return None

    def _find_order(
        self, refs: list[Reference], picking: dict[str, Any] | None
    ) -> tuple[dict[str, Any] | None, str | None]:
        gw = self.gateway
        assert gw is not None
        if picking:
            sale, purchase_id = picking.get("sale_id"), many2one_id(picking.get("purchase_id"))
            if isinstance(sale, list) and len(sale) > 1:
                # by name, as recorded (r08): a sale order's display name is its name
                rows = gw.search_read("sale.order", [["name", "=", sale[1]]], SALE_FIELDS)
                rows = [r for r in rows if r["id"] == sale[0]] or gw.read("sale.order", [sale[0]], SALE_FIELDS)
                if rows:
                    return rows[0], "sale"
            if purchase_id:
                rows = gw.read("purchase.order", [purchase_id], PURCHASE_FIELDS)
                if rows:
                    return rows[0], "purchase"
        for r in refs:
            if r.kind == "sale_order":
                rows = gw.search_read("sale.order", [["name", "=", r.value]], SALE_FIELDS)
                if rows:
                    return rows[0], "sale"
            if r.kind == "po":
                rows = gw.search_read("sale.order", [["client_order_ref", "=", r.value]], SALE_FIELDS)
                if rows:
                    return rows[0], "sale"
                rows = gw.search_read("purchase.order", [["name", "=", r.value]], PURCHASE_FIELDS)
                if rows:
                    return rows[0], "purchase"
        return None, None

    def _customer(self, partner_id: int) -> tuple[dict[str, Any] | None, str | None]:
        gw = self.gateway
        assert gw is not None
        rows = gw.read("res.partner", [partner_id], PARTNER_FIELDS)
        if not rows:
            return None, None
        contact = rows[0]
        company = contact
        company_id = many2one_id(contact.get("commercial_partner_id"))
        if company_id and company_id != partner_id:
            found = gw.read("res.partner", [company_id], PARTNER_FIELDS)
            company = found[0] if found else contact
        category_ids = sorted({*contact.get("category_id", []), *company.get("category_id", [])})
        names = [c["name"] for c in gw.read("res.partner.category", category_ids, ["name"])] if category_ids else []
        tier = None
        for name in names:
            if name.strip().lower().startswith(self.tier_prefix):
                tier = name.strip()[len(self.tier_prefix) :].strip().lower() or None
                break
        manager = company.get("user_id") or contact.get("user_id")
        customer = {
            "id": int(company["id"]),
            "contact_id": int(contact["id"]),
            # A company's name is not personal data; a private customer's name is, and stays out.
            "name": company.get("name") if company.get("is_company") else None,
            "ref": company.get("ref") or None,
            "tags": names,
            "account_manager_id": many2one_id(manager),
            "lang": company.get("lang") or contact.get("lang") or None,  # the customer draft's language
        }
        return customer, tier


def make_erp_reader(settings: Any, options: OdooOptions | None = None, clock: Clock | None = None) -> OdooErpReader:
    """The reader for the configured Odoo (read-only connection), or one answering source="none"."""
    options = options or OdooOptions()
    try:
        target = OdooTarget.from_settings(settings, options)
    except OdooError as exc:
        log.warning("odoo not usable for lookups: %s", exc.info.message)
        return OdooErpReader(None, options.tier_prefix)
    if target is None:
        return OdooErpReader(None, options.tier_prefix)
    gateway = OdooGateway(target, read_only=True)
    return OdooErpReader(gateway, options.tier_prefix, StockChecker(gateway, clock or SystemClock()))
