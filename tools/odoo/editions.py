"""Field maps per Helpdesk edition (Enterprise `helpdesk`, OCA `helpdesk_mgmt`) and Odoo version (17, 18, 19).

The outbox payloads are edition-neutral (team name, tag names, priority P1-P4 ...); the gateway turns
them into the values of the Odoo it talks to through one `FieldMap`. Facts behind each entry:
- OCA helpdesk_mgmt 17.0.1.11 / 18.0.1.19 (recorded): team model `helpdesk.ticket.team`, tags
  `helpdesk.ticket.tag`, `description` is a required HTML field, number field `number` (HT00001),
  priority selection 0 Low / 1 Medium / 2 High / 3 Very High.
- Enterprise helpdesk 17/18/19: team `helpdesk.team`, tags `helpdesk.tag`, stage `helpdesk.stage`,
  `description` optional HTML, reference `ticket_ref`, priority 0 Low / 1 Medium / 2 High / 3 Urgent.
- Enterprise approvals: `approval.request` (name, category_id required, amount, reason HTML,
  partner_id, request_status new/pending/...), submitted with `action_confirm`; `approval.category`.
- Access checks: `check_access_rights(op, raise_exception=False)` on 17 (recorded); 18 deprecates it
  in favour of `has_access(op)` (recorded on 18), 19 keeps only `has_access`.
- res.partner `mobile` was removed in 19 (phone only); stock.picking `origin` on 18 is
  "S00001 - <client ref>", so orders are matched through `sale_id.name`/`purchase_id.name` on all
  versions and `origin ilike` as a fallback (never `origin =`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Helpdesk = Literal["enterprise", "oca", "none"]

PRIORITY_TO_ODOO: dict[str, str] = {"P1": "3", "P2": "2", "P3": "1", "P4": "0"}
SUPPORTED_MAJORS = (17, 18, 19)


@dataclass(frozen=True)
class FieldMap:
    helpdesk: Helpdesk
    major: int
    ticket_model: str = "helpdesk.ticket"
    team_model: str = "helpdesk.ticket.team"
    tag_model: str = "helpdesk.ticket.tag"
    ticket_number_field: str = "number"
    description_required: bool = True
    approval_model: str = "approval.request"
    approval_category_model: str = "approval.category"
    approval_submit_method: str = "action_confirm"
    approval_status_field: str = "request_status"
    rights_method: Literal["check_access_rights", "has_access"] = "check_access_rights"
    partner_fields: tuple[str, ...] = field(
        default=(
            "name",
            "display_name",
            "is_company",
            "type",
            "parent_id",
            "commercial_partner_id",
            "child_ids",
            "category_id",
            "email",
            "phone",
            "mobile",
            "street",
            "city",
            "zip",
            "country_id",
            "ref",
            "function",
            "lang",
            "active",
        )
    )

    def ticket_values(
        self,
        *,
        name: str,
        description: str,
        team_id: int | None,
        partner_id: int | None,
        priority: str,
        tag_ids: list[int],
        user_id: int | None = None,
    ) -> dict[str, object]:
        vals: dict[str, object] = {"name": name, "description": description}
        if team_id:
            vals["team_id"] = team_id
        if partner_id:
            vals["partner_id"] = partner_id
        vals["priority"] = PRIORITY_TO_ODOO.get(priority, "1")
        if tag_ids:
            vals["tag_ids"] = [[6, 0, sorted(tag_ids)]]
        if user_id:
            vals["user_id"] = user_id
        return vals

    def approval_values(
        self,
        *,
        name: str,
        category_id: int,
        reason: str,
        amount: float | None,
        partner_id: int | None,
    ) -> dict[str, object]:
        vals: dict[str, object] = {"name": name, "category_id": category_id, "reason": reason}
        if amount is not None:
            vals["amount"] = float(amount)
        if partner_id:
            vals["partner_id"] = partner_id
        return vals


def field_map(helpdesk: Helpdesk, major: int) -> FieldMap:
    """The field map for a detected edition and server major version (17, 18, 19; others: nearest)."""
    major = min(max(major, SUPPORTED_MAJORS[0]), SUPPORTED_MAJORS[-1]) if major else SUPPORTED_MAJORS[0]
    rights: Literal["check_access_rights", "has_access"] = "check_access_rights" if major <= 17 else "has_access"
    base = FieldMap(helpdesk=helpdesk, major=major, rights_method=rights)
    if major >= 19:
        base = _replace(base, partner_fields=tuple(f for f in base.partner_fields if f != "mobile"))
    if helpdesk == "enterprise":
        return _replace(
            base,
            team_model="helpdesk.team",
            tag_model="helpdesk.tag",
            ticket_number_field="ticket_ref",
            description_required=False,
        )
    return base


def _replace(fm: FieldMap, **changes: object) -> FieldMap:
    from dataclasses import replace

    return replace(fm, **changes)  # type: ignore[arg-type]


def helpdesk_from_modules(installed: set[str]) -> Helpdesk:
    """Enterprise `helpdesk` wins when both are installed (helpdesk_mgmt on Enterprise is unusual)."""
    if "helpdesk" in installed:
        return "enterprise"
    if "helpdesk_mgmt" in installed:
        return "oca"
    return "none"


def major_from_version(server_version: str) -> int:
    """'17.0-20240709' -> 17, 'saas~17.4' -> 17, '18.0-sandbox' -> 18."""
    digits = ""
    for ch in server_version.replace("saas~", ""):
        if ch.isdigit():
            digits += ch
        elif digits:
            break
    return int(digits) if digits else 0
