"""The small engine that reads the policy YAML: reasons, priority rules and action rules.

Policies are data: behaviour changes by editing `policies/*.yaml`, not code. The engine only sees
trusted facts (`PolicyFacts`), never the message text itself, except for the goods keywords, which
can only raise the goods class (invariant 6: text inside a message is data, not an instruction).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from agents.state import ErpContext, Priority, ProposedAction, ReasonCode

POLICY_DIR = Path(__file__).parent


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
        }


@dataclass(frozen=True)
class PolicyDecision:
    priority: Priority
    explanation: str
    actions: list[ProposedAction]
    rule_ids: list[str] = field(default_factory=list)


@cache
def _load(name: str) -> dict[str, Any]:
    with (POLICY_DIR / name).open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@cache
def reasons() -> dict[str, ReasonInfo]:
    return {
        code: ReasonInfo(code, r["label"], r["description"], tuple(r["at7"]), int(r["severity"]))
        for code, r in _load("reasons.yaml")["reasons"].items()
    }


def at7_codes(reason: ReasonCode | None) -> list[str]:
    return list(reasons()[reason].at7) if reason else []


def facts_from(
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
    goods = _str(context.get("goods")) or _goods_from_text(redacted_text)
    stock = erp.stock or {}
    return PolicyFacts(
        reason,
        abstained,
        now,
        tier and tier.lower(),
        value,
        promised,
        goods and goods.lower(),
        replacement_stock=_str(stock.get("status")),
        replacement_warehouse=_str(stock.get("best")),
        replacement_summary=_str(stock.get("summary") or stock.get("note")),
        replacement_detail=_stock_detail(stock) if stock else None,
    )


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


def decide(facts: PolicyFacts) -> PolicyDecision:
    prio_cfg = _load("priority.yaml")
    if facts.reason is None or facts.abstained:
        severity = int(prio_cfg["abstained_severity"])
        head = "needs classification"
    else:
        severity = reasons()[facts.reason].severity
        head = reasons()[facts.reason].label.lower()
    score, why, rule_ids = severity, [head], []
    for mod in prio_cfg["modifiers"]:
        if _matches(mod["when"], facts, None):
            score += int(mod["points"])
            why.append(mod["explain"].format(**{**facts.as_dict(), "order_value": facts.order_value or 0}))
            rule_ids.append(mod["id"])
    priority: Priority = next(th["priority"] for th in prio_cfg["thresholds"] if score >= th["at_least"])
    explanation = f"{priority}: " + ", ".join(why)
    return PolicyDecision(priority, explanation, _actions(facts, priority), rule_ids)


def review_sla(priority: Priority) -> timedelta:
    return timedelta(hours=float(_load("priority.yaml")["review_sla_hours"][priority]))


def _actions(facts: PolicyFacts, priority: Priority) -> list[ProposedAction]:
    cfg = _load("actions.yaml")
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
        if key == "goods" and facts.goods not in expected:
            return False
        if key == "replacement_stock" and facts.replacement_stock not in expected:
            return False
        if key == "replacement_stock_not" and facts.replacement_stock in expected:
            return False
        if key == "order_value_at_least" and (facts.order_value is None or facts.order_value < expected):
            return False
        if key in ("promised_within_hours", "promised_overdue"):
            if facts.promised_date is None:
                return False
            promised_end = datetime.combine(facts.promised_date, datetime.max.time(), facts.now.tzinfo)
            overdue = promised_end < facts.now
            if key == "promised_overdue" and overdue != expected:
                return False
            if key == "promised_within_hours" and (overdue or promised_end - facts.now > timedelta(hours=expected)):
                return False
    return True


def _goods_from_text(text: str) -> str | None:
    lowered = text.lower()
    for goods, words in _load("priority.yaml")["goods_keywords"].items():
        if any(w in lowered for w in words):
            return str(goods)
    return None


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
