"""Stock as the recorded servers answer it (odoo17-ops-more / odoo18-ops-more, the n-series).

- per-warehouse quantities on product.product come from the call's context, and the key differs:
  17 honours `warehouse` and ignores `warehouse_id`, 18 the reverse; `location` works on both. A key
  the version ignores is silently ignored (company totals), as recorded (n19-n23, n30);
- stock.quant `warehouse_id` and `available_quantity` are computed, not stored: search_read returns
  them and `warehouse_id = N` works in a domain on both (n14, n18); read_group by `warehouse_id` fails on
  17 ("Cannot convert field ... to SQL") and works on 18 (n15); a dotted groupby fails on both (n17);
- a quant created with `inventory_quantity` and no `inventory_mode` is a count to apply (quantity 0,
  difference = the count); `action_apply_inventory` makes it the quantity (n04-n07). A stock user's
  create in inventory mode on a location that has a quant sets a pending count on the existing quant and
  returns its id (n31, n72); `action_clear_inventory_quantity` clears it (n73, n74);
- creating a warehouse creates its view and stock locations (n01, n02) and needs Inventory/Administrator
  (the stock user gets the AccessError about stock.location, n32).
"""

from __future__ import annotations

from typing import Any

DONE_STATES = ("done", "cancel", "draft")


class StockMethods:
    """Mixed into the Emulator: `self.state`, `self.major`, `self.check_acl`, `self._create` ... come from it."""

    state: Any
    major: int
    clock: Any
    context: dict[str, Any]

    # ------------------------------------------------------------------ computed fields
    def stock_value(self, model: str, rec: dict[str, Any], name: str) -> tuple[bool, Any]:
        """(True, value) for the stock fields computed at read time; (False, None) otherwise."""
        if model == "stock.quant":
            if name == "warehouse_id":
                return True, self._warehouse_of(rec.get("location_id") or 0)
            if name == "available_quantity":
                return True, float(rec.get("quantity") or 0.0) - float(rec.get("reserved_quantity") or 0.0)
        if model == "stock.location" and name == "warehouse_id":
            return True, self._warehouse_of(int(rec["id"]))
        if model == "product.product" and name in (
            "qty_available",
            "free_qty",
            "virtual_available",
            "incoming_qty",
            "outgoing_qty",
        ):
            return True, self._product_qty(int(rec["id"]), name)
        return False, None

    def _location_chain(self, location_id: int) -> list[int]:
        chain: list[int] = []
        rec = self.state.get("stock.location", location_id)
        while rec is not None and rec["id"] not in chain:
            chain.append(int(rec["id"]))
            parent = rec.get("location_id")
            rec = self.state.get("stock.location", parent) if parent else None
        return chain

    def _warehouse_of(self, location_id: int) -> int | bool:
        chain = set(self._location_chain(location_id))
        for wh in sorted(self.state.all("stock.warehouse"), key=lambda w: w["id"]):
            if wh.get("view_location_id") in chain:
                return int(wh["id"])
        return False

    def _locations_in_scope(self) -> set[int] | None:
        """Internal locations the call's context selects; None: all of them (the company)."""
        ctx = self.context or {}
        key = "warehouse_id" if self.major >= 18 else "warehouse"
        internal = [loc for loc in self.state.all("stock.location") if loc.get("usage") == "internal"]
        if ctx.get("location"):
            root = int(ctx["location"])
            return {int(loc["id"]) for loc in internal if root in self._location_chain(int(loc["id"]))}
        if ctx.get(key):
            wid = int(ctx[key])
            return {int(loc["id"]) for loc in internal if self._warehouse_of(int(loc["id"])) == wid}
        return {int(loc["id"]) for loc in internal}

    def _product_qty(self, product_id: int, name: str) -> float:
        scope = self._locations_in_scope() or set()
        quants = [q for q in self.state.all("stock.quant") if q["product_id"] == product_id]
        on_hand = sum(float(q.get("quantity") or 0.0) for q in quants if q["location_id"] in scope)
        reserved = sum(float(q.get("reserved_quantity") or 0.0) for q in quants if q["location_id"] in scope)
        incoming = outgoing = 0.0
        for move in self.state.all("stock.move"):
            if move.get("product_id") != product_id or move.get("state") in DONE_STATES:
                continue
            src, dest = move.get("location_id") in scope, move.get("location_dest_id") in scope
            if dest and not src:
                incoming += float(move.get("product_uom_qty") or 0.0)
            elif src and not dest:
                outgoing += float(move.get("product_uom_qty") or 0.0)
        return {
            "qty_available": on_hand,
            "free_qty": on_hand - reserved,
            "virtual_available": on_hand + incoming - outgoing,
            "incoming_qty": incoming,
            "outgoing_qty": outgoing,
        }[name]

    # ------------------------------------------------------------------ creates with side effects
    def stock_create(self, uid: int, model: str, vals: dict[str, Any], context: dict[str, Any]) -> int | None:
        """Creates the stock models do differently; None: the ordinary create."""
        if model == "stock.warehouse":
            return self._create_warehouse(uid, vals, context)
        if model == "stock.quant":
            return self._create_quant(uid, vals, context)
        return None

    def _create_warehouse(self, uid: int, vals: dict[str, Any], context: dict[str, Any]) -> int:
        self.check_acl(uid, "stock.location", "create")  # type: ignore[attr-defined]
        code = str(vals.get("code") or "")
        now = self._stamp()
        view_id = self.state.next_id("stock.location")
        self.state.put("stock.location", self._location(view_id, code, False, "view", now))
        stock_id = self.state.next_id("stock.location")
        self.state.put("stock.location", self._location(stock_id, f"{code}/Stock", view_id, "internal", now))
        wid = self.state.next_id("stock.warehouse")
        self.state.put(
            "stock.warehouse",
            {
                "id": wid,
                "name": vals.get("name"),
                "code": code,
                "lot_stock_id": stock_id,
                "view_location_id": view_id,
                "company_id": 1,
                "active": True,
                "create_date": now,
                "write_date": now,
                "create_uid": uid,
            },
        )
        return int(wid)

    @staticmethod
    def _location(rid: int, name: str, parent: int | bool, usage: str, now: str) -> dict[str, Any]:
        return {
            "id": rid,
            "name": name,
            "location_id": parent,
            "usage": usage,
            "create_date": now,
            "write_date": now,
            "create_uid": 1,
        }

    def _create_quant(self, uid: int, vals: dict[str, Any], context: dict[str, Any]) -> int | None:
        if not context.get("inventory_mode"):
            counted = vals.get("inventory_quantity")
            if counted is not None and "quantity" not in vals:
                # a count to apply: quantity 0, the difference is the count, not yet "set" (n05)
                return self._plain_quant(uid, vals, float(counted))
            return None
        existing = next(
            (
                q
                for q in sorted(self.state.all("stock.quant"), key=lambda q: q["id"])
                if q["product_id"] == vals.get("product_id") and q["location_id"] == vals.get("location_id")
            ),
            None,
        )
        if existing is None:
            return None
        counted = float(vals.get("inventory_quantity") or 0.0)
        self.state.update(
            "stock.quant",
            int(existing["id"]),
            {
                "inventory_quantity": counted,
                "inventory_diff_quantity": counted - float(existing.get("quantity") or 0.0),
                "inventory_quantity_set": True,
                "user_id": uid,
                "write_date": self._stamp(),
            },
        )
        return int(existing["id"])

    def _plain_quant(self, uid: int, vals: dict[str, Any], counted: float) -> int:
        now = self._stamp()
        rid = self.state.next_id("stock.quant")
        self.state.put(
            "stock.quant",
            {
                "id": rid,
                "product_id": vals["product_id"],
                "location_id": vals["location_id"],
                "company_id": 1,
                "quantity": 0.0,
                "reserved_quantity": 0.0,
                "inventory_quantity": counted,
                "inventory_diff_quantity": counted,
                "inventory_quantity_set": False,
                "user_id": False,
                "create_date": now,
                "write_date": now,
                "create_uid": uid,
            },
        )
        return int(rid)

    # ------------------------------------------------------------------ methods
    def m_action_apply_inventory(self, uid: int, model: str, ids: Any, _context: Any = None) -> None:
        self.check_acl(uid, model, "write")  # type: ignore[attr-defined]
        for rid in [ids] if isinstance(ids, int) else list(ids):
            quant = self.state.get(model, rid)
            if quant is None:
                continue
            self.state.update(
                model,
                rid,
                {
                    "quantity": float(quant.get("inventory_quantity") or 0.0),
                    "inventory_quantity": 0.0,
                    "inventory_diff_quantity": 0.0,
                    "inventory_quantity_set": False,
                    "user_id": False,
                    "write_date": self._stamp(),
                },
            )
        return None

    def m_action_clear_inventory_quantity(self, uid: int, model: str, ids: Any, _context: Any = None) -> None:
        self.check_acl(uid, model, "write")  # type: ignore[attr-defined]
        for rid in [ids] if isinstance(ids, int) else list(ids):
            if self.state.get(model, rid) is not None:
                self.state.update(
                    model,
                    rid,
                    {
                        "inventory_quantity": 0.0,
                        "inventory_diff_quantity": 0.0,
                        "inventory_quantity_set": False,
                        "user_id": False,
                    },
                )
        return None

    def m_read_group(
        self,
        uid: int,
        model: str,
        domain: list[Any] | None = None,
        fields: list[str] | None = None,
        groupby: Any = None,
        offset: int = 0,
        limit: int | None = None,
        orderby: Any = False,
        lazy: bool = True,
        _context: Any = None,
    ) -> list[dict[str, Any]]:
        from tools.odoo.sandbox.orm import value_error

        spec = self.models[model]  # type: ignore[attr-defined]
        groups = [groupby] if isinstance(groupby, str) else list(groupby or [])
        if not groups:
            raise value_error("read_group() needs a groupby")
        field = str(groups[0])
        if "." in field:
            raise value_error(f"Property name '{field.split('.', 1)[1]}' has to be used on a property field.")
        f = spec.fields.get(field)
        if f is None:
            raise value_error(f"Invalid field {field!r} on model {model!r}")
        if not f.store and self.major <= 17:
            raise value_error(f"Cannot convert field {model}.{field} to SQL")
        ids = self._search(uid, model, list(domain or []), 0, None, None)  # type: ignore[attr-defined]
        sums = [spec_.split(":", 1)[0] for spec_ in (fields or []) if ":" in spec_ and spec_.endswith(":sum")]
        buckets: dict[Any, list[dict[str, Any]]] = {}
        for rid in ids:
            rec = self.state.get(model, rid)
            key = self._value(model, rec, field)  # type: ignore[attr-defined]
            buckets.setdefault(key, []).append(rec)
        out = []
        base = list(domain or [])
        prefix = ["&"] * max(0, len([leaf for leaf in base if not isinstance(leaf, str)]) - 1)
        for key in sorted(buckets, key=lambda k: (k is False, k)):
            recs = buckets[key]
            row: dict[str, Any] = {
                field: self._format(model, recs[0], field, "_classic_read"),  # type: ignore[attr-defined]
                f"{field}_count": len(recs),
            }
            for name in sums:
                total = 0.0
                for r in recs:
                    total += float(self._value(model, r, name) or 0.0)  # type: ignore[attr-defined]
                row[name] = total
            row["__domain"] = ["&", *prefix, *base, [field, "=", key]] if base else [[field, "=", key]]
            out.append(row)
        return out

    def _stamp(self) -> str:
        from tools.odoo.sandbox.seed import stamp

        return stamp(self.clock.now())
