"""What gets created in Odoo for one approved case, as outbox items (edition-neutral, JSON-able).

One case gives:
- `ticket`: the helpdesk ticket (team, customer, priority, tags for reason and carrier, HTML
  description with summary, references, evidence, redacted message and a link back to the case);
  for a follow-up message about an open case's shipment, a `note` on that case's ticket instead;
- `approval` per approval asked for (approval.request where Approvals is installed, else a ticket in
  the approvals team with an activity for the supervisor: the dispatcher decides at send time);
- `activity` per scheduled activity (for the assignee, else the customer's account manager);
- `note` per draft customer update: the approved text (`Proposal.customer_draft`), an internal note
  marked "Draft, not sent" (nothing is e-mailed to the customer);
- `accounting` per approved credit or write-off: an activity on the case's ticket for Accounting
  (ODOO_ACCOUNTING_LOGIN) with the amount, the reason and the order.
Approvals carry the case's replacement-stock check (warehouses, free quantities, when read, the
transfer) when there was one.

Every item carries its idempotency key and the marker derived from it. The marker is
`[triage:<24 hex>]`: no `_` or `%` (wildcards in Odoo's ilike, see recordings x10/x11), fixed length
(no marker is a prefix of another), lower-case hex compared exactly on the search results.
"""

from __future__ import annotations

import hashlib
import html
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agents.state import ApprovalKind, Priority, Proposal, ProposedAction, ReasonCode, Reference

OutboxKind = Literal["ticket", "approval", "activity", "note", "accounting"]
MAX_MESSAGE_CHARS = 20_000

REASON_LABELS: dict[str, str] = {
    "weather": "Weather",
    "equipment_failure": "Equipment failure",
    "customs_hold": "Customs hold",
    "address_issue": "Address issue",
    "recipient_unavailable": "Recipient unavailable",
    "delivery_refused": "Delivery refused",
    "damaged": "Damaged",
    "lost": "Lost",
    "capacity_delay": "Capacity delay",
    "external_disruption": "External disruption",
    "customer_request": "Customer request",
    "no_exception": "No exception",
}
APPROVAL_LABELS: dict[str, str] = {
    "reroute": "Reroute",
    "expedite": "Expedite",
    "credit": "Credit",
    "write_off": "Write-off",
    "ship_from": "Ship from another warehouse",
}
ACCOUNTING_KINDS = ("credit", "write_off")  # approved, these tell Accounting
ACTIVITY_DEADLINE_DAYS: dict[str, int] = {"P1": 0, "P2": 1, "P3": 2, "P4": 5}
# Reference kinds that identify a shipment (dates and places do not).
SHIPMENT_REFERENCE_KINDS = frozenset(
    {"tracking", "container", "bol", "awb", "pro", "po", "sale_order", "transfer", "booking", "customs_entry"}
)


class DispatchCase(BaseModel):
    """The case facts a dispatch needs; redacted text only."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case_id: str
    case_url: str
    summary: str
    reason: ReasonCode | None = None
    evidence: str = ""
    references: list[Reference] = Field(default_factory=list)
    redacted_text: str = ""
    carrier: str | None = None
    carrier_tag: str | None = None  # the carrier's helpdesk tag from the alias table (policies/carriers.yaml)
    customer_partner_id: int | None = None
    # Who the ERP partner is: the customer (a sale, an outgoing transfer) or the vendor (a purchase
    # receipt), its company name when it is a company, and how it was matched (reference, e-mail domain...).
    partner_role: Literal["customer", "vendor"] = "customer"
    partner_name: str | None = None
    partner_match: str | None = None
    priority: Priority = "P3"
    approvals_needed: list[ApprovalKind] = Field(default_factory=list)
    # Idempotency key of the ticket of an open case about the same shipment: set for a follow-up
    # message, which then becomes a chatter note on that ticket instead of a new ticket.
    open_ticket_key: str | None = None
    order_name: str | None = None  # the ERP order (S00002), for Accounting
    stock: dict[str, Any] | None = None  # the replacement-stock check of the ERP context


class OutboxItem(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    idempotency_key: str = Field(max_length=80)
    kind: OutboxKind
    payload: dict[str, Any]

    @property
    def marker(self) -> str:
        return str(self.payload["marker"])

    @property
    def parent_key(self) -> str | None:
        value = self.payload.get("parent_key")
        return str(value) if value else None


def marker_for(idempotency_key: str) -> str:
    """The marker written into the Odoo record: unambiguous under ilike, verified exactly."""
    return f"[triage:{hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]}]"


def ticket_key(case_id: str) -> str:
    return f"{case_id}:ticket"


def normalise_reference(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())


def shipment_keys(references: list[Reference]) -> set[str]:
    return {normalise_reference(r.value) for r in references if r.kind in SHIPMENT_REFERENCE_KINDS and r.value}


# ---------------------------------------------------------------------- HTML


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


_RULE_ID = re.compile(r"\s*\(?\brule [a-z0-9_]+\)?")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
TITLE_WHAT_CHARS = 70
# The primary reference with the words that only introduce it ("for AWB 057-...", "shipment 1Z..."):
# the title names the reference already, before the dash.
_REF_PHRASE = (
    r"\s*(?<!\w)(?:(?:for|of|on|to|with|about)\s+)?(?:the\s+)?"
    r"(?:shipment\s+)?(?:awb|tracking(?:\s+number)?|container|transfer|order|bol|pro|shipment)?\s*(?:no\.?\s*|#\s*)?{ref}(?!\w)"
)


def without_rule_ids(text: str) -> str:
    """Text for Odoo without the policy rule ids ("(rule credit_for_damage)"): those stay in the audit trail."""
    return " ".join(_RULE_ID.sub("", text or "").split())


def _primary_reference(case: DispatchCase) -> str | None:
    order = ["tracking", "awb", "container", "bol", "pro", "transfer", "sale_order", "po", "booking", "customs_entry"]
    for kind in order:
        for ref in case.references:
            if ref.kind == kind:
                return ref.value
    return None


def unique_references(references: list[Reference]) -> list[Reference]:
    """Each reference once: the same value found twice (as an AWB and a tracking number, or twice in
    the thread) is listed under its first kind."""
    seen: set[str] = set()
    out: list[Reference] = []
    for ref in references:
        key = normalise_reference(ref.value) or ref.value
        if key in seen:
            continue
        seen.add(key)
        out.append(ref)
    return out


def partner_line(case: DispatchCase) -> str:
    """Who the ERP partner is, in words: the vendor of a purchase receipt is not "the customer"."""
    if case.customer_partner_id is None and not case.partner_name:
        return ""
    role = "Vendor (purchase receipt)" if case.partner_role == "vendor" else "Customer"
    name = case.partner_name or f"partner {case.customer_partner_id}"
    how = f" &middot; matched by {_e(case.partner_match)}" if case.partner_match else ""
    return f"<p><b>{role}:</b> {_e(name)}{how}</p>"


def case_block(case: DispatchCase, approved: Proposal, heading: str) -> str:
    """The case as HTML: summary, facts, references (once), evidence, redacted message, link back."""
    reason = approved.reason or case.reason
    parts = [f"<p><b>{_e(heading)}</b></p>", f"<p><b>Summary:</b> {_e(approved.summary or case.summary)}</p>"]
    facts = [f"<b>Reason:</b> {_e(REASON_LABELS.get(reason or '', 'unclassified'))}"]
    facts.append(f"<b>Priority:</b> {_e(approved.priority)}")
    if case.carrier:
        facts.append(f"<b>Carrier:</b> {_e(case.carrier)}")
    parts.append("<p>" + " &middot; ".join(facts) + "</p>")
    parts.append(partner_line(case))
    refs = unique_references(case.references)
    if refs:
        items = "".join(f"<li>{_e(r.kind)}: {_e(r.value)}</li>" for r in refs)
        parts.append(f"<p><b>References</b></p><ul>{items}</ul>")
    if case.evidence:
        parts.append(f"<p><b>Evidence</b></p><blockquote>{_e(case.evidence)}</blockquote>")
    if case.redacted_text:
        text = case.redacted_text
        if len(text) > MAX_MESSAGE_CHARS:
            text = text[:MAX_MESSAGE_CHARS] + "\n[... cut; the whole message is in the case]"
        parts.append(f"<p><b>Message (redacted)</b></p><pre>{_e(text)}</pre>")
    parts.append(f'<p><a href="{_e(case.case_url)}">Open case {_e(case.case_id)} in Exception Triage</a></p>')
    return "".join(parts)


def short_what(case: DispatchCase, approved: Proposal, ref: str | None) -> str:
    """What happened, short: the summary's first sentence without the reference, else the evidence."""
    for source in (approved.summary or case.summary, case.evidence):
        text = " ".join((source or "").split())
        if not text:
            continue
        first = _SENTENCE_END.split(text, maxsplit=1)[0].rstrip(".")
        if ref:
            first = re.sub(_REF_PHRASE.format(ref=re.escape(ref)), "", first, flags=re.I)
        first = " ".join(first.split()).strip(" ,;:-")
        if first[:1].islower():  # the reference was the sentence's subject: "is damaged" -> "Shipment is damaged"
            first = f"Shipment {first}"
        if first:
            return first if len(first) <= TITLE_WHAT_CHARS else first[: TITLE_WHAT_CHARS - 3].rstrip() + "..."
    return "shipment exception"


def _title(case: DispatchCase, approved: Proposal) -> str:
    """`<Reason>: <primary reference> - <short what>` (no action titles, no rule ids)."""
    reason = approved.reason or case.reason
    label = REASON_LABELS.get(reason or "", "Exception")
    ref = _primary_reference(case)
    what = short_what(case, approved, ref)
    return f"{label}: {ref} - {what}" if ref else f"{label}: {what}"


# ---------------------------------------------------------------------- items


def build_outbox_items(case: DispatchCase, approved: Proposal) -> list[OutboxItem]:
    """The outbox items for an approved proposal; deterministic (same input -> same keys and payloads)."""
    items: list[OutboxItem] = []
    tags = [t for t in (approved.reason or case.reason, case.carrier_tag) if t]
    open_ticket = next((a for a in approved.actions if a.kind == "open_ticket"), None)

    if case.open_ticket_key:
        key = f"{case.case_id}:followup"
        marker = marker_for(key)
        changed = "".join(f"<li>{_e(line)}</li>" for line in approved.what_changed)
        changed = f"<p><b>What changed</b></p><ul>{changed}</ul>" if changed else ""
        body = changed + case_block(case, approved, "Follow-up message about this shipment") + f"<p>{marker}</p>"
        items.append(_item(key, "note", {"body": body, "parent_key": case.open_ticket_key}))
        parent = case.open_ticket_key
    else:
        key = ticket_key(case.case_id)
        marker = marker_for(key)
        description = case_block(case, approved, "Shipment exception")
        detail = without_rule_ids(open_ticket.detail) if open_ticket else ""
        if detail:
            description = f"<p>{_e(detail)}</p>" + description
        items.append(
            _item(
                key,
                "ticket",
                {
                    "name": f"{_title(case, approved)} {marker}",
                    "description": description + f"<p>{marker}</p>",
                    "team_role": "cases",  # the team named by ODOO_HELPDESK_TEAM
                    "partner_id": case.customer_partner_id,
                    "priority": approved.priority,
                    "tags": tags,
                    "assignee": approved.assignee,
                },
            )
        )
        parent = key

    # Keys name the action kind, not its position: a supervisor approval queued later (alone) maps to
    # the same key as it would have inside the full proposal. One action per kind per case.
    asked: set[str] = set()
    for action in approved.actions:
        if action.kind == "request_approval":
            kind = action.approval_kind or "reroute"
            asked.add(kind)
            items.append(_approval_item(case, approved, f"{case.case_id}:approval:{kind}", kind, action, parent))
        elif action.kind == "schedule_activity":
            items.append(_activity_item(case, approved, f"{case.case_id}:activity", action, parent))
        elif action.kind == "draft_customer_update":
            key = f"{case.case_id}:note"
            items.append(_item(key, "note", {"body": draft_note_body(approved, action, key), "parent_key": parent}))
    for money in ACCOUNTING_KINDS:
        told = next((a for a in approved.actions if a.kind == "request_approval" and a.approval_kind == money), None)
        if told is not None:
            items.append(_accounting_item(case, approved, f"{case.case_id}:accounting:{money}", money, told, parent))
    for kind in case.approvals_needed:
        if kind not in asked:
            asked.add(kind)
            action = ProposedAction(
                kind="request_approval", approval_kind=kind, title=f"{APPROVAL_LABELS[kind]} approval"
            )
            items.append(_approval_item(case, approved, f"{case.case_id}:approval:{kind}", kind, action, parent))
    return items


DRAFT_NOT_SENT = "Draft, not sent"


def draft_note_body(approved: Proposal, action: ProposedAction, key: str) -> str:
    """The approved customer update as an internal note, marked as a draft nobody has sent yet."""
    text = approved.customer_draft or action.detail or action.title
    paragraphs = "".join(f"<p>{'<br>'.join(_e(line) for line in p.splitlines())}</p>" for p in text.split("\n\n"))
    return (
        f"<p><b>{DRAFT_NOT_SENT}</b>: customer update approved for sending; nothing was e-mailed to the customer.</p>"
        f"<blockquote>{paragraphs}</blockquote><p>{marker_for(key)}</p>"
    )


def update_note_item(case_id: str, ticket_idempotency_key: str, update_no: int, body_text: str) -> OutboxItem:
    """A chatter note for a later update to the same case (e.g. a re-review), on its ticket."""
    key = f"{case_id}:update:{update_no}"
    body = f"<p><b>Case update</b></p><p>{_e(body_text)}</p><p>{marker_for(key)}</p>"
    return _item(key, "note", {"body": body, "parent_key": ticket_idempotency_key})


def _item(key: str, kind: OutboxKind, payload: dict[str, Any]) -> OutboxItem:
    return OutboxItem(idempotency_key=key, kind=kind, payload={"marker": marker_for(key), **payload})


def _approval_item(
    case: DispatchCase, approved: Proposal, key: str, kind: str, action: ProposedAction, parent: str
) -> OutboxItem:
    marker = marker_for(key)
    label = APPROVAL_LABELS.get(kind, kind)
    detail = f"<p>{_e(without_rule_ids(action.detail))}</p>" if without_rule_ids(action.detail) else ""
    amount = f"<p><b>Amount:</b> {action.amount:.2f}</p>" if action.amount is not None else ""
    reason = (
        f"<p><b>{_e(label)} requested:</b> {_e(action.title)}</p>{detail}{amount}"
        + stock_block(case.stock)
        + case_block(case, approved, "Case")
        + f"<p>{marker}</p>"
    )
    return _item(
        key,
        "approval",
        {
            "approval_kind": kind,
            "name": f"{label} approval - {_title(case, approved)} {marker}",
            "amount": action.amount,
            "reason": reason,
            "partner_id": case.customer_partner_id,
            "priority": approved.priority,
            "parent_key": parent,
        },
    )


def stock_block(stock: dict[str, Any] | None) -> str:
    """The replacement-stock check as HTML: per product, free quantity per other warehouse, when read, the transfer."""
    if not stock:
        return ""
    transfer = stock.get("transfer") or {}
    link = (
        f'<a href="{_e(transfer["url"])}">{_e(transfer.get("name") or "transfer")}</a>'
        if transfer.get("url")
        else _e(transfer.get("name") or "")
    )
    head = f"<p><b>Replacement stock</b> (transfer {link}, read {_e(stock.get('read_at') or '?')})</p>"
    if stock.get("status") == "unknown":
        return head + f"<p>{_e(stock.get('note') or 'stock unknown')}</p>"
    rows = []
    for p in stock.get("products") or []:
        for w in p.get("warehouses") or []:
            rows.append(
                f"<tr><td>{_e(p.get('product'))}</td><td>{_e(w.get('warehouse'))}</td>"
                f"<td>{float(w.get('free') or 0):g}</td><td>{float(p.get('needed') or 0):g}</td>"
                f"<td>{'yes' if w.get('covers') else 'no'}</td></tr>"
            )
    table = (
        "<table><tr><th>Product</th><th>Warehouse</th><th>Free</th><th>Needed</th><th>Covers</th></tr>"
        + "".join(rows)
        + "</table>"
        if rows
        else "<p>No other warehouse.</p>"
    )
    verdict = f"<p>{_e(stock.get('summary') or '')}</p>" if stock.get("summary") else ""
    return head + table + verdict


def _accounting_item(
    case: DispatchCase, approved: Proposal, key: str, kind: str, action: ProposedAction, parent: str
) -> OutboxItem:
    """Accounting's activity for an approved credit or write-off: amount, reason, order (no personal data)."""
    marker = marker_for(key)
    label = APPROVAL_LABELS[kind]
    reason = approved.reason or case.reason
    amount = f"{action.amount:.2f}" if action.amount is not None else "to be set"
    note = (
        f"<p><b>{_e(label)} approved</b></p>"
        f"<p><b>Amount:</b> {_e(amount)}</p>"
        f"<p><b>Reason:</b> {_e(REASON_LABELS.get(reason or '', 'unclassified'))}</p>"
        f"<p><b>Order:</b> {_e(case.order_name or 'unknown')}</p>"
        f"<p>{_e(approved.summary or case.summary)}</p>"
        f'<p><a href="{_e(case.case_url)}">Open case {_e(case.case_id)} in Exception Triage</a></p>'
        f"<p>{marker}</p>"
    )
    return _item(
        key,
        "accounting",
        {
            "summary": f"{label} approved: {amount} ({case.order_name or 'no order'})"[:120],
            "note": note,
            "approval_kind": kind,
            "amount": action.amount,
            "order": case.order_name,
            "deadline_days": ACTIVITY_DEADLINE_DAYS.get(approved.priority, 2),
            "parent_key": parent,
        },
    )


def _activity_item(case: DispatchCase, approved: Proposal, key: str, action: ProposedAction, parent: str) -> OutboxItem:
    marker = marker_for(key)
    note = (
        f"<p>{_e(without_rule_ids(action.detail) or action.title)}</p>"
        f"<p>{_e(approved.summary or case.summary)}</p><p>{marker}</p>"
    )
    return _item(
        key,
        "activity",
        {
            "summary": action.title[:120],
            "note": note,
            "assignee": action.assignee,  # an Odoo login; None -> the customer's account manager
            "partner_id": case.customer_partner_id,
            "deadline_days": ACTIVITY_DEADLINE_DAYS.get(approved.priority, 2),
            "parent_key": parent,
        },
    )
