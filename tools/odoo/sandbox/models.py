"""The models the sandbox knows, with field definitions as the recorded servers describe them.

Only what the gateway, the ERP reader and the recordings use is modelled. Field attributes (type,
string, relation, required, readonly, selection, store) follow the recorded `fields_get` answers of
Odoo 17/18 with OCA helpdesk_mgmt; the Enterprise models (helpdesk, approvals) follow Odoo's
Enterprise field names (not recorded: no Enterprise server was available).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Edition = Literal["community", "enterprise"]


@dataclass(frozen=True)
class F:
    type: str
    string: str
    relation: str | None = None
    required: bool = False
    readonly: bool = False
    store: bool = True
    selection: tuple[tuple[str, str], ...] | None = None
    relation_field: str | None = None  # one2many inverse
    default: Any = None


@dataclass
class ModelSpec:
    name: str
    description: str
    fields: dict[str, F]
    order: str = "id"
    rec_name: str = "name"
    has_mail: bool = False  # mail.thread: message_post, activities, followers


LICENSES = (
    ("GPL-2", "GPL Version 2"),
    ("GPL-2 or any later version", "GPL-2 or later version"),
    ("GPL-3", "GPL Version 3"),
    ("GPL-3 or any later version", "GPL-3 or later version"),
    ("AGPL-3", "Affero GPL-3"),
    ("LGPL-3", "LGPL Version 3"),
    ("Other OSI approved licence", "Other OSI Approved License"),
    ("OEEL-1", "Odoo Enterprise Edition License v1.0"),
    ("OPL-1", "Odoo Proprietary License v1.0"),
    ("Other proprietary", "Other Proprietary"),
)
THREAD_MODELS = {
    "res.partner": "Contact",
    "helpdesk.ticket": "Helpdesk Ticket",
    "sale.order": "Sales Order",
    "purchase.order": "Purchase Order",
    "stock.picking": "Transfer",
}


def _mail_fields() -> dict[str, F]:
    return {
        "message_ids": F("one2many", "Messages", "mail.message", relation_field="res_id"),
        "message_follower_ids": F("one2many", "Followers", "mail.followers", relation_field="res_id"),
        "message_partner_ids": F("many2many", "Followers (Partners)", "res.partner", store=False),
        "activity_ids": F("one2many", "Activities", "mail.activity", relation_field="res_id"),
        "activity_state": F(
            "selection",
            "Activity State",
            readonly=True,
            store=False,
            selection=(("overdue", "Overdue"), ("today", "Today"), ("planned", "Planned")),
        ),
        "activity_user_id": F("many2one", "Responsible User", "res.users", readonly=True, store=False),
    }


def _base_fields() -> dict[str, F]:
    return {
        "display_name": F("char", "Display Name", readonly=True, store=False),
        "create_date": F("datetime", "Created on", readonly=True),
        "write_date": F("datetime", "Last Updated on", readonly=True),
        "create_uid": F("many2one", "Created by", "res.users", readonly=True),
    }


def build_models(edition: Edition, major: int) -> dict[str, ModelSpec]:
    specs: list[ModelSpec] = []

    def add(name: str, description: str, fields: dict[str, F], **kw: Any) -> None:
        full = {**_base_fields(), **fields}
        if kw.get("has_mail"):
            full = {**full, **_mail_fields()}
        specs.append(ModelSpec(name, description, full, **kw))

    add("res.company", "Companies", {"name": F("char", "Company Name", required=True)})
    add("res.currency", "Currency", {"name": F("char", "Currency", required=True)})
    add(
        "res.country",
        "Country",
        {"name": F("char", "Country Name", required=True), "code": F("char", "Country Code", required=True)},
        order="name",
    )
    add(
        "res.partner.category",
        "Partner Tags",
        {
            "name": F("char", "Name", required=True),
            "color": F("integer", "Color"),
            "parent_id": F("many2one", "Parent Category", "res.partner.category"),
            "active": F("boolean", "Active", default=True),
        },
        order="name",
    )
    partner = {
        "name": F("char", "Name"),
        "is_company": F("boolean", "Is a Company", default=False),
        "type": F(
            "selection",
            "Address Type",
            selection=(
                ("contact", "Contact"),
                ("invoice", "Invoice Address"),
                ("delivery", "Delivery Address"),
                ("other", "Other Address"),
            ),
            default="contact",
        ),
        "parent_id": F("many2one", "Related Company", "res.partner"),
        "commercial_partner_id": F("many2one", "Commercial Entity", "res.partner", readonly=True),
        "child_ids": F("one2many", "Contact", "res.partner", relation_field="parent_id"),
        "category_id": F("many2many", "Tags", "res.partner.category"),
        "email": F("char", "Email"),
        "phone": F("char", "Phone"),
        "street": F("char", "Street"),
        "city": F("char", "City"),
        "zip": F("char", "Zip"),
        "country_id": F("many2one", "Country", "res.country"),
        "ref": F("char", "Reference"),
        "function": F("char", "Job Position"),
        "lang": F("selection", "Language", selection=(("en_US", "English (US)"),), default="en_US"),
        "active": F("boolean", "Active", default=True),
        "user_id": F("many2one", "Salesperson", "res.users"),
        "company_id": F("many2one", "Company", "res.company"),
    }
    if major < 19:
        partner["mobile"] = F("char", "Mobile")
    add("res.partner", "Contact", partner, order="name, id", has_mail=True)
    add(
        "res.users",
        "User",
        {
            "name": F("char", "Name"),
            "login": F("char", "Login", required=True),
            "email": F("char", "Email"),
            "partner_id": F("many2one", "Related Partner", "res.partner", required=True),
            "active": F("boolean", "Active", default=True),
            "share": F("boolean", "Share User", readonly=True, default=False),
        },
        order="name, login",
    )
    add(
        "ir.model",
        "Models",
        {
            "name": F("char", "Model Description", required=True),
            "model": F("char", "Model", required=True),
            "transient": F("boolean", "Transient Model", default=False),
        },
        order="model",
        rec_name="name",
    )
    add(
        "ir.model.data",
        "Model Data",
        {
            "name": F("char", "External Identifier", required=True),
            "module": F("char", "Module", required=True),
            "model": F("char", "Model Name", required=True),
            "res_id": F("many2one_reference", "Record ID"),
        },
    )
    add(
        "ir.module.module",
        "Module",
        {
            "name": F("char", "Technical Name", required=True, readonly=True),
            "shortdesc": F("char", "Module Name", readonly=True),
            "state": F(
                "selection",
                "Status",
                readonly=True,
                selection=(
                    ("uninstallable", "Uninstallable"),
                    ("uninstalled", "Not Installed"),
                    ("installed", "Installed"),
                    ("to upgrade", "To be upgraded"),
                    ("to remove", "To be removed"),
                    ("to install", "To be installed"),
                ),
            ),
            "latest_version": F("char", "Installed Version", readonly=True),
            "installed_version": F("char", "Latest Version", readonly=True, store=False),
            "to_buy": F("boolean", "Odoo Enterprise Module", default=False),
            "license": F("selection", "License", readonly=True, selection=LICENSES),
            "application": F("boolean", "Application", readonly=True),
            "sequence": F("integer", "Sequence"),
        },
        order="application desc, sequence, name",
    )
    add(
        "mail.activity.type",
        "Activity Type",
        {
            "name": F("char", "Name", required=True),
            "summary": F("char", "Default Summary"),
            "sequence": F("integer", "Sequence"),
            "category": F(
                "selection",
                "Action",
                selection=(("default", "None"), ("upload_file", "Upload Document"), ("phonecall", "Phonecall")),
            ),
            # Odoo lists every mail.thread model here: the sandbox lists its own
            "res_model": F("selection", "Model", selection=tuple(sorted(THREAD_MODELS.items()))),
            "delay_count": F("integer", "Schedule"),
            "delay_unit": F(
                "selection",
                "Delay units",
                required=True,
                selection=(("days", "days"), ("weeks", "weeks"), ("months", "months")),
            ),
            "delay_from": F(
                "selection",
                "Delay Type",
                required=True,
                selection=(
                    ("current_date", "after completion date"),
                    ("previous_activity", "after previous activity deadline"),
                ),
            ),
            "default_user_id": F("many2one", "Default User", "res.users"),
            "icon": F("char", "Icon"),
            "decoration_type": F("selection", "Decoration Type", selection=(("warning", "Alert"), ("danger", "Error"))),
        },
        order="sequence, id",
    )
    add(
        "mail.activity",
        "Activity",
        {
            "res_model_id": F("many2one", "Document Model", "ir.model", required=True),
            "res_model": F("char", "Related Document Model", readonly=True),
            "res_id": F("many2one_reference", "Related Document ID"),
            "res_name": F("char", "Document Name", readonly=True),
            "activity_type_id": F("many2one", "Activity Type", "mail.activity.type"),
            "summary": F("char", "Summary"),
            "note": F("html", "Note"),
            "date_deadline": F("date", "Due Date", required=True),
            "user_id": F("many2one", "Assigned to", "res.users", required=True),
            "state": F(
                "selection",
                "State",
                readonly=True,
                store=False,
                selection=(("overdue", "Overdue"), ("today", "Today"), ("planned", "Planned"), ("done", "Done")),
            ),
        },
        order="date_deadline ASC, id ASC",
        rec_name="summary",
    )
    add(
        "mail.message",
        "Message",
        {
            "model": F("char", "Related Document Model"),
            "res_id": F("many2one_reference", "Related Document ID"),
            "body": F("html", "Contents"),
            "message_type": F(
                "selection",
                "Type",
                required=True,
                selection=(
                    ("email", "Incoming Email"),
                    ("comment", "Comment"),
                    ("notification", "System notification"),
                ),
            ),
            "subtype_xmlid": F("char", "Subtype", store=False),
            "author_id": F("many2one", "Author", "res.partner"),
            "email_from": F("char", "From"),
            "date": F("datetime", "Date"),
        },
        order="id desc",
        rec_name="body",
    )
    add(
        "mail.followers",
        "Document Followers",
        {
            "res_model": F("char", "Related Document Model Name", required=True),
            "res_id": F("many2one_reference", "Related Document ID"),
            "partner_id": F("many2one", "Related Partner", "res.partner", required=True),
        },
    )
    # ---------------------------------------------------------------- stock, sale, purchase, delivery
    add("uom.uom", "Product Unit of Measure", {"name": F("char", "Unit of Measure", required=True)})
    # Quantities are computed per call from stock.quant and open moves, in the warehouse or location the
    # call's context names (17 honours `warehouse`, 18 `warehouse_id`, both `location`: n20-n23).
    qty = {
        "qty_available": F("float", "Quantity On Hand", readonly=True, store=False),
        "free_qty": F("float", "Free To Use Quantity ", readonly=True, store=False),
        "virtual_available": F("float", "Forecasted Quantity", readonly=True, store=False),
        "incoming_qty": F("float", "Incoming", readonly=True, store=False),
        "outgoing_qty": F("float", "Outgoing", readonly=True, store=False),
    }
    if major >= 18:  # 18 has type consu/service/combo plus is_storable; 17 type + detailed_type (n24, n25)
        kinds: dict[str, F] = {
            "type": F(
                "selection",
                "Product Type",
                required=True,
                selection=(("consu", "Goods"), ("service", "Service"), ("combo", "Combo")),
                default="consu",
            ),
            "is_storable": F("boolean", "Track Inventory", default=False),
        }
    else:
        product_types = (("consu", "Consumable"), ("service", "Service"), ("product", "Storable Product"))
        kinds = {
            "type": F("selection", "Type", selection=product_types, default="consu"),
            "detailed_type": F("selection", "Product Type", required=True, selection=product_types, default="consu"),
        }
    add(
        "product.product",
        "Product",
        {
            "name": F("char", "Name", required=True),
            "default_code": F("char", "Internal Reference"),
            "uom_id": F("many2one", "Unit of Measure", "uom.uom", required=True, default=1),
            **kinds,
            **qty,
        },
        order="default_code, name, id",
    )
    add(
        "stock.location",
        "Inventory Locations",
        {
            "name": F("char", "Location Name", required=True),
            "location_id": F("many2one", "Parent Location", "stock.location"),
            "usage": F(
                "selection",
                "Location Type",
                required=True,
                selection=(
                    ("supplier", "Vendor Location"),
                    ("view", "View"),
                    ("internal", "Internal Location"),
                    ("customer", "Customer Location"),
                    ("inventory", "Inventory Loss"),
                    ("production", "Production"),
                    ("transit", "Transit Location"),
                ),
                default="internal",
            ),
            "warehouse_id": F("many2one", "Warehouse", "stock.warehouse", readonly=True),
        },
        rec_name="name",
    )
    add(
        "stock.warehouse",
        "Warehouse",
        {
            "name": F("char", "Warehouse", required=True),
            "code": F("char", "Short Name", required=True),
            "lot_stock_id": F("many2one", "Location Stock", "stock.location", required=True),
            "view_location_id": F("many2one", "View Location", "stock.location", required=True),
            "company_id": F("many2one", "Company", "res.company", required=True, readonly=True, default=1),
            "active": F("boolean", "Active", default=True),
        },
        order="sequence,id",
    )
    add(
        "stock.quant",
        "Quants",
        {
            "product_id": F("many2one", "Product", "product.product", required=True),
            "location_id": F("many2one", "Location", "stock.location", required=True),
            "warehouse_id": F("many2one", "Warehouse", "stock.warehouse", readonly=True, store=False),
            "company_id": F("many2one", "Company", "res.company", readonly=True, default=1),
            "quantity": F("float", "Quantity", readonly=True, default=0.0),
            "reserved_quantity": F("float", "Reserved Quantity", required=True, readonly=True, default=0.0),
            "available_quantity": F("float", "Available Quantity", readonly=True, store=False),
            "inventory_quantity": F("float", "Counted Quantity", default=0.0),
            "inventory_diff_quantity": F("float", "Difference", readonly=True, default=0.0),
            "inventory_quantity_set": F("boolean", "Inventory Quantity Set", default=False),
            "user_id": F("many2one", "Assigned To", "res.users"),
        },
    )
    add("crm.team", "Sales Team", {"name": F("char", "Sales Team", required=True)})
    add(
        "delivery.carrier",
        "Shipping Methods",
        {
            "name": F("char", "Delivery Method", required=True),
            "delivery_type": F(
                "selection",
                "Provider",
                required=True,
                selection=(("base_on_rule", "Based on Rules"), ("fixed", "Fixed Price")),
            ),
            "product_id": F("many2one", "Delivery Product", "product.product", required=True),
        },
    )
    add(
        "stock.picking",
        "Transfer",
        {
            "name": F("char", "Reference"),
            "origin": F("char", "Source Document"),
            "state": F(
                "selection",
                "Status",
                readonly=True,
                selection=(
                    ("draft", "Draft"),
                    ("waiting", "Waiting Another Operation"),
                    ("confirmed", "Waiting"),
                    ("assigned", "Ready"),
                    ("done", "Done"),
                    ("cancel", "Cancelled"),
                ),
            ),
            "picking_type_code": F(
                "selection",
                "Type of Operation",
                readonly=True,
                selection=(("incoming", "Receipt"), ("outgoing", "Delivery"), ("internal", "Internal Transfer")),
            ),
            "partner_id": F("many2one", "Contact", "res.partner"),
            "scheduled_date": F("datetime", "Scheduled Date"),
            "date_deadline": F("datetime", "Deadline", readonly=True),
            "date_done": F("datetime", "Date of Transfer"),
            "location_id": F("many2one", "Source Location", "stock.location", required=True),
            "location_dest_id": F("many2one", "Destination Location", "stock.location", required=True),
            "sale_id": F("many2one", "Sales Order", "sale.order"),
            "purchase_id": F("many2one", "Purchase Orders", "purchase.order", readonly=True),
            "move_ids": F("one2many", "Stock Moves", "stock.move", relation_field="picking_id"),
            "company_id": F("many2one", "Company", "res.company", readonly=True),
            "carrier_tracking_ref": F("char", "Tracking Reference"),
            "carrier_id": F("many2one", "Carrier", "delivery.carrier"),
            "carrier_tracking_url": F("char", "Tracking URL", readonly=True, store=False),
            "weight": F("float", "Weight", readonly=True),
            "shipping_weight": F("float", "Weight for Shipping"),
        },
        order="priority desc, scheduled_date asc, id desc",
        has_mail=True,
    )
    add(
        "stock.move",
        "Stock Move",
        {
            "name": F("char", "Description", required=True),
            "picking_id": F("many2one", "Transfer", "stock.picking"),
            "product_id": F("many2one", "Product", "product.product", required=True),
            "product_uom_qty": F("float", "Demand", required=True),
            "quantity": F("float", "Quantity"),
            "location_id": F("many2one", "Source Location", "stock.location", required=True),
            "location_dest_id": F("many2one", "Destination Location", "stock.location", required=True),
            "state": F(
                "selection",
                "Status",
                readonly=True,
                selection=(
                    ("draft", "New"),
                    ("waiting", "Waiting Another Move"),
                    ("confirmed", "Waiting Availability"),
                    ("partially_available", "Partially Available"),
                    ("assigned", "Available"),
                    ("done", "Done"),
                    ("cancel", "Cancelled"),
                ),
            ),
            "date_deadline": F("datetime", "Deadline", readonly=True),
        },
        order="sequence, id",
    )
    add(
        "sale.order",
        "Sales Order",
        {
            "name": F("char", "Order Reference", required=True),
            "state": F(
                "selection",
                "Status",
                readonly=True,
                selection=(
                    ("draft", "Quotation"),
                    ("sent", "Quotation Sent"),
                    ("sale", "Sales Order"),
                    ("cancel", "Cancelled"),
                ),
            ),
            "partner_id": F("many2one", "Customer", "res.partner", required=True),
            "partner_shipping_id": F("many2one", "Delivery Address", "res.partner", required=True),
            "client_order_ref": F("char", "Customer Reference"),
            "date_order": F("datetime", "Order Date", required=True),
            "commitment_date": F("datetime", "Delivery Date"),
            "picking_ids": F("one2many", "Transfers", "stock.picking", relation_field="sale_id"),
            "user_id": F("many2one", "Salesperson", "res.users"),
            "team_id": F("many2one", "Sales Team", "crm.team"),
            "amount_total": F("monetary", "Total", readonly=True),
            "currency_id": F("many2one", "Currency", "res.currency", readonly=True),
            "delivery_status": F(
                "selection",
                "Delivery Status",
                readonly=True,
                selection=(
                    ("pending", "Not Delivered"),
                    *((("started", "Started"),) if major >= 18 else ()),
                    ("partial", "Partially Delivered"),
                    ("full", "Fully Delivered"),
                ),
            ),
            "carrier_id": F("many2one", "Delivery Method", "delivery.carrier"),
        },
        order="date_order desc, id desc",
        has_mail=True,
    )
    add(
        "purchase.order",
        "Purchase Order",
        {
            "name": F("char", "Order Reference", required=True),
            "state": F(
                "selection",
                "Status",
                readonly=True,
                selection=(
                    ("draft", "RFQ"),
                    ("sent", "RFQ Sent"),
                    ("to approve", "To Approve"),
                    ("purchase", "Purchase Order"),
                    ("done", "Locked"),
                    ("cancel", "Cancelled"),
                ),
            ),
            "partner_id": F("many2one", "Vendor", "res.partner", required=True),
            "partner_ref": F("char", "Vendor Reference"),
            "date_order": F("datetime", "Order Deadline", required=True),
            "date_planned": F("datetime", "Expected Arrival"),
            "picking_ids": F("many2many", "Receptions", "stock.picking", readonly=True),
            "receipt_status": F(
                "selection",
                "Receipt Status",
                readonly=True,
                selection=(("pending", "Not Received"), ("partial", "Partially Received"), ("full", "Fully Received")),
            ),
            "origin": F("char", "Source Document"),
            "amount_total": F("monetary", "Total", readonly=True),
        },
        order="priority desc, id desc",
        has_mail=True,
    )
    # ---------------------------------------------------------------- helpdesk
    if edition == "community":
        add(
            "helpdesk.ticket.team",
            "Helpdesk Ticket Team",
            {
                "name": F("char", "Name", required=True),
                "user_ids": F("many2many", "Members", "res.users"),
                "active": F("boolean", "Active", default=True),
                "company_id": F("many2one", "Company", "res.company"),
            },
            order="sequence, id",
            has_mail=True,
        )
        add(
            "helpdesk.ticket.tag",
            "Helpdesk Ticket Tag",
            {
                "name": F("char", "Name"),
                "color": F("integer", "Color Index"),
                "active": F("boolean", "Active", default=True),
            },
            order="sequence, id",
        )
        add(
            "helpdesk.ticket.category",
            "Helpdesk Ticket Category",
            {
                "name": F("char", "Name", required=True),
                "active": F("boolean", "Active", default=True),
            },
            order="sequence, id",
        )
        add(
            "helpdesk.ticket.stage",
            "Helpdesk Ticket Stage",
            {
                "name": F("char", "Stage Name", required=True),
                "sequence": F("integer", "Sequence"),
                "closed": F("boolean", "Closed"),
                "unattended": F("boolean", "Unattended"),
                "fold": F("boolean", "Folded in Kanban"),
            },
            order="sequence, id",
        )
        add(
            "helpdesk.ticket",
            "Helpdesk Ticket",
            {
                "number": F("char", "Ticket number", readonly=True),
                "name": F("char", "Title", required=True),
                "description": F("html", "Description", required=True),
                "user_id": F("many2one", "Assigned user", "res.users"),
                "stage_id": F("many2one", "Stage", "helpdesk.ticket.stage"),
                "partner_id": F("many2one", "Contact", "res.partner"),
                "partner_name": F("char", "Partner Name"),
                "partner_email": F("char", "Email"),
                "closed": F("boolean", "Closed", readonly=True, store=False),
                "tag_ids": F("many2many", "Tags", "helpdesk.ticket.tag"),
                "company_id": F("many2one", "Company", "res.company", required=True),
                "category_id": F("many2one", "Category", "helpdesk.ticket.category"),
                "team_id": F("many2one", "Team", "helpdesk.ticket.team"),
                "priority": F(
                    "selection",
                    "Priority",
                    selection=(("0", "Low"), ("1", "Medium"), ("2", "High"), ("3", "Very High")),
                    default="1",
                ),
                "kanban_state": F(
                    "selection",
                    "Kanban State",
                    selection=(("normal", "Default"), ("done", "Ready for next stage"), ("blocked", "Blocked")),
                    default="normal",
                ),
                "active": F("boolean", "Active", default=True),
            },
            order="priority desc, number desc, id desc",
            has_mail=True,
        )
    else:
        add(
            "helpdesk.team",
            "Helpdesk Team",
            {
                "name": F("char", "Helpdesk Team", required=True),
                "member_ids": F("many2many", "Team Members", "res.users"),
                "active": F("boolean", "Active", default=True),
                "company_id": F("many2one", "Company", "res.company", required=True),
            },
            order="sequence,id",
            has_mail=True,
        )
        add(
            "helpdesk.tag",
            "Helpdesk Tags",
            {
                "name": F("char", "Tag Name", required=True),
                "color": F("integer", "Color"),
            },
            order="name",
        )
        add(
            "helpdesk.stage",
            "Helpdesk Stage",
            {
                "name": F("char", "Stage Name", required=True),
                "sequence": F("integer", "Sequence"),
                "fold": F("boolean", "Folded in Kanban"),
            },
            order="sequence, id",
        )
        add(
            "helpdesk.ticket",
            "Helpdesk Ticket",
            {
                "ticket_ref": F("char", "Ticket IDs Sequence", readonly=True),
                "name": F("char", "Subject", required=True),
                "description": F("html", "Description"),
                "team_id": F("many2one", "Helpdesk Team", "helpdesk.team"),
                "user_id": F("many2one", "Assigned to", "res.users"),
                "stage_id": F("many2one", "Stage", "helpdesk.stage"),
                "partner_id": F("many2one", "Customer", "res.partner"),
                "partner_name": F("char", "Customer Name"),
                "partner_email": F("char", "Customer Email"),
                "tag_ids": F("many2many", "Tags", "helpdesk.tag"),
                "company_id": F("many2one", "Company", "res.company", readonly=True),
                "priority": F(
                    "selection",
                    "Priority",
                    selection=(
                        ("0", "Low priority"),
                        ("1", "Medium priority"),
                        ("2", "High priority"),
                        ("3", "Urgent"),
                    ),
                    default="0",
                ),
                "kanban_state": F(
                    "selection",
                    "Status",
                    selection=(("normal", "Grey"), ("done", "Green"), ("blocked", "Red")),
                    default="normal",
                ),
                "active": F("boolean", "Active", default=True),
            },
            order="priority desc, id desc",
            has_mail=True,
        )
        add(
            "approval.category",
            "Approval Category",
            {
                "name": F("char", "Name", required=True),
                "has_amount": F(
                    "selection",
                    "Has Amount",
                    required=True,
                    selection=(("required", "Required"), ("optional", "Optional"), ("no", "None")),
                    default="optional",
                ),
                "approval_minimum": F("integer", "Minimum Approval"),
                "active": F("boolean", "Active", default=True),
            },
            order="sequence, id",
        )
        add(
            "approval.request",
            "Approval Request",
            {
                "name": F("char", "Approval Subject", required=True),
                "category_id": F("many2one", "Category", "approval.category", required=True),
                "request_owner_id": F("many2one", "Request Owner", "res.users"),
                "request_status": F(
                    "selection",
                    "Request Status",
                    readonly=True,
                    selection=(
                        ("new", "To Submit"),
                        ("pending", "Submitted"),
                        ("approved", "Approved"),
                        ("refused", "Refused"),
                        ("cancel", "Cancel"),
                    ),
                    default="new",
                ),
                "amount": F("float", "Amount"),
                "reason": F("html", "Description"),
                "partner_id": F("many2one", "Contact", "res.partner"),
                "reference": F("char", "Reference"),
                "company_id": F("many2one", "Company", "res.company"),
            },
            order="name",
            has_mail=True,
        )
    return {s.name: s for s in specs}


def fields_get(
    spec: ModelSpec, major: int, allfields: list[str] | None, attributes: list[str] | None
) -> dict[str, Any]:
    """The `fields_get` answer: full descriptions, or only the asked attributes (as Odoo does)."""
    out: dict[str, Any] = {}
    for name, f in spec.fields.items():
        if allfields and name not in allfields:
            continue
        desc: dict[str, Any] = {
            "change_default": False,
            "company_dependent": False,
            "default_export_compatible": False,
            "depends": [],
            "exportable": True,
            "manual": False,
            "name": name,
            "readonly": f.readonly,
            "required": f.required,
            "searchable": f.store,
            "sortable": f.store and f.type not in ("one2many", "many2many", "html"),
            "store": f.store,
            "string": f.string,
            "type": f.type,
        }
        if major >= 18:
            desc["groupable"] = f.store and f.type not in ("one2many", "many2many", "html", "text")
        if f.type in ("char", "text", "html"):
            desc["translate"] = False
            if f.type == "char":
                desc["trim"] = True
        if f.relation:
            desc["relation"] = f.relation
            desc["context"] = {}
            desc["domain"] = []
            if major >= 18:
                desc["allow_hierachy_operators"] = f.relation == spec.name
        if f.relation_field:
            desc["relation_field"] = f.relation_field
        if f.selection is not None:
            desc["selection"] = [list(s) for s in f.selection]
        if attributes:
            desc = {k: v for k, v in desc.items() if k in attributes}
        out[name] = desc
    return out
