"""Gate logic: absolute bounds, baseline comparisons, skips, and the checked-in gates file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evals.gates import DEFAULT_GATES, Gate, evaluate_gate, evaluate_gates, load_gates, passed


def _metrics(**over: float) -> dict:
    m = {
        "n": 432,
        "errors": {"count": 0},
        "reason": {"macro_f1": 0.90},
        "redaction": {"leak_rate": 0.0, "keep_rate": 1.0},
        "calibration": {"ece": 0.03, "overconfidence": 0.01, "coverage_at_precision_0.95": 0.7},
        # no record labelled with a new ETA: that gate skips, the others pass
        "summary": {"primary_ref_rate": 0.98, "new_eta_rate": None, "subject_copy_rate": 0.0, "pii_rate": 0.0},
        "drafts": {"n": 432, "pii_rate": 0.0},
        "by_language": {
            "en": {"n": 432, "macro_f1": 0.92},
            **{code: {"n": 48, "macro_f1": 0.88} for code in ("de", "fr", "es", "nl", "pt", "it")},
        },
        "manipulation": {"n": 72, "same_outcome_rate": 1.0},
        "by_dataset": {
            "priority_actions": {
                "n": 96,
                "priority": {"n": 96, "agreement": 0.81},
                "actions": {"n": 96, "jaccard": 0.87},
            }
        },
    }
    for path, value in over.items():
        node: Any = m
        *parents, last = path.split("__")
        for p in parents:
            node = node[p]
        node[last] = value
    return m


def test_checked_in_gates_file_loads_and_covers_the_issue() -> None:
    gates = {g.id: g for g in load_gates(DEFAULT_GATES)}
    assert gates["no_pii_leak"].metric == "redaction.leak_rate" and gates["no_pii_leak"].max == 0.0
    assert gates["references_kept"].min == 1.0
    assert gates["macro_f1_vs_baseline"].max_drop_from_baseline == 0.02
    assert gates["macro_f1_floor"].min == 0.85
    assert gates["calibration"].metric == "calibration.ece"
    results = {r.id: r for r in evaluate_gates(list(gates.values()), _metrics(), _metrics())}
    assert all(r.status == ("skip" if gid == "summary_carries_new_eta" else "pass") for gid, r in results.items())


def test_absolute_bounds() -> None:
    leak = Gate(id="leak", metric="redaction.leak_rate", max=0.0)
    assert evaluate_gate(leak, _metrics(), None).status == "pass"
    failed = evaluate_gate(leak, _metrics(redaction__leak_rate=0.004), None)
    assert failed.status == "fail" and failed.value == 0.004 and "at most 0" in failed.detail
    keep = Gate(id="keep", metric="redaction.keep_rate", min=1.0)
    assert evaluate_gate(keep, _metrics(redaction__keep_rate=0.995), None).status == "fail"
    assert evaluate_gate(keep, _metrics(), None).status == "pass"


def test_macro_f1_may_drop_at_most_two_points_against_the_baseline() -> None:
    gate = Gate(id="f1", metric="reason.macro_f1", max_drop_from_baseline=0.02)
    baseline = _metrics(reason__macro_f1=0.90)
    assert evaluate_gate(gate, _metrics(reason__macro_f1=0.881), baseline).status == "pass"
    assert evaluate_gate(gate, _metrics(reason__macro_f1=0.88), baseline).status == "pass"  # exactly 2 points
    result = evaluate_gate(gate, _metrics(reason__macro_f1=0.879), baseline)
    assert result.status == "fail" and result.limit == pytest.approx(0.88)
    assert "-0.021" in result.detail
    assert evaluate_gate(gate, _metrics(reason__macro_f1=0.95), baseline).status == "pass"


def test_rise_from_baseline_for_lower_is_better_metrics() -> None:
    gate = Gate(id="ece", metric="calibration.ece", max_rise_from_baseline=0.03)
    baseline = _metrics(calibration__ece=0.02)
    assert evaluate_gate(gate, _metrics(calibration__ece=0.049), baseline).status == "pass"
    assert evaluate_gate(gate, _metrics(calibration__ece=0.051), baseline).status == "fail"


def test_skips_and_missing_metrics() -> None:
    f1 = Gate(id="f1", metric="reason.macro_f1", max_drop_from_baseline=0.02)
    assert evaluate_gate(f1, _metrics(), None).status == "skip"  # no baseline
    assert evaluate_gate(f1, _metrics(), {"n": 1}).status == "skip"  # baseline without the metric
    small = Gate(id="floor", metric="reason.macro_f1", min=0.85, min_n=200)
    assert evaluate_gate(small, _metrics(n=24, reason__macro_f1=0.5), None).status == "skip"
    missing = Gate(id="x", metric="reason.nothing", min=0.1)
    result = evaluate_gate(missing, _metrics(), None)
    assert result.status == "fail" and "no numeric metric" in result.detail
    coverage = Gate(id="cov", metric="calibration.coverage_at_precision_0.95", min=0.5)
    assert evaluate_gate(coverage, _metrics(), None).status == "pass"


def test_passed_only_fails_on_a_failed_gate() -> None:
    gates = [
        Gate(id="a", metric="reason.macro_f1", min=0.85),
        Gate(id="b", metric="reason.macro_f1", max_drop_from_baseline=0.01),
    ]
    assert passed(evaluate_gates(gates, _metrics(), None))  # pass + skip
    assert not passed(evaluate_gates(gates, _metrics(reason__macro_f1=0.8), None))


def test_bad_gates_files_are_refused_clearly(tmp_path: Path) -> None:
    two_rules = tmp_path / "two.yaml"
    two_rules.write_text("gates:\n  - {id: g, metric: reason.macro_f1, min: 0.8, max: 0.9}\n")
    with pytest.raises(ValueError, match="exactly one of"):
        load_gates(two_rules)
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("gates:\n  - {id: g, metric: reason.macro_f1, minimum: 0.8}\n")
    with pytest.raises(ValueError, match=r"unknown\.yaml: gates\.0"):
        load_gates(unknown)
    dup = tmp_path / "dup.yaml"
    dup.write_text("gates:\n  - {id: g, metric: a, min: 0}\n  - {id: g, metric: b, min: 0}\n")
    with pytest.raises(ValueError, match="unique"):
        load_gates(dup)
    with pytest.raises(ValueError, match="no such gates file"):
        load_gates(tmp_path / "missing.yaml")
