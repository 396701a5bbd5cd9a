"""Fault injection for tests: slow answers, 5xx, dropped connections, before or after the commit.

Rules come from the environment (TRIAGE_SANDBOX_FAULTS, a JSON list) or from the admin route
`POST /sandbox/faults` (JSON `{"rules": [...], "seed": 1}`), and each says:
  {"match": {"service": "object", "model": "helpdesk.ticket", "method": "create"},  # any subset
   "action": "delay" | "delay_after_commit" | "http_error" | "http_error_after_commit"
             | "drop" | "drop_after_commit",
   "seconds": 1.5, "status": 502, "probability": 0.2, "times": 10}
`delay` sleeps before the call is processed (the call still runs: a slow Odoo); `*_after_commit`
processes and commits the call, then answers late, with an HTTP error, or not at all.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass, field
from typing import Any

ACTIONS = frozenset(
    {"delay", "delay_after_commit", "http_error", "http_error_after_commit", "drop", "drop_after_commit"}
)


@dataclass
class FaultRule:
    action: str
    match: dict[str, str] = field(default_factory=dict)
    seconds: float = 1.0
    status: int = 502
    probability: float = 1.0
    times: int | None = None  # None: unlimited
    fired: int = 0

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FaultRule:
        action = str(d["action"])
        if action not in ACTIONS:
            raise ValueError(f"unknown fault action {action!r}")
        return cls(
            action=action,
            match={str(k): str(v) for k, v in (d.get("match") or {}).items()},
            seconds=float(d.get("seconds", 1.0)),
            status=int(d.get("status", 502)),
            probability=float(d.get("probability", 1.0)),
            times=int(d["times"]) if d.get("times") is not None else None,
        )


@dataclass(frozen=True)
class Fault:
    action: str
    seconds: float
    status: int

    @property
    def after_commit(self) -> bool:
        return self.action.endswith("_after_commit")


class FaultPlan:
    def __init__(self, rules: list[FaultRule] | None = None, seed: int | None = None) -> None:
        self.rules = rules or []
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.log: list[dict[str, Any]] = []  # what fired, for tests

    @classmethod
    def from_json(cls, text: str | None) -> FaultPlan:
        if not text:
            return cls()
        data = json.loads(text)
        if isinstance(data, dict):
            return cls([FaultRule.from_dict(r) for r in data.get("rules", [])], data.get("seed"))
        return cls([FaultRule.from_dict(r) for r in data])

    def replace(self, rules: list[FaultRule], seed: int | None = None) -> None:
        with self.lock:
            self.rules = rules
            self.rng = random.Random(seed)

    def pick(self, call: dict[str, str]) -> Fault | None:
        """The fault for this call, if a rule fires (first matching rule that fires wins)."""
        with self.lock:
            for rule in self.rules:
                if any(call.get(k) != v for k, v in rule.match.items()):
                    continue
                if rule.times is not None and rule.fired >= rule.times:
                    continue
                if self.rng.random() >= rule.probability:
                    continue
                rule.fired += 1
                self.log.append({"action": rule.action, **call})
                return Fault(rule.action, rule.seconds, rule.status)
        return None

    def summary(self) -> dict[str, Any]:
        with self.lock:
            counts: dict[str, int] = {}
            for entry in self.log:
                counts[entry["action"]] = counts.get(entry["action"], 0) + 1
            return {"fired": counts, "rules": len(self.rules)}
