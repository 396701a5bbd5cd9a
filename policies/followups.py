"""The follow-up rules (`followups.yaml`): which actions a shipment gets once, however many messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, get_args

from agents.state import ActionKind, ApprovalKind, ProposedAction, held_key

_ACTION_KINDS = frozenset(get_args(ActionKind)) - {"request_approval"}
_APPROVAL_KINDS = frozenset(get_args(ApprovalKind))


@dataclass(frozen=True)
class FollowUpPolicy:
    once: frozenset[str]  # held keys (`held_key`): approval kinds and action kinds

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FollowUpPolicy:
        rules = data.get("once_per_shipment")
        if not isinstance(rules, dict):
            raise ValueError("followups.yaml: 'once_per_shipment' must map approvals/actions to lists")
        approvals = {str(k) for k in rules.get("approvals") or []}
        actions = {str(k) for k in rules.get("actions") or []}
        # a typo would silently let a second approval through: refuse unknown kinds
        if unknown := approvals - _APPROVAL_KINDS:
            raise ValueError(f"followups.yaml: unknown approval kind(s) {sorted(unknown)}")
        if unknown := actions - _ACTION_KINDS:
            raise ValueError(f"followups.yaml: unknown action kind(s) {sorted(unknown)}")
        return cls(frozenset(approvals | actions))

    def once_per_shipment(self, action: ProposedAction) -> bool:
        return held_key(action) in self.once
