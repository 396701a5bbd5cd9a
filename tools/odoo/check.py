"""`triage odoo check`: connect without writing and say what the product will be able to do.

The connection is read-only (the allow-list refuses every write), so running it is always safe.
"""

from __future__ import annotations

from typing import Any

from agents.state import REASON_CODES
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
        "warnings": [],
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
    _real_odoo_needs(gw, report, options, info.helpdesk != "none")
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


# ---------------------------------------------------------------------- what a real Odoo needs (issue 13)
# Each check reads only; each problem says what to do. A check that cannot run says so instead of
# stopping the others.


def _real_odoo_needs(gw: OdooGateway, report: dict[str, Any], options: OdooOptions, helpdesk: bool) -> None:
    for check in (_integration_user_email, _tags, _account_managers, _partner_tiers):
        try:
            check(gw, report, options, helpdesk)
        except OdooError as exc:
            report["warnings"].append(f"Could not check {check.__name__.strip('_').replace('_', ' ')}: "
                                      f"{exc.info.message}")


def _integration_user_email(gw: OdooGateway, report: dict[str, Any], options: OdooOptions, helpdesk: bool) -> None:
    """Odoo refuses every note and every activity for someone else from a user without an e-mail."""
    uid = gw.info.uid if gw.info is not None else 0
    rows = gw.read("res.users", [uid], ["email"]) if uid else []
    report["user_email"] = bool(rows and rows[0].get("email"))
    if not report["user_email"]:
        report["problems"].append(
            f"The integration user {gw.target.login!r} has no e-mail address: Odoo refuses its chatter notes and "
            "activities (\"Unable to send message, please configure the sender's email address.\"). Set an e-mail "
            "address on the user in Odoo (Settings > Users & Companies > Users), then re-send failed actions with "
            "`triage outbox retry --all-failed`."
        )


def _tags(gw: OdooGateway, report: dict[str, Any], options: OdooOptions, helpdesk: bool) -> None:
    """Ticket tags for the reason codes and the carriers named by ODOO_CARRIER_TAGS (the product never creates tags)."""
    if not helpdesk:
        return
    reasons = [c for c in REASON_CODES if c != "no_exception"]
    wanted = [*reasons, *options.carrier_tags]
    rows = gw.search_read(gw.fieldmap.tag_model, [["name", "in", wanted]], ["name"])
    found = {str(r["name"]) for r in rows}
    missing_reasons = [c for c in reasons if c not in found]
    missing_carriers = [c for c in options.carrier_tags if c not in found]
    report["missing_tags"] = {"reasons": missing_reasons, "carriers": missing_carriers}
    if missing_reasons:
        report["problems"].append(
            f"Helpdesk tags missing for the reason codes {', '.join(missing_reasons)}: create tags with exactly "
            f"these names in Helpdesk > Configuration > Tags ({gw.fieldmap.tag_model}); until then tickets "
            "carry no reason tag."
        )
    if missing_carriers:
        report["problems"].append(
            f"Helpdesk tags missing for the carriers named in ODOO_CARRIER_TAGS: {', '.join(missing_carriers)}: "
            "create them in Helpdesk > Configuration > Tags, or remove them from ODOO_CARRIER_TAGS."
        )


def _account_managers(gw: OdooGateway, report: dict[str, Any], options: OdooOptions, helpdesk: bool) -> None:
    """The account managers (logins) named by ODOO_ACCOUNT_MANAGERS, and the escalation team lead."""
    logins = list(options.account_managers)
    if options.team_lead_login.strip():
        logins.append(options.team_lead_login.strip())
    if not logins:
        return
    rows = gw.search_read("res.users", [["login", "in", logins]], ["login"])
    found = {str(r["login"]) for r in rows}
    missing = [login for login in logins if login not in found]
    if missing:
        report["problems"].append(
            f"Users not found in Odoo: {', '.join(missing)} (named by ODOO_ACCOUNT_MANAGERS / ODOO_TEAM_LEAD_LOGIN): "
            "create them as internal users, or correct the logins in the settings."
        )


def _partner_tiers(gw: OdooGateway, report: dict[str, Any], options: OdooOptions, helpdesk: bool) -> None:
    """Triage reads the customer tier from partner tags named "<ODOO_TIER_PREFIX> <tier>": warn when it cannot."""
    prefix = options.tier_prefix
    try:
        rows = gw.search_read("res.partner.category", [["name", "=ilike", f"{prefix}%"]], ["name"])
    except OdooError as exc:
        report["warnings"].append(
            f"Partner tiers cannot be read ({exc.info.code}): give the integration user read access to contact tags "
            "(Contacts / Sales rights); until then priorities ignore the customer tier."
        )
        return
    if not rows:
        report["warnings"].append(
            f"No partner tag starts with {prefix!r}: tag key customers (e.g. '{prefix} gold') or set "
            "ODOO_TIER_PREFIX; until then priorities ignore the customer tier."
        )
