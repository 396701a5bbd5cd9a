"""Release gates: checked-in rules over metrics.json (`evals/gates.yaml`). Any failed gate fails the eval.

A gate names one metric by its dotted path and exactly one rule:
- `min` / `max`: an absolute bound, inclusive;
- `max_drop_from_baseline`: the value may be at most this much below the baseline run's value;
- `max_rise_from_baseline`: at most this much above it (for metrics where lower is better).
`min_n` skips a gate on runs with fewer records (a 24-record smoke eval says nothing about ECE).
Baseline gates are skipped when the run has no baseline; a metric missing from the run fails its gate.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from evals.metrics import get_metric

DEFAULT_GATES = Path(__file__).parent / "gates.yaml"
_EPS = 1e-9


class Gate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    metric: str
    min: float | None = None
    max: float | None = None
    max_drop_from_baseline: float | None = None
    max_rise_from_baseline: float | None = None
    min_n: int = 0
    # True: a metric that is null in metrics.json (n/a: the run has no record labelled for it) skips the
    # gate instead of failing it. A metric missing altogether still fails.
    skip_when_unlabelled: bool = False
    n_metric: str | None = None  # the count `min_n` reads (default: the run's `n`), e.g. by_language.de.n
    why: str = ""

    @model_validator(mode="after")
    def _one_rule(self) -> Gate:
        rules = [self.min, self.max, self.max_drop_from_baseline, self.max_rise_from_baseline]
        if sum(r is not None for r in rules) != 1:
            raise ValueError(
                f"gate {self.id!r} needs exactly one of min, max, max_drop_from_baseline, max_rise_from_baseline"
            )
        return self

    @property
    def rule(self) -> str:
        if self.min is not None:
            return f">= {self.min:g}"
        if self.max is not None:
            return f"<= {self.max:g}"
        if self.max_drop_from_baseline is not None:
            return f">= baseline - {self.max_drop_from_baseline:g}"
        return f"<= baseline + {self.max_rise_from_baseline:g}"


class GatesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    gates: list[Gate]


def load_gates(path: Path | None = None) -> list[Gate]:
    path = path or DEFAULT_GATES
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{path}: no such gates file") from None
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML ({exc})") from None
    try:
        gates = GatesFile.model_validate(data).gates
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"{path}: {where}: {first['msg']}") from None
    ids = [g.id for g in gates]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{path}: gate ids must be unique")
    return gates


@dataclass(frozen=True)
class GateResult:
    id: str
    metric: str
    rule: str
    value: float | None
    limit: float | None  # the bound the value was compared with
    status: Literal["pass", "fail", "skip"]
    detail: str

    def as_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


def _number(metrics: dict[str, Any], path: str) -> float | None:
    try:
        value = get_metric(metrics, path)
    except KeyError:
        return None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _is_null(metrics: dict[str, Any], path: str) -> bool:
    try:
        return get_metric(metrics, path) is None
    except KeyError:
        return False


def evaluate_gate(gate: Gate, metrics: dict[str, Any], baseline: dict[str, Any] | None) -> GateResult:
    def result(status: Literal["pass", "fail", "skip"], value: float | None, limit: float | None, detail: str):
        return GateResult(gate.id, gate.metric, gate.rule, value, limit, status, detail)

    n = int(metrics.get("n") or 0) if gate.n_metric is None else int(_number(metrics, gate.n_metric) or 0)
    if n < gate.min_n:
        return result("skip", None, None, f"only {n} records; the gate needs at least {gate.min_n}")
    value = _number(metrics, gate.metric)
    if value is None and gate.skip_when_unlabelled and _is_null(metrics, gate.metric):
        return result("skip", None, None, f"no record is labelled for {gate.metric!r} (n/a)")
    if value is None:
        return result("fail", None, None, f"the run has no numeric metric {gate.metric!r}")
    if gate.min is not None or gate.max is not None:
        limit = gate.min if gate.min is not None else gate.max
        assert limit is not None
        ok = value >= limit - _EPS if gate.min is not None else value <= limit + _EPS
        word = "at least" if gate.min is not None else "at most"
        return result("pass" if ok else "fail", value, limit, f"{value:.4g} must be {word} {limit:g}")
    if baseline is None:
        return result("skip", value, None, "no baseline given")
    base = _number(baseline, gate.metric)
    if base is None:
        return result("skip", value, None, f"the baseline has no metric {gate.metric!r}")
    if gate.max_drop_from_baseline is not None:
        limit = base - gate.max_drop_from_baseline
        ok = value >= limit - _EPS
        detail = f"{value:.4g} vs baseline {base:.4g} ({value - base:+.4g}); may drop {gate.max_drop_from_baseline:g}"
    else:
        assert gate.max_rise_from_baseline is not None
        limit = base + gate.max_rise_from_baseline
        ok = value <= limit + _EPS
        detail = f"{value:.4g} vs baseline {base:.4g} ({value - base:+.4g}); may rise {gate.max_rise_from_baseline:g}"
    return result("pass" if ok else "fail", value, limit, detail)


def evaluate_gates(gates: list[Gate], metrics: dict[str, Any], baseline: dict[str, Any] | None) -> list[GateResult]:
    return [evaluate_gate(g, metrics, baseline) for g in gates]


def passed(results: list[GateResult]) -> bool:
    return all(r.status != "fail" for r in results)
