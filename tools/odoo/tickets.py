"""Read-only: is a helpdesk ticket still open? (for `triage reconcile`'s ticket_unresolved rule)

OCA helpdesk_mgmt marks a closing stage with `closed` (helpdesk.ticket.stage); Enterprise helpdesk
folds its closing stages (`fold` on helpdesk.stage). The ticket is read through the gateway, so the
allow-list applies; nothing here writes.
"""

from __future__ import annotations

from collections.abc import Sequence

from tools.odoo.gateway import OdooGateway


def _id(value: object) -> int | None:
    if isinstance(value, list | tuple) and value:
        return int(value[0])
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


class OdooTicketStates:
    def __init__(self, gateway: OdooGateway) -> None:
        self.gateway = gateway

    def open_tickets(self, ticket_ids: Sequence[int]) -> dict[int, bool]:
        """ticket id -> True while its stage is not a closing one; tickets that no longer exist are left out."""
        if not ticket_ids:
            return {}
        gw = self.gateway
        fm = gw.fieldmap
        stage_model, closed_field = (
            ("helpdesk.ticket.stage", "closed") if fm.helpdesk == "oca" else ("helpdesk.stage", "fold")
        )
        tickets = gw.read(fm.ticket_model, sorted(set(int(i) for i in ticket_ids)), ["stage_id"])
        stage_ids = sorted({s for s in (_id(r.get("stage_id")) for r in tickets) if s is not None})
        closed = {int(s["id"]): bool(s.get(closed_field)) for s in gw.read(stage_model, stage_ids, [closed_field])}
        return {int(r["id"]): not closed.get(_id(r.get("stage_id")) or 0, False) for r in tickets}
