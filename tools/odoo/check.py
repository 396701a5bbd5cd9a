"""`triage odoo check`: connect without writing and say what the product will be able to do.

The connection is read-only (the allow-list refuses every write), so running it is always safe.
"""

from __future__ import annotations

from typing import Any

from tools.odoo.config import OdooOptions, OdooTarget
from tools.odoo.errors import OdooError
from tools.odoo.gateway import OdooGateway

WRITE_MODELS = ("helpdesk.ticket", "mail.activity", "mail.message", "approval.request")


def run_check(settings: Any, options: OdooOptions | None = None, gateway: OdooGateway | None = None) -> dict[str, Any]:
    """One JSON-able report: server_version, helpdesk, approvals, rights, problems (for a person)."""
    options = options or OdooOptions()
    report: dict[str, Any] = {
        "ok": False,
        "configured": False,
        "url": None,
        "db": None,
        "user": None,
        "connected": False,
        "sandbox": False,
        "server_version": None,
        "version": None,
        "helpdesk": "none",
        "approvals": False,
        "carrier_tracking": False,
        "rights": {},
        "problems": [],
        "notes": [],
    }
    problems: list[str] = report["problems"]
    notes: list[str] = report["notes"]
    try:
        target = gateway.target if gateway is not None else OdooTarget.from_settings(settings, options)
    except OdooError as exc:
        problems.append(exc.info.message)
        return report
    if target is None:
        problems.append("No Odoo is configured: set ODOO_URL, ODOO_DB, ODOO_USER and ODOO_PASSWORD or ODOO_API_KEY.")
        return report
    report.update(configured=True, url=target.url, db=target.db, user=target.login)
    gw = gateway or OdooGateway(target, read_only=True)
    gw.allowlist.read_only = True
    try:
        info = gw.connect()
    except OdooError as exc:
        problems.append(f"Cannot connect: {exc.info.message}")
        report["error_code"] = exc.info.code
        return report
    report.update(
        connected=True,
        sandbox=info.sandbox,
        server_version=info.server_version,
        version=info.major,
        helpdesk=info.helpdesk,
        approvals=info.approvals,
        carrier_tracking=info.carrier_tracking,
        modules=info.modules,
    )
    if info.sandbox:
        notes.append("This is the Odoo SANDBOX (an emulator), not a real Odoo.")
    if info.major and info.major not in (17, 18, 19):
        problems.append(f"Odoo {info.server_version} is not a tested version (17, 18, 19): check the field mapping.")
    if info.helpdesk == "none":
        problems.append(
            "No helpdesk module is installed: install Helpdesk (Enterprise) or helpdesk_mgmt (OCA) to get tickets."
        )
    if not info.carrier_tracking:
        notes.append("The delivery module is not installed: transfers cannot be found by carrier tracking number.")

    try:
        _rights(gw, report, info.approvals)
        _setup(gw, report, options, info.helpdesk != "none", info.approvals)
    except OdooError as exc:
        problems.append(f"Check stopped: {exc.info.message}")
    report["ok"] = not problems
    return report


def _rights(gw: OdooGateway, report: dict[str, Any], approvals: bool) -> None:
    problems: list[str] = report["problems"]
    for model in WRITE_MODELS:
        if model == "approval.request" and not approvals:
            report["rights"][model] = {"create": None}
            continue
        if model.startswith("helpdesk.") and gw.info is not None and gw.info.helpdesk == "none":
            report["rights"][model] = {"create": None}
            continue
        allowed = gw.can(model, "create")
        report["rights"][model] = {"create": allowed}
        if allowed is False:
            problems.append(
                f"The user {gw.target.login!r} may not create {model} records: add the group in docs/ODOO.md."
            )


def _setup(gw: OdooGateway, report: dict[str, Any], options: OdooOptions, helpdesk: bool, approvals: bool) -> None:
    problems: list[str] = report["problems"]
    notes: list[str] = report["notes"]
    if helpdesk:
        if gw.team_id(options.helpdesk_team) is None:
            problems.append(f"Helpdesk team {options.helpdesk_team!r} not found: create it or set ODOO_HELPDESK_TEAM.")
        if not approvals and gw.team_id(options.approvals_team) is None:
            problems.append(
                f"Approvals is not installed and the helpdesk team {options.approvals_team!r} (where approval "
                "requests then go as tickets) was not found: create it or set ODOO_APPROVALS_TEAM."
            )
    if approvals:
        for kind, name in options.approval_categories.items():
            if gw.approval_category_id(name) is None:
                problems.append(
                    f"Approval category {name!r} (for {kind}) not found: create it in Approvals or map it with "
                    "ODOO_APPROVAL_CATEGORIES."
                )
    if gw.user_id(options.supervisor_login) is None:
        problems.append(f"Supervisor user {options.supervisor_login!r} not found: set ODOO_SUPERVISOR_LOGIN.")
    report["accounting_user"] = options.accounting_login
    if gw.user_id(options.accounting_login) is None:
        problems.append(
            f"Accounting user {options.accounting_login!r} not found: approved credits and write-offs could not be "
            "announced to Accounting. Create the user or set ODOO_ACCOUNTING_LOGIN."
        )
    if gw.can("stock.quant", "read") is False:
        notes.append(
            f"The user {gw.target.login!r} may not read stock.quant: replacement stock in other warehouses shows as "
            "'stock unknown' (give it Inventory / User)."
        )
    if gw.xmlid("mail", "mail_activity_data_todo") is None:
        notes.append("Activity type mail.mail_activity_data_todo not found: activities are created without a type.")
    ticket_model = gw.fieldmap.ticket_model
    if helpdesk and gw.model_id(ticket_model) is None:
        notes.append(
            "The user may not read ir.model: activities are created through Odoo's default_res_model context instead."
        )
