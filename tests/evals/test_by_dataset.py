"""Per-dataset figures: a held-out file's priority and action agreement are its own, and gate on their own."""

from __future__ import annotations

from evals.by_dataset import by_dataset
from evals.gates import evaluate_gate, load_gates
from evals.metrics import RecordOutcome


def _outcome(i: int, dataset: str, priority: tuple[str | None, str], actions: tuple[list[str] | None, list[str]]):
    return RecordOutcome(
        record_id=f"r{i}", dataset=dataset, channel="email", expected_reason="damaged", predicted_reason="damaged",
        top_reason="damaged", confidence=0.9, abstained=False, expected_priority=priority[0],
        predicted_priority=priority[1], expected_actions=actions[0], predicted_actions=actions[1], latency_ms=1.0,
    )  # fmt: skip


def test_each_file_gets_its_own_agreement() -> None:
    ticket = (["open_ticket"], ["open_ticket"])
    held_out = [_outcome(i, "priority_actions.jsonl", ("P1", "P1" if i < 3 else "P2"), ticket) for i in range(4)]
    other = [_outcome(10 + i, "test_a.jsonl", ("P3", "P1"), (None, ["open_ticket"])) for i in range(4)]
    figures = by_dataset(held_out + other)
    assert figures["priority_actions"]["priority"] == {"n": 4, "agreement": 0.75}
    assert figures["priority_actions"]["actions"]["jaccard"] == 1.0
    assert figures["test_a"]["priority"]["agreement"] == 0.0
    assert figures["test_a"]["actions"] == {"n": 0, "agreement": None, "exact_match": None, "jaccard": None}


def test_the_held_out_priority_gate_reads_that_file_only() -> None:
    gate = next(g for g in load_gates() if g.id == "priority_agreement_held_out")
    good = [_outcome(i, "priority_actions.jsonl", ("P1", "P1"), ([], [])) for i in range(40)]
    bad_elsewhere = [_outcome(100 + i, "test_b.jsonl", ("P1", "P4"), ([], [])) for i in range(200)]
    assert evaluate_gate(gate, {"by_dataset": by_dataset(good + bad_elsewhere)}, None).status == "pass"
    poor = [_outcome(i, "priority_actions.jsonl", ("P1", "P1" if i < 30 else "P3"), ([], [])) for i in range(40)]
    assert evaluate_gate(gate, {"by_dataset": by_dataset(poor)}, None).status == "fail"  # 0.75 < 0.80
    assert evaluate_gate(gate, {"by_dataset": by_dataset(bad_elsewhere)}, None).status == "skip"  # not in the run
