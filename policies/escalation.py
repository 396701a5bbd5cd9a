"""Escalation rules from `escalation.yaml`, as a value: load once at the composition root, pass it on.

No module-level cache: tests and the worker build their own `EscalationPolicy` (e.g. from a dict).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import yaml

from agents.state import ROLES

RuleKind = Literal["review_overdue", "approval_waiting", "outbox_needs_person", "ticket_unresolved"]
RULE_KINDS: tuple[str, ...] = ("review_overdue", "approval_waiting", "outbox_needs_person", "ticket_unresolved")
DEFAULT_PATH = Path(__file__).parent / "escalation.yaml"


@dataclass(frozen=True)
class EscalationRule:
    id: str
    kind: RuleKind
    description: str
    role: str
    window: timedelta
    limits: Mapping[str, timedelta] = field(default_factory=dict)  # priority (or "default") -> limit
    odoo_note: bool = False
    odoo_activity: bool = False
    activity_deadline_days: int = 0

    def limit(self, priority: str | None) -> timedelta | None:
        """The limit for a priority (falling back to "default"); None when the rule sets none."""
        if priority and priority in self.limits:
            return self.limits[priority]
        return self.limits.get("default")


@dataclass(frozen=True)
class EscalationPolicy:
    rules: tuple[EscalationRule, ...]

    def by_kind(self, kind: str) -> list[EscalationRule]:
        return [r for r in self.rules if r.kind == kind]

    @property
    def rule_ids(self) -> list[str]:
        return [r.id for r in self.rules]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EscalationPolicy:
        rules: list[EscalationRule] = []
        seen: set[str] = set()
        for raw in data.get("rules") or []:
            rule_id = str(raw["id"])
            kind = str(raw.get("kind", rule_id))
            if kind not in RULE_KINDS:
                raise ValueError(f"escalation rule {rule_id!r}: unknown kind {kind!r} (one of {', '.join(RULE_KINDS)})")
            if rule_id in seen:
                raise ValueError(f"escalation rule {rule_id!r} is defined twice")
            seen.add(rule_id)
            role = str(raw.get("role", "supervisor"))
            if role not in ROLES:
                raise ValueError(f"escalation rule {rule_id!r}: unknown role {role!r}")
            limits = {str(k): timedelta(hours=float(v)) for k, v in (raw.get("limit_hours") or {}).items()}
            odoo = raw.get("odoo") or {}
            rules.append(
                EscalationRule(
                    id=rule_id,
                    kind=kind,  # type: ignore[arg-type]
                    description=str(raw.get("description", rule_id)),
                    role=role,
                    window=timedelta(hours=float(raw.get("window_hours", 24))),
                    limits=limits,
                    odoo_note=bool(odoo.get("note", False)),
                    odoo_activity=bool(odoo.get("activity", False)),
                    activity_deadline_days=int(odoo.get("activity_deadline_days", 0)),
                )
            )
        return cls(tuple(rules))


def load_escalation_policy(path: Path | None = None) -> EscalationPolicy:
    data = yaml.safe_load((path or DEFAULT_PATH).read_text(encoding="utf-8")) or {}
    return EscalationPolicy.from_dict(data)
