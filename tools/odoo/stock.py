"""Replacement stock, read-only: could another warehouse ship what this transfer is waiting for?

For an outgoing transfer that is not done, the check reads (each a recorded query shape, n-series):
1. the transfer's moves, by `picking_id.name` (n11): product, demand, source location;
2. the warehouses and their stock locations (n12);
3. per product, its quants in internal locations with their `warehouse_id` and `available_quantity`
   (n14, n29: what the recorded stock user `triage-bot` could read on 17 and 18).
Free quantity is `available_quantity` (on hand minus reserved), summed per warehouse, so stock another
order has reserved is not promised twice.

Why quants and not `product.product` quantities in a warehouse context: the context key differs per
version and the wrong one is silently ignored (17 honours `warehouse`, 18 `warehouse_id`: n20, n21,
n30 on 18 returns company totals), and `read_group` by `warehouse_id` fails on 17 (n15). The quant
search_read gives the same answer on both.

Any failure (no right to read quants, a field this version lacks, Odoo down) gives status "unknown"
with the reason named: the check never fails the triage.
"""

from __future__ import annotations

import logging
from typing import Any

from agents.ports import Clock
from tools.odoo.errors import OdooError
from tools.odoo.gateway import OdooGateway

log = logging.getLogger(__name__)

MOVE_FIELDS = ["product_id", "product_uom_qty", "location_id", "location_dest_id", "state"]
WAREHOUSE_FIELDS = ["id", "name", "code", "lot_stock_id"]
QUANT_FIELDS = ["product_id", "location_id", "warehouse_id", "quantity", "reserved_quantity", "available_quantity"]
CLOSED_STATES = ("done", "cancel")


def many2one_id(value: Any) -> int | None:
    """The id of a many2one value as Odoo sends it (`[id, "name"]`, an id, or False)."""
    if isinstance(value, list) and value:
        return int(value[0])
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def _name(value: Any) -> str:
    return str(value[1]) if isinstance(value, list) and len(value) > 1 else str(value or "")


def transfer_url(base_url: str, picking_id: int) -> str:
    """A link to the transfer's form; the `/web#` form opens on 17 and 18 (18 redirects it)."""
    return f"{base_url.rstrip('/')}/web#id={picking_id}&model=stock.picking&view_type=form"


def needs_check(picking: dict[str, Any] | None) -> bool:
    """Only an outgoing transfer that has not shipped could ship from elsewhere instead."""
    if not picking:
        return False
    return picking.get("picking_type_code") == "outgoing" and picking.get("state") not in CLOSED_STATES


def _unknown_reason(exc: OdooError, model: str) -> str:
    info = exc.info
    if info.code == "access_denied":
        return f"stock unknown: the Odoo user may not read {model} ({info.message.split('(', 1)[-1].split(')')[0]})"
    if info.code == "validation" and "Invalid field" in info.message:
        return f"stock unknown: this Odoo version lacks a field the check reads on {model} ({info.message})"
    return f"stock unknown: {info.message}"


class StockChecker:
    """Reads replacement stock for a transfer through the gateway (reads only; the allow-list applies)."""

    def __init__(self, gateway: OdooGateway, clock: Clock) -> None:
        self.gateway = gateway
        self.clock = clock

    def check(self, picking: dict[str, Any]) -> dict[str, Any] | None:
        """The stock facts for the ERP context, or None when the transfer needs no check."""
        if not needs_check(picking):
            return None
        read_at = self.clock.now().isoformat(timespec="seconds")
        transfer = {
            "id": int(picking["id"]),
            "name": picking.get("name"),
            "url": transfer_url(self.gateway.target.url, int(picking["id"])),
        }
        base: dict[str, Any] = {"read_at": read_at, "transfer": transfer}
        model = "stock.move"
        try:
            moves = self.gateway.search_read(model, [["picking_id.name", "=", picking.get("name")]], MOVE_FIELDS)
            model = "stock.warehouse"
            warehouses = self.gateway.search_read(model, [], WAREHOUSE_FIELDS)
            model = "stock.quant"
            needed: dict[int, dict[str, Any]] = {}
            for move in moves:
                pid = many2one_id(move.get("product_id"))
                if pid is None or move.get("state") in CLOSED_STATES:
                    continue
                row = needed.setdefault(pid, {"product": _name(move["product_id"]), "needed": 0.0, "from": set()})
                row["needed"] += float(move.get("product_uom_qty") or 0.0)
                if many2one_id(move.get("location_id")):
                    row["from"].add(many2one_id(move["location_id"]))
            free: dict[int, dict[int, float]] = {}
            for pid in needed:
                quants = self.gateway.search_read(
                    model, [["product_id", "=", pid], ["location_id.usage", "=", "internal"]], QUANT_FIELDS
                )
                per_wh = free.setdefault(pid, {})
                for q in quants:
                    wid = many2one_id(q.get("warehouse_id"))
                    if wid is not None:
                        per_wh[wid] = per_wh.get(wid, 0.0) + float(q.get("available_quantity") or 0.0)
        except OdooError as exc:
            log.info("stock check failed on %s: %s", model, exc.info.code)
            return {**base, "status": "unknown", "note": _unknown_reason(exc, model), "products": [], "covering": []}
        return {**base, **self._assess(needed, free, warehouses)}

    @staticmethod
    def _assess(
        needed: dict[int, dict[str, Any]], free: dict[int, dict[int, float]], warehouses: list[dict[str, Any]]
    ) -> dict[str, Any]:
        names = {int(w["id"]): str(w.get("name") or w.get("code")) for w in warehouses}
        lot_of = {many2one_id(w.get("lot_stock_id")): int(w["id"]) for w in warehouses}
        source = {lot_of[loc] for row in needed.values() for loc in row["from"] if loc in lot_of}
        others = [wid for wid in sorted(names) if wid not in source]
        products = []
        for pid, row in needed.items():
            rows = [
                {
                    "warehouse_id": wid,
                    "warehouse": names[wid],
                    "free": max(0.0, round(free.get(pid, {}).get(wid, 0.0), 3)),
                }
                for wid in others
            ]
            for r in rows:
                r["covers"] = r["free"] >= row["needed"] > 0
            products.append({"product_id": pid, "product": row["product"], "needed": row["needed"], "warehouses": rows})
        covering = [
            names[wid]
            for wid in others
            if products
            and all(any(r["warehouse_id"] == wid and r["covers"] for r in p["warehouses"]) for p in products)
        ]
        # the covering warehouse with the most free stock of the first product
        best = None
        if covering:
            first = products[0]["warehouses"]
            best_row = max((r for r in first if r["warehouse"] in covering), key=lambda r: r["free"])
            best = best_row["warehouse"]
        return {
            "status": "available" if best else "none",
            "source_warehouses": [names[w] for w in sorted(source)],
            "products": products,
            "covering": covering,
            "best": best,
            "summary": summarise(best, products),
        }


def summarise(best: str | None, products: list[dict[str, Any]]) -> str:
    """One line for the priority explanation and the approval: "Reno DC, 40 of 3 needed"."""
    if best is None:
        return "none in another warehouse" if products else "no open moves"
    parts = []
    for p in products:
        row = next(r for r in p["warehouses"] if r["warehouse"] == best)
        parts.append(f"{row['free']:g} of {p['needed']:g} needed" + (f" ({p['product']})" if len(products) > 1 else ""))
    return f"{best}, " + ", ".join(parts)
