"""Seed data: the state of the recorded "-ops" databases after their set-up steps.

Same ids as the recordings (partners 7-10, users 2/6/7, S00001, P00001, WH/OUT/00001 with tracking
ref 1Z999AA10123456784, team 1 "Logistics exceptions", tags 1-2, activity type 4 To-Do, ir.model
ids 427/446 ...), plus what the product needs to run end to end that the recordings do not show: an
"Approvals" team, reason and carrier tags, a "Tier: gold" partner tag, and on Enterprise the
approval categories. Passwords are the recordings' throwaway values; this is a sandbox.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from agents.state import REASON_CODES
from tools.odoo.sandbox.models import Edition
from tools.odoo.sandbox.state import SandboxState

PASSWORDS = {
    "admin": "admin",
    "supervisor": "supervisor-pw-123",
    "limited": "limited-pw-123",
    "accounting": "accounting-pw-123",
}
API_KEYS = {"sandbox-api-key": "admin"}  # an API key works in place of the password, as in Odoo
REASON_TAGS = [c for c in REASON_CODES if c != "weather"]  # "weather" is the recorded tag 1, seeded below
CARRIER_TAGS = ["UPS", "DHL", "FedEx", "DB Schenker", "Maersk", "Kuehne+Nagel"]

# Recorded ids (odoo17-ops / odoo18-ops)
IR_MODEL_IDS = {
    17: {
        "helpdesk.ticket": 427,
        "helpdesk.ticket.team": 432,
        "res.partner": 85,
        "stock.picking": 300,
        "sale.order": 380,
        "purchase.order": 360,
    },
    18: {
        "helpdesk.ticket": 446,
        "helpdesk.ticket.team": 451,
        "res.partner": 87,
        "stock.picking": 310,
        "sale.order": 395,
        "purchase.order": 372,
    },
}
MODULE_IDS = {
    17: {
        "helpdesk_mgmt": 73,
        "helpdesk": 597,
        "mail": 282,
        "contacts": 47,
        "base_tier_validation": 41,
        "delivery": 55,
        "stock_delivery": 448,
        "sale_management": 403,
        "stock": 441,
        "purchase": 386,
        "purchase_stock": 392,
        "sale": 393,
        "sale_stock": 418,
        "approvals": 598,
    },
    18: {
        "helpdesk_mgmt": 78,
        "helpdesk": 657,
        "mail": 325,
        "contacts": 51,
        "base_tier_validation": 41,
        "delivery": 59,
        "stock_delivery": 504,
        "sale_management": 464,
        "stock": 502,
        "purchase": 441,
        "purchase_stock": 449,
        "sale": 454,
        "sale_stock": 478,
        "approvals": 658,
    },
}


# Odoo lists modules as "application desc, sequence, name": the order the recordings show (r01, x12).
MODULE_ORDER = [
    "sale_management",
    "stock",
    "purchase",
    "helpdesk_mgmt",
    "helpdesk",
    "approvals",
    "mail",
    "contacts",
    "purchase_stock",
    "base_tier_validation",
    "delivery",
    "sale",
    "sale_stock",
    "stock_delivery",
]
APPLICATIONS = {"sale_management", "stock", "purchase", "helpdesk_mgmt", "helpdesk", "approvals", "mail", "contacts"}


def _versions(major: int) -> tuple[int, dict[str, int], dict[str, int]]:
    key = 17 if major <= 17 else 18
    return key, IR_MODEL_IDS[key], MODULE_IDS[key]


def stamp(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M:%S")


def seed(state: SandboxState, edition: Edition, major: int, models: dict[str, Any], at: datetime | None = None) -> None:
    key, ir_ids, module_ids = _versions(major)
    now = stamp(at)
    serie = f"{major}.0"

    def put(model_name: str, rid: int, **values: Any) -> None:
        rec = {"id": rid, "create_date": now, "write_date": now, "create_uid": 1}
        spec = models[model_name]
        for fname, f in spec.fields.items():
            if fname in ("display_name", "create_date", "write_date", "create_uid"):
                continue
            if f.type == "one2many" or not f.store:
                continue  # computed from the inverse field / at read time
            rec.setdefault(fname, f.default if f.default is not None else ([] if f.type == "many2many" else False))
        rec.update(values)
        state.put(model_name, rec)

    state.begin()
    put("res.company", 1, name="My Company")
    put("res.currency", 1, name="USD")
    put("res.country", 57, name="Germany", code="DE")
    put("res.country", 231, name="United Kingdom", code="GB")
    put("res.partner.category", 1, name="Key account")
    put("res.partner.category", 2, name="Tier: gold")
    put("res.partner.category", 3, name="Tier: silver")
    put("res.partner", 1, name="My Company", is_company=True, company_id=1)
    put("res.partner", 3, name="Administrator", email="admin@example.com")
    put(
        "res.partner",
        7,
        name="Northwind Traders GmbH",
        is_company=True,
        email="logistics@northwind.example",
        phone="+49 40 555 0100",
        street="Am Sandtorkai 12",
        zip="20457",
        city="Hamburg",
        country_id=57,
        category_id=[1, 2],
        ref="CUST-NW-001",
        user_id=6,
    )
    put(
        "res.partner",
        8,
        name="Maria Keller",
        parent_id=7,
        type="contact",
        function="Logistics Coordinator",
        email="maria.keller@northwind.example",
        street="Am Sandtorkai 12",
        zip="20457",
        city="Hamburg",
        country_id=57,
        category_id=[1],
        **({"mobile": "+49 170 555 0199"} if major < 19 else {}),
    )
    put(
        "res.partner",
        9,
        name="Tom Baker",
        email="tom.baker@example.org",
        street="4 Harbour Road",
        city="Bristol",
        zip="BS1 5TY",
        country_id=231,
        category_id=[3],
    )
    put(
        "res.partner",
        10,
        name="Acme Pallet Supply Ltd",
        is_company=True,
        email="orders@acme-pallet.example",
        ref="VEND-ACME",
    )
    put("res.partner", 11, name="Sam Supervisor", email="supervisor@example.com")
    put("res.partner", 12, name="Limited User")
    put("res.users", 1, name="OdooBot", login="__system__", partner_id=1, active=False)
    put("res.users", 2, name="Administrator", login="admin", email="admin@example.com", partner_id=3)
    put("res.users", 6, name="Sam Supervisor", login="supervisor", email="supervisor@example.com", partner_id=11)
    put("res.users", 7, name="Limited User", login="limited", partner_id=12)
    # not in the recordings: the user Accounting works as (ODOO_ACCOUNTING_LOGIN), told about credits
    put("res.partner", 20, name="Accounting", email="accounting@example.com")
    put("res.users", 20, name="Accounting", login="accounting", email="accounting@example.com", partner_id=20)
    state.set_meta("passwords", dict(PASSWORDS))
    state.set_meta("api_keys", dict(API_KEYS))

    # ir.model: the models this sandbox has, recorded ids where known
    next_model_id = 600
    for name, spec in sorted(models.items()):
        rid = ir_ids.get(name)
        if rid is None:
            rid = next_model_id
            next_model_id += 1
        put("ir.model", rid, name=spec.description, model=name, transient=False)

    installed = {
        "mail",
        "contacts",
        "stock",
        "sale",
        "sale_management",
        "sale_stock",
        "purchase",
        "purchase_stock",
        "delivery",
        "stock_delivery",
    }
    if edition == "community":
        installed |= {"helpdesk_mgmt", "base_tier_validation"}
    else:
        installed |= {"helpdesk", "approvals"}
    versions = {
        "helpdesk_mgmt": f"{serie}.1.11.0" if key == 17 else f"{serie}.1.19.5",
        "base_tier_validation": f"{serie}.4.1.0" if key == 17 else f"{serie}.3.5.2",
        "mail": f"{serie}.1.15" if key == 17 else f"{serie}.1.18",
    }
    short = {
        "helpdesk_mgmt": "Helpdesk Management",
        "helpdesk": "Helpdesk",
        "mail": "Discuss",
        "contacts": "Contacts",
        "approvals": "Approvals",
        "delivery": "Delivery Costs",
        "stock": "Inventory",
        "sale": "Sales",
        "purchase": "Purchase",
    }
    for name, rid in module_ids.items():
        enterprise_only = name in ("helpdesk", "approvals")
        if edition == "enterprise" and name in ("helpdesk_mgmt", "base_tier_validation"):
            continue
        if edition == "community" and name == "approvals":
            continue  # the recordings list no `approvals` row on Community
        state_ = "installed" if name in installed else ("uninstallable" if enterprise_only else "uninstalled")
        put(
            "ir.module.module",
            rid,
            name=name,
            shortdesc=short.get(name, name),
            state=state_,
            latest_version=versions.get(name, f"{serie}.1.0") if state_ == "installed" else False,
            installed_version=f"{serie}.1.0",
            to_buy=enterprise_only,
            license="OEEL-1" if enterprise_only else "LGPL-3",
            application=name in APPLICATIONS,
            sequence=MODULE_ORDER.index(name) + 1,
        )

    # XML ids used over RPC
    xmlids = [
        ("mail", "mail_activity_data_todo", "mail.activity.type", 4),
        ("base", "group_user", "res.groups", 1),
        ("stock", "group_stock_user", "res.groups", 43 if key == 18 else 41),
    ]
    if edition == "community":
        xmlids += [
            ("helpdesk_mgmt", "group_helpdesk_manager", "res.groups", 27),
            ("helpdesk_mgmt", "helpdesk_ticket_stage_done", "helpdesk.ticket.stage", 4),
        ]
    for i, (module, name, model, res_id) in enumerate(xmlids, start=20001):
        # the recorded id of mail.mail_activity_data_todo (r17)
        rid = (8511 if key == 17 else 11828) if name == "mail_activity_data_todo" else i
        put("ir.model.data", rid, module=module, name=name, model=model, res_id=res_id)

    activity_types: list[tuple[int, str, str, int, str, int, str | bool]] = [
        (1, "Email", "default", 0, "fa-envelope", 3, False),
        (2, "Call", "phonecall", 2, "fa-phone", 6, False),
        (3, "Meeting", "default", 0, "fa-users", 9, False),
        (8, "Order Upsell", "default", 0, "fa-line-chart", 10, "sale.order"),
        (4, "To-Do", "default", 5, "fa-tasks" if key == 17 else "fa-check", 12, False),
        (5, "Upload Document", "upload_file", 5, "fa-upload", 25, False),
    ]
    if edition == "community":
        activity_types.append((7, "Tier Validation Reminder", "default", 0, "fa-bell", 10, False))
    for rid, name, category, delay, icon, seq, res_model in activity_types:
        put(
            "mail.activity.type",
            rid,
            name=name,
            category=category,
            delay_count=delay,
            delay_unit="days",
            delay_from="previous_activity",
            icon=icon,
            sequence=seq,
            res_model=res_model,
        )

    # stock / sale / purchase / delivery
    put("uom.uom", 1, name="Units")
    put("product.product", 1, name="Pallet rack 1200mm", default_code="PR-1200", **_storable(key))
    put("product.product", 2, name="Standard delivery", default_code="Delivery_007", type="service")
    put("stock.location", 1, name="Physical Locations", usage="view")
    put("stock.location", 2, name="Partners", usage="view")
    put("stock.location", 4, name="Partners/Vendors", location_id=2, usage="supplier")
    put("stock.location", 5, name="Partners/Customers", location_id=2, usage="customer")
    put("stock.location", 7, name="WH", location_id=1, usage="view")
    put("stock.location", 8, name="WH/Stock", location_id=7, usage="internal")
    put("stock.warehouse", 1, name="My Company", code="WH", lot_stock_id=8, view_location_id=7)
    put("crm.team", 1, name="Sales")
    put("delivery.carrier", 1, name="Standard delivery", delivery_type="fixed", product_id=2)
    put(
        "sale.order",
        1,
        name="S00001",
        state="sale",
        partner_id=7,
        partner_shipping_id=7,
        client_order_ref="NW-PO-88213",
        date_order=now,
        user_id=2,
        team_id=1,
        amount_total=2056.2,
        currency_id=1,
        delivery_status="pending",
    )
    put(
        "purchase.order",
        1,
        name="P00001",
        state="purchase",
        partner_id=10,
        partner_ref="ACME-SO-5531",
        date_order=now,
        date_planned=now,
        picking_ids=[2],
        receipt_status="pending",
        amount_total=2300.0,
    )
    put(
        "stock.picking",
        1,
        name="WH/OUT/00001",
        origin="S00001" if key == 17 else "S00001 - NW-PO-88213",
        state="confirmed",
        picking_type_code="outgoing",
        partner_id=7,
        scheduled_date=now,
        date_deadline=now,
        location_id=8,
        location_dest_id=5,
        sale_id=1,
        company_id=1,
        carrier_tracking_ref="1Z999AA10123456784",
        carrier_id=1,
        weight=222.0,
        shipping_weight=0.0,
    )
    put(
        "stock.picking",
        2,
        name="WH/IN/00001",
        origin="P00001",
        state="assigned",
        picking_type_code="incoming",
        partner_id=10,
        scheduled_date=now,
        date_deadline=now,
        location_id=4,
        location_dest_id=8,
        purchase_id=1,
        company_id=1,
        weight=0.0,
        shipping_weight=0.0,
    )
    put(
        "stock.move",
        1,
        name="Pallet rack 1200mm",
        picking_id=1,
        product_id=1,
        product_uom_qty=12.0,
        quantity=0.0,
        state="confirmed",
        location_id=8,
        location_dest_id=5,
        date_deadline=now,
    )
    put(
        "stock.move",
        2,
        name="Pallet rack 1200mm",
        picking_id=2,
        product_id=1,
        product_uom_qty=25.0,
        quantity=0.0,
        state="assigned",
        location_id=4,
        location_dest_id=8,
        date_deadline=now,
    )

    # helpdesk
    if edition == "community":
        put("helpdesk.ticket.team", 1, name="Logistics exceptions", user_ids=[6], company_id=1)
        put("helpdesk.ticket.team", 2, name="Approvals", user_ids=[6], company_id=1)
        for rid, name in enumerate(["weather", "customs", *REASON_TAGS, *CARRIER_TAGS], start=1):
            put("helpdesk.ticket.tag", rid, name=name)
        for rid, (name, closed, unattended) in enumerate(
            [
                ("New", False, True),
                ("In Progress", False, False),
                ("Awaiting", False, False),
                ("Done", True, False),
                ("Cancelled", True, False),
                ("Rejected", True, False),
            ],
            start=1,
        ):
            put(
                "helpdesk.ticket.stage", rid, name=name, sequence=rid, closed=closed, unattended=unattended, fold=closed
            )
    else:
        put("helpdesk.team", 1, name="Logistics exceptions", member_ids=[6], company_id=1)
        put("helpdesk.team", 2, name="Approvals", member_ids=[6], company_id=1)
        for rid, name in enumerate(["weather", "customs", *REASON_TAGS, *CARRIER_TAGS], start=1):
            put("helpdesk.tag", rid, name=name)
        for rid, name in enumerate(["New", "In Progress", "On Hold", "Solved", "Cancelled"], start=1):
            put("helpdesk.stage", rid, name=name, sequence=rid, fold=rid >= 4)
        for rid, name in enumerate(["Reroute", "Expedite", "Credit", "Write-off", "Ship from warehouse"], start=1):
            put("approval.category", rid, name=name, has_amount="optional", approval_minimum=1)
    state.set_meta("seeded", {"edition": edition, "major": major, "at": now})
    state.commit()


def _storable(key: int) -> dict[str, Any]:
    """A product with inventory: type "product" on 17, "consu" + is_storable on 18 (s07a, n24, n25)."""
    return {"type": "product", "detailed_type": "product"} if key == 17 else {"type": "consu", "is_storable": True}


def bridge_to_ops_more(state: SandboxState, major: int, at: datetime | None = None) -> None:
    """The state the n-series recordings start from that no recording shows being made (their README:
    "later state"), laid over the -ops state: product 2 is the stocked NW-WIDGET (the delivery product
    moves to id 3), 95 of it in WH/Stock with 3 reserved by WH/OUT/00002 (S00002, ready), 20 incoming
    on WH/IN/00002, and the stock user triage-bot (uid 8). Ids are the ones the n-series answers show
    (quant 1; out move 4 on 17, 3 on 18; locations up to 16 so WH2's are 17 and 18). Not recorded
    either: S00002's customer (Northwind, gold) and amount, and `am.lena` (uid 9 here: the sandbox's
    uid 7 is the recorded `limited` of the -ops series), a sales-only account manager."""
    key = 17 if major <= 17 else 18
    now = stamp(at)
    base = {"create_date": now, "write_date": now, "create_uid": 2}
    state.begin()
    delivery = state.get("product.product", 2) or {}
    state.put("product.product", {**delivery, "id": 3})
    state.put(
        "product.product",
        {**delivery, "id": 2, "name": "Northwind Widget", "default_code": "NW-WIDGET", "uom_id": 1, **_storable(key)},
    )
    if key == 18:
        state.update("product.product", 2, {"type": "consu"})
    for carrier in state.all("delivery.carrier"):
        if carrier.get("product_id") == 2:
            state.update("delivery.carrier", int(carrier["id"]), {"product_id": 3})
    state.put(
        "stock.location",
        {
            **base,
            "id": 14,
            "name": "Virtual Locations/Inventory adjustment",
            "location_id": False,
            "usage": "inventory",
        },
    )
    state.set_sequence("stock.location", 17)
    state.put(
        "sale.order",
        {
            **(state.get("sale.order", 1) or {}),
            **base,
            "id": 2,
            "name": "S00002",
            "client_order_ref": "NW-PO-88377",
            "amount_total": 1170.0,
            "commitment_date": False,
        },
    )
    picking = state.get("stock.picking", 1) or {}
    state.put(
        "stock.picking",
        {
            **picking,
            **base,
            "id": 3,
            "name": "WH/OUT/00002",
            "origin": "S00002" if key == 17 else "S00002 - NW-PO-88377",
            "state": "assigned",
            "sale_id": 2,
            "carrier_tracking_ref": False,
            "weight": 0.0,
        },
    )
    receipt = state.get("stock.picking", 2) or {}
    state.put("stock.picking", {**receipt, **base, "id": 4, "name": "WH/IN/00002", "state": "assigned"})
    out_move, in_move = (4, 3) if key == 17 else (3, 4)
    move = {"name": "Northwind Widget", "product_id": 2, "quantity": 0.0, "state": "assigned", "date_deadline": now}
    state.put(
        "stock.move",
        {
            **base,
            **move,
            "id": out_move,
            "picking_id": 3,
            "product_uom_qty": 3.0,
            "quantity": 3.0,
            "location_id": 8,
            "location_dest_id": 5,
        },
    )
    state.put(
        "stock.move",
        {
            **base,
            **move,
            "id": in_move,
            "picking_id": 4,
            "product_uom_qty": 20.0,
            "location_id": 4,
            "location_dest_id": 8,
        },
    )
    quant = {
        "company_id": 1,
        "inventory_quantity": 0.0,
        "inventory_diff_quantity": 0.0,
        "inventory_quantity_set": False,
        "user_id": False,
    }
    state.put(
        "stock.quant",
        {**base, **quant, "id": 1, "product_id": 2, "location_id": 8, "quantity": 95.0, "reserved_quantity": 3.0},
    )
    state.put(
        "stock.quant",
        {**base, **quant, "id": 2, "product_id": 2, "location_id": 4, "quantity": -95.0, "reserved_quantity": 0.0},
    )
    state.put(
        "stock.quant",
        {**base, **quant, "id": 3, "product_id": 1, "location_id": 4, "quantity": 0.0, "reserved_quantity": 0.0},
    )
    state.put("res.partner", {**base, "id": 15, "name": "Triage Bot", "email": False, "active": True})
    state.put(
        "res.partner", {**base, "id": 16, "name": "Account Manager Lena", "email": "lena@example.com", "active": True}
    )
    users = {u["id"]: u for u in state.all("res.users")}
    template = users.get(6) or {}
    state.put(
        "res.users",
        {
            **template,
            **base,
            "id": 8,
            "name": "triage-bot",
            "login": "triage-bot",
            "email": False,
            "partner_id": 15,
            "active": True,
        },
    )
    state.put(
        "res.users",
        {
            **template,
            **base,
            "id": 9,
            "name": "Account Manager Lena",
            "login": "am.lena",
            "email": "lena@example.com",
            "partner_id": 16,
            "active": True,
        },
    )
    state.set_meta(
        "passwords", {**state.meta.get("passwords", {}), "triage-bot": "triage-bot-pw-123", "am.lena": "am-lena-pw-123"}
    )
    state.commit()


def ops_more_result(state: SandboxState, major: int, at: datetime | None = None) -> None:
    """What the n-series steps n01-n07 leave: warehouse WH2 "Reno DC" (locations 17/18) with 40
    NW-WIDGET in WH2/Stock (quant 4). The same records the sandbox makes when they are replayed."""
    now = stamp(at)
    base = {"create_date": now, "write_date": now, "create_uid": 2}
    state.begin()
    state.put("stock.location", {**base, "id": 17, "name": "WH2", "location_id": 1, "usage": "view"})
    state.put("stock.location", {**base, "id": 18, "name": "WH2/Stock", "location_id": 17, "usage": "internal"})
    state.set_sequence("stock.location", 19)
    state.put(
        "stock.warehouse",
        {
            **base,
            "id": 2,
            "name": "Reno DC",
            "code": "WH2",
            "lot_stock_id": 18,
            "view_location_id": 17,
            "company_id": 1,
            "active": True,
        },
    )
    state.put(
        "stock.quant",
        {
            **base,
            "id": 4,
            "product_id": 2,
            "location_id": 18,
            "company_id": 1,
            "quantity": 40.0,
            "reserved_quantity": 0.0,
            "inventory_quantity": 0.0,
            "inventory_diff_quantity": 0.0,
            "inventory_quantity_set": False,
            "user_id": False,
        },
    )
    state.commit()
