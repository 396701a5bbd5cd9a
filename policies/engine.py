"""The small engine that reads the policy YAML: reasons, priority rules and action rules.

Policies are data: behaviour changes by editing `policies/*.yaml`, not code. They are loaded once into a
`PolicyBook` value, which the composition root passes to whatever needs it (nodes through the policy
port, the reasoners), so a test can hand in a book with other rules. The engine only sees trusted
facts (`PolicyFacts`), never the message text itself, except for the goods keywords, which can only
raise the goods class (invariant 6: text inside a message is data, not an instruction).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from agents.state import DraftFacts, ErpContext, PolicyDecision, Priority, ProposedAction, ReasonCode
from policies.carriers import CarrierAliases
from policies.drafts import CustomerDrafts
from policies.escalation import EscalationPolicy
from policies.followups import FollowUpPolicy

POLICY_DIR = Path(__file__).parent
CLOSED_TRANSFER = ("done", "cancelled")  # a promise on such a transfer is kept or void: it no longer counts


@dataclass(frozen=True)
class ReasonInfo:
    code: ReasonCode
    label: str
    description: str
    at7: tuple[str, ...]
    severity: int


@dataclass(frozen=True)
class PolicyFacts:
    reason: ReasonCode | None
    abstained: bool
    now: datetime
    customer_tier: str | None = None
    order_value: float | None = None
    promised_date: date | None = None
    goods: str | None = None
    # Replacement stock in another warehouse (ERP stock check): available | none | unknown, None: not checked
    replacement_stock: str | None = None
    replacement_warehouse: str | None = None
    replacement_summary: str | None = None  # "Reno DC, 40 of 3 needed"
    replacement_detail: str | None = None  # the facts for the approver: quantities, when read, transfer
    # State of the shipment's transfer (ERP picking state; "cancel" reads as "cancelled"). A promised date
    # only counts for a transfer that is still open: not done, not cancelled.
    transfer_state: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "abstained": self.abstained,
            "customer_tier": self.customer_tier,
            "order_value": self.order_value,
            "promised_date": self.promised_date.isoformat() if self.promised_date else None,
            "goods": self.goods,
            "replacement_stock": self.replacement_stock,
            "replacement_warehouse": self.replacement_warehouse,
            "replacement_summary": self.replacement_summary,
            "replacement_detail": self.replacement_detail,
            "transfer_state": self.transfer_state,
        }


def _read_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a policy file must hold a mapping")
    return data


class PolicyBook:
    """The decision policies as one value: the taxonomy, the priority and action rules, the reasoner's
    settings. Built once per process by the composition root (`PolicyBook.load()`)."""

    def __init__(
        self,
        reasons: dict[str, Any],
        priority: dict[str, Any],
        actions: dict[str, Any],
        reasoner: dict[str, Any],
        escalation: dict[str, Any] | None = None,
        carriers: dict[str, Any] | None = None,
        drafts: dict[str, Any] | None = None,
        followups: dict[str, Any] | None = None,
    ) -> None:
        self.reasons_cfg = reasons
        self.drafts_cfg = drafts if drafts is not None else _read_yaml(POLICY_DIR / "customer_drafts.yaml")
        self.priority_cfg = priority
        self.actions_cfg = actions
        self.reasoner = reasoner
        self.escalation_cfg = escalation or {"rules": []}
        self.carriers_cfg = carriers or {"carriers": {}}
        self.followups_cfg = followups if followups is not None else _read_yaml(POLICY_DIR / "followups.yaml")

    @classmethod
    def load(cls, directory: Path = POLICY_DIR) -> PolicyBook:
        return cls(
            _read_yaml(directory / "reasons.yaml"),
            _read_yaml(directory / "priority.yaml"),
            _read_yaml(directory / "actions.yaml"),
            _read_yaml(directory / "reasoner.yaml"),
            _read_yaml(directory / "escalation.yaml"),
            _read_yaml(directory / "carriers.yaml"),
            _read_yaml(directory / "customer_drafts.yaml"),
            _read_yaml(directory / "followups.yaml"),
        )

    @cached_property
    def escalation(self) -> EscalationPolicy:
        """The SLA escalation rules (`escalation.yaml`) that `triage reconcile` applies."""
        return EscalationPolicy.from_dict(self.escalation_cfg)

    @cached_property
    def carriers(self) -> CarrierAliases:
        """The carrier alias table (`carriers.yaml`): carrier names -> helpdesk tags."""
        return CarrierAliases.from_dict(self.carriers_cfg)

    def carrier_tag(self, *names: str | None) -> str | None:
        """The helpdesk tag of the first carrier name that the alias table knows, else None."""
        return self.carriers.first_tag(names)

    @cached_property
    def drafts(self) -> CustomerDrafts:
        """The customer update templates (`customer_drafts.yaml`), checked against the taxonomy."""
        return CustomerDrafts.from_dict(self.drafts_cfg, list(self.reasons_cfg["reasons"]))

    @cached_property
    def followups(self) -> FollowUpPolicy:
        """Which actions a shipment gets once (`followups.yaml`), however many messages arrive about it."""
        return FollowUpPolicy.from_dict(self.followups_cfg)

    def once_per_shipment(self, action: ProposedAction) -> bool:
        """The policy port: is this action done once per shipment (a follow-up does not propose it again)?"""
        return self.followups.once_per_shipment(action)

    def customer_draft(self, facts: DraftFacts) -> str:
        """The policy port: the customer update for a case, from structured facts only."""
        return self.drafts.write(facts)

    @cached_property
    def reasons(self) -> dict[str, ReasonInfo]:
        return {
            code: ReasonInfo(code, r["label"], r["description"], tuple(r["at7"]), int(r["severity"]))
            for code, r in self.reasons_cfg["reasons"].items()
        }

    def reason_label(self, reason: ReasonCode) -> str:
        return self.reasons[reason].label

    def at7_codes(self, reason: ReasonCode | None) -> list[str]:
        return list(self.reasons[reason].at7) if reason else []

    def facts_from(
        self,
        reason: ReasonCode | None,
        abstained: bool,
        now: datetime,
        context: dict[str, Any],
        erp: ErpContext,
        redacted_text: str,
    ) -> PolicyFacts:
        """Trusted facts for the rules: ERP first, then the message's structured context."""
        tier = erp.customer_tier or _str(context.get("customer_tier"))
        value = erp.order_value if erp.order_value is not None else _float(context.get("order_value"))
        promised = _date(erp.promised_date) or _date(context.get("promised_date"))
        goods = _str(context.get("goods")) or self._goods_from_text(redacted_text)
        stock = erp.stock or {}
        state = _str((erp.picking or {}).get("state")) or _str(context.get("transfer_state"))
        if state == "cancel":
            state = "cancelled"
        return PolicyFacts(
            reason,
            abstained,
            now,
            tier and tier.lower(),
            value,
            promised,
            goods and goods.lower(),
            replacement_stock=_str(stock.get("status")) or _str(context.get("replacement_stock")),
            replacement_warehouse=_str(stock.get("best")),
            replacement_summary=_str(stock.get("summary") or stock.get("note")),
            replacement_detail=_stock_detail(stock) if stock else None,
            transfer_state=state,
        )

    def decide(self, facts: PolicyFacts) -> PolicyDecision:
        prio_cfg = self.priority_cfg
        if facts.reason is None or facts.abstained:
            severity = int(prio_cfg["abstained_severity"])
            head = "needs classification"
        else:
            severity = self.reasons[facts.reason].severity
            head = self.reasons[facts.reason].label.lower()
        score, why, rule_ids = severity, [head], []
        values = {**facts.as_dict(), "order_value": facts.order_value or 0}
        for mod in prio_cfg["modifiers"]:
            if _matches(mod["when"], facts, None):
                score += int(mod["points"])
                why.append(mod["explain"].format(**values))
                rule_ids.append(mod["id"])
        priority: Priority = next(th["priority"] for th in prio_cfg["thresholds"] if score >= th["at_least"])
        # Bounds: business floors and ceilings on the scored priority, applied top to bottom (a later
        # bound overrides an earlier one). `at_least: P1` raises to P1; `at_most: P3` lowers to P3.
        for bound in prio_cfg.get("bounds") or []:
            if not _matches(bound["when"], facts, None):
                continue
            rank = int(priority[1])
            if "at_least" in bound:
                rank = min(rank, int(str(bound["at_least"])[1]))
            if "at_most" in bound:
                rank = max(rank, int(str(bound["at_most"])[1]))
            if f"P{rank}" != priority:
                priority = f"P{rank}"  # type: ignore[assignment]
                why.append(bound["explain"].format(**values))
                rule_ids.append(bound["id"])
        explanation = f"{priority}: " + ", ".join(why)
        return PolicyDecision(priority, explanation, _actions(facts, priority, self.actions_cfg), rule_ids)

    def decide_case(
        self,
        reason: ReasonCode | None,
        abstained: bool,
        now: datetime,
        context: dict[str, Any],
        erp: ErpContext,
        redacted_text: str,
    ) -> PolicyDecision:
        """The policy port: facts from the case, then the rules."""
        return self.decide(self.facts_from(reason, abstained, now, context, erp, redacted_text))

    def review_sla(self, priority: Priority) -> timedelta:
        return timedelta(hours=float(self.priority_cfg["review_sla_hours"][priority]))

    def _goods_from_text(self, text: str) -> str | None:
        lowered = text.lower()
        for goods, words in self.priority_cfg["goods_keywords"].items():
            if any(w in lowered for w in words):
                return str(goods)
        return None


def _stock_detail(stock: dict[str, Any]) -> str:
    """The stock facts as one line: per product the free quantity in each other warehouse."""
    transfer = (stock.get("transfer") or {}).get("name") or "?"
    if stock.get("status") == "unknown":
        return f"{stock.get('note')} (transfer {transfer}, read {stock.get('read_at')})"
    parts = []
    for p in stock.get("products") or []:
        free = (
            ", ".join(f"{w['warehouse']} {w['free']:g} free" for w in p.get("warehouses") or []) or "no other warehouse"
        )
        parts.append(f"{p['product']}: {p['needed']:g} needed; {free}")
    return f"Transfer {transfer}, stock read {stock.get('read_at')}: " + "; ".join(parts)


def _actions(facts: PolicyFacts, priority: Priority, cfg: dict[str, Any]) -> list[ProposedAction]:
    seen: set[tuple[str, str | None]] = set()
    actions: list[ProposedAction] = []
    for rule in cfg["rules"]:
        if not _matches(rule["when"], facts, priority):
            continue
        spec = rule["action"]
        key = (spec["kind"], spec.get("approval_kind"))
        if key in seen:
            continue
        seen.add(key)
        values = facts.as_dict()
        detail = f"rule {rule['id']}"
        if spec.get("detail"):
            detail = f"{str(spec['detail']).format(**values)} ({detail})"
        actions.append(
            ProposedAction(
                kind=spec["kind"],
                approval_kind=spec.get("approval_kind"),
                role_required=spec["role"],
                title=str(spec["title"]).format(**values),
                detail=detail,
                amount=_amount(spec.get("approval_kind"), facts, cfg),
            )
        )
    return actions


def _amount(kind: str | None, facts: PolicyFacts, cfg: dict[str, Any]) -> float | None:
    if kind in ("reroute", "expedite"):
        return float(cfg["costs"][kind])
    if kind == "credit" and facts.order_value is not None:
        return round(facts.order_value * float(cfg["credit_share_of_order_value"]), 2)
    if kind == "write_off" and facts.order_value is not None:
        return facts.order_value
    return None


def _matches(when: dict[str, Any], facts: PolicyFacts, priority: Priority | None) -> bool:
    for key, expected in when.items():
        if key == "reason" and facts.reason not in expected:
            return False
        if key == "reason_not" and (facts.reason is None or facts.reason in expected):
            return False
        if key == "abstained" and facts.abstained != expected:
            return False
        if key == "priority" and priority not in expected:
            return False
        if key == "customer_tier" and facts.customer_tier not in expected:
            return False
        if key == "customer_tier_not" and facts.customer_tier in expected:
            return False
        if key == "transfer_state" and facts.transfer_state not in expected:
            return False
        if key == "transfer_state_not" and facts.transfer_state in expected:
            return False
        if key == "goods" and facts.goods not in expected:
            return False
        if key == "goods_not" and facts.goods in expected:
            return False
        if key == "replacement_stock" and facts.replacement_stock not in expected:
            return False
        if key == "replacement_stock_not" and facts.replacement_stock in expected:
            return False
        if key == "order_value_at_least" and (facts.order_value is None or facts.order_value < expected):
            return False
        if key == "order_value_below" and (facts.order_value is None or facts.order_value >= expected):
            return False  # known and below: an unknown value never lowers a case
        if key == "promise_known" and (facts.promised_date is not None) != expected:
            return False
        if key in _PROMISE_KEYS:
            if facts.promised_date is None or facts.transfer_state in CLOSED_TRANSFER:
                return False
            left = datetime.combine(facts.promised_date, datetime.max.time(), facts.now.tzinfo) - facts.now
            overdue = left < timedelta(0)
            if key == "promised_overdue" and overdue != expected:
                return False
            if key == "promised_within_hours" and (overdue or left > timedelta(hours=expected)):
                return False
            if key == "promised_at_risk_hours" and left > timedelta(hours=expected):
                return False  # overdue, or due within the hours
            if key == "promised_beyond_hours" and left <= timedelta(hours=expected):
                return False  # the promise is safe: more than the hours away
            if key == "promised_overdue_days_at_least" and -left < timedelta(days=expected):
                return False
    return True


_PROMISE_KEYS = (
    "promised_within_hours",
    "promised_overdue",
    "promised_at_risk_hours",
    "promised_beyond_hours",
    "promised_overdue_days_at_least",
)


def _str(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _float(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
