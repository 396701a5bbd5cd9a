"""A follow-up message, read against the open case it follows: what changed, and what is left to propose.

A second message about a shipment whose case is still open must not bring a second case's worth of
actions: it gets an update note on the case's ticket and only the actions that are genuinely new. What
"once per shipment" means is policy data (policies/followups.yaml), read through the policy port.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from agents.state import OpenCase, Priority, ProposedAction, ReasonCode, held_key


def what_changed(
    parent: OpenCase,
    reason: ReasonCode | None,
    priority: Priority,
    eta: str | None,
    label: Callable[[ReasonCode], str],
) -> list[str]:
    """Short lines for the reviewer: new ETA, reason changed, new references, new priority."""
    lines: list[str] = []
    if eta and eta != parent.eta:
        lines.append(f"New ETA: {eta}" + (f" (was {parent.eta})" if parent.eta else ""))
    if reason is not None and parent.reason is not None and reason != parent.reason:
        lines.append(f"Reason changed: {label(parent.reason)} -> {label(reason)}")
    if parent.new_references:
        lines.append("New references: " + ", ".join(parent.new_references))
    if parent.priority is not None and priority != parent.priority:
        lines.append(f"New priority: {priority} (was {parent.priority})")
    return lines


def followup_actions(
    actions: Sequence[ProposedAction],
    parent: OpenCase,
    changed: Sequence[str],
    once_per_shipment: Callable[[ProposedAction], bool],
) -> list[ProposedAction]:
    """An update note on the open case's ticket, then only the actions the shipment does not hold yet."""
    note = ProposedAction(
        kind="open_ticket",  # dispatched as a note on the open ticket (tools.store.outbox.find_open_ticket_key)
        title=f"Add an update note to the ticket of case {parent.case_id}",
        detail="; ".join(changed) if changed else "Follow-up message, nothing new in it",
    )
    held = set(parent.held)
    kept = [a for a in actions if a.kind != "open_ticket" and not (once_per_shipment(a) and held_key(a) in held)]
    return [note, *kept]
