"""Metric functions on inputs whose answers were computed by hand (and cross-checked with scikit-learn)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.metrics import confusion_matrix as sk_confusion

from evals.metrics import (
    ABSTAINED,
    RecordOutcome,
    abstention_rate,
    accuracy,
    action_agreement,
    calibration_gap,
    compute_metrics,
    confusion_matrix,
    coverage_at_precision,
    exception_detection,
    expected_calibration_error,
    get_metric,
    jaccard,
    latency_summary,
    macro_f1,
    per_class,
    percentile,
    priority_agreement,
    reliability_bins,
)

LABELS = ["a", "b", "c"]
TRUTH = ["a", "a", "a", "b", "b", "c", "c", "c", "c"]
PRED = ["a", "a", "b", "b", None, "c", "c", "a", "c"]


def test_confusion_matrix_by_hand() -> None:
    cm = confusion_matrix(TRUTH, PRED, LABELS)
    assert cm.columns == ["a", "b", "c", ABSTAINED]
    assert cm.matrix == [
        [2, 1, 0, 0],  # a: twice right, once taken for b
        [0, 1, 0, 1],  # b: once right, once abstained
        [1, 0, 3, 0],  # c: three right, once taken for a
    ]


def test_per_class_macro_f1_and_accuracy_by_hand() -> None:
    cm = confusion_matrix(TRUTH, PRED, LABELS)
    scores = per_class(cm)
    assert scores["a"].precision == pytest.approx(2 / 3) and scores["a"].recall == pytest.approx(2 / 3)
    assert scores["b"].precision == pytest.approx(1 / 2) and scores["b"].recall == pytest.approx(1 / 2)
    assert scores["c"].precision == pytest.approx(1.0) and scores["c"].recall == pytest.approx(3 / 4)
    assert scores["c"].f1 == pytest.approx(2 * 0.75 / 1.75)
    assert [s.support for s in scores.values()] == [3, 2, 4]
    assert [s.predicted for s in scores.values()] == [3, 2, 3]
    assert macro_f1(scores) == pytest.approx((2 / 3 + 1 / 2 + 6 / 7) / 3)
    assert accuracy(cm) == pytest.approx(6 / 9)


def test_undefined_scores_are_zero_and_absent_classes_do_not_count() -> None:
    cm = confusion_matrix(["a", "a"], ["b", "b"], LABELS)
    scores = per_class(cm)
    assert scores["a"].precision == 0.0 and scores["a"].f1 == 0.0  # never predicted
    assert scores["b"].recall == 0.0 and scores["b"].f1 == 0.0  # never true, predicted twice: counts
    assert scores["c"].support == 0 and scores["c"].predicted == 0  # absent: left out of the mean
    assert macro_f1(scores) == 0.0
    perfect = per_class(confusion_matrix(["a", "b"], ["a", "b"], LABELS))
    assert macro_f1(perfect) == 1.0  # c is absent from both: not a zero in the mean


def test_confusion_rejects_unknown_labels_and_length_mismatch() -> None:
    with pytest.raises(ValueError, match="not one of the labels"):
        confusion_matrix(["a"], ["z"], LABELS)
    with pytest.raises(ValueError, match="not one of the labels"):
        confusion_matrix(["z"], ["a"], LABELS)
    with pytest.raises(ValueError, match="predictions"):
        confusion_matrix(["a", "b"], ["a"], LABELS)


@pytest.mark.parametrize("seed", range(5))
def test_agrees_with_scikit_learn_on_random_labels(seed: int) -> None:
    rng = random.Random(seed)
    labels = [f"r{i}" for i in range(6)]
    truth = [rng.choice(labels[:5]) for _ in range(200)]  # r5 is never true, sometimes predicted
    pred = [rng.choice([*labels, None]) if rng.random() < 0.4 else t for t in truth]
    cm = confusion_matrix(truth, pred, labels)
    sk_pred = [p if p is not None else ABSTAINED for p in pred]
    assert np.array_equal(np.array(cm.matrix)[:, : len(labels)], sk_confusion(truth, sk_pred, labels=labels))
    present = sorted(set(truth) | {p for p in pred if p is not None})
    scores = per_class(cm)
    assert macro_f1(scores) == pytest.approx(f1_score(truth, sk_pred, labels=present, average="macro", zero_division=0))
    assert accuracy(cm) == pytest.approx(accuracy_score(truth, sk_pred))
    p, r, f, s = precision_recall_fscore_support(truth, sk_pred, labels=labels, zero_division=0)
    for i, label in enumerate(labels):
        assert scores[label].precision == pytest.approx(p[i])
        assert scores[label].recall == pytest.approx(r[i])
        assert scores[label].f1 == pytest.approx(f[i])
        assert scores[label].support == s[i]


def test_exception_detection_by_hand() -> None:
    truth = ["no_exception", "no_exception", "weather", "lost", "damaged"]
    pred = ["no_exception", "weather", "weather", None, "no_exception"]  # None (abstained) counts as flagged
    d = exception_detection(truth, pred)
    assert (d.tp, d.fp, d.fn, d.tn) == (2, 1, 1, 1)
    assert d.precision == pytest.approx(2 / 3) and d.recall == pytest.approx(2 / 3)


def test_ece_by_hand() -> None:
    conf = [0.95, 0.95, 0.85, 0.85, 0.55, 0.25]
    correct = [True, True, True, False, True, False]
    # bins: [0.9,1] acc 1 conf .95 -> .05 (2/6); [0.8,0.9) acc .5 conf .85 -> .35 (2/6);
    #       [0.5,0.6) acc 1 conf .55 -> .45 (1/6); [0.2,0.3) acc 0 conf .25 -> .25 (1/6)
    assert expected_calibration_error(conf, correct, n_bins=10) == pytest.approx(1.5 / 6)
    bins = reliability_bins(conf, correct, 10)
    assert [b.count for b in bins] == [0, 0, 1, 0, 0, 1, 0, 0, 2, 2]
    assert bins[8].accuracy == 0.5 and bins[8].confidence == pytest.approx(0.85)


def test_ece_splits_into_over_and_under_confidence() -> None:
    conf = [0.95, 0.95, 0.85, 0.85, 0.55, 0.25]
    correct = [True, True, True, False, True, False]
    over, under = calibration_gap(conf, correct)
    # over-confident bins: [0.8,0.9) by .35 (2/6) and [0.2,0.3) by .25 (1/6); under: .05 (2/6) and .45 (1/6)
    assert over == pytest.approx((2 * 0.35 + 0.25) / 6)
    assert under == pytest.approx((2 * 0.05 + 0.45) / 6)
    assert over + under == pytest.approx(expected_calibration_error(conf, correct))


def test_ece_of_perfect_calibration_is_zero_and_edges_fall_in_the_end_bins() -> None:
    assert expected_calibration_error([0.8] * 10, [True] * 8 + [False] * 2) == pytest.approx(0.0)
    assert expected_calibration_error([1.0, 1.0], [True, True]) == pytest.approx(0.0)
    bins = reliability_bins([0.0, 1.0], [False, True], n_bins=4)
    assert bins[0].count == 1 and bins[-1].count == 1
    # two bins: everything 0.6 and right -> |1 - 0.6| = 0.4
    assert expected_calibration_error([0.6, 0.6], [True, True], n_bins=2) == pytest.approx(0.4)
    assert expected_calibration_error([], []) == 0.0
    with pytest.raises(ValueError, match="outside"):
        expected_calibration_error([1.2], [True])


def test_coverage_at_precision_by_hand() -> None:
    conf = [0.99, 0.98, 0.97, 0.96, 0.90, 0.80]
    correct = [True, True, True, True, False, True]
    cov = coverage_at_precision(conf, correct, 0.95)
    assert cov.coverage == pytest.approx(4 / 6) and cov.threshold == 0.96 and cov.answered == 4
    # order of the input does not matter
    assert coverage_at_precision(conf[::-1], correct[::-1], 0.95).coverage == pytest.approx(4 / 6)


def test_coverage_includes_the_boundary_and_can_be_everything_or_nothing() -> None:
    conf = [1.0 - i / 100 for i in range(20)]
    correct = [True] * 19 + [False]  # the last prefix has precision exactly 19/20 = 0.95
    assert coverage_at_precision(conf, correct, 0.95).coverage == 1.0
    none = coverage_at_precision([0.9, 0.8], [False, True], 0.95)
    assert none.coverage == 0.0 and none.threshold is None


def test_coverage_never_splits_a_tie() -> None:
    # a threshold at 0.9 takes both 0.9s (precision 1/2); it cannot take only the right one
    cov = coverage_at_precision([0.9, 0.9, 0.8], [True, False, True], 0.95)
    assert cov.coverage == 0.0


def test_abstention_and_agreements_by_hand() -> None:
    assert abstention_rate([True, False, False, True]) == 0.5
    assert abstention_rate([]) == 0.0
    prio = priority_agreement([("P1", "P1"), ("P2", "P3"), (None, "P2"), ("P3", "P3")])
    assert prio.n == 3 and prio.exact == pytest.approx(2 / 3)
    acts = action_agreement(
        [(["a"], ["a"]), (["a", "b"], ["a"]), ([], []), (None, ["x"]), (["c"], ["d"]), (["b", "a"], ["a", "b"])]
    )
    assert acts.n == 5
    assert acts.exact == pytest.approx(3 / 5)  # order does not matter; [] == [] is agreement
    assert acts.jaccard == pytest.approx((1 + 0.5 + 1 + 0 + 1) / 5)
    assert jaccard([], ["a"]) == 0.0 and jaccard(["a", "b", "c"], ["b", "c", "d"]) == pytest.approx(0.5)


def test_percentiles_match_numpy() -> None:
    values = [10.0, 20.0, 30.0, 40.0]
    assert percentile(values, 50) == 25.0
    assert percentile(values, 95) == pytest.approx(38.5)
    rng = random.Random(3)
    sample = [rng.uniform(1, 500) for _ in range(101)]
    for q in (0, 5, 50, 90, 95, 99, 100):
        assert percentile(sample, q) == pytest.approx(float(np.percentile(sample, q)))
    assert latency_summary([5.0]) == {"p50": 5.0, "p95": 5.0, "mean": 5.0, "max": 5.0}


def test_get_metric_reads_keys_with_dots() -> None:
    metrics = {"calibration": {"coverage_at_precision_0.95": 0.5, "ece": 0.1}, "n": 3}
    assert get_metric(metrics, "calibration.coverage_at_precision_0.95") == 0.5
    assert get_metric(metrics, "calibration.ece") == 0.1
    with pytest.raises(KeyError):
        get_metric(metrics, "calibration.missing")
    with pytest.raises(KeyError):
        get_metric(metrics, "n.deeper")


def _outcome(rid: str, truth: str, pred: str | None, conf: float, **kw: object) -> RecordOutcome:
    values: dict[str, object] = {
        "record_id": rid,
        "dataset": "d.jsonl",
        "channel": "email",
        "expected_reason": truth,
        "predicted_reason": pred,
        "top_reason": pred or "weather",
        "confidence": conf,
        "abstained": pred is None,
        "expected_priority": "P3",
        "predicted_priority": "P3",
        "expected_actions": None,
        "predicted_actions": [],
        "latency_ms": 10.0,
        **kw,
    }
    return RecordOutcome(**values)  # type: ignore[arg-type]


def test_compute_metrics_document() -> None:
    outcomes = [
        _outcome("1", "weather", "weather", 0.9),
        _outcome("2", "lost", None, 0.3, top_reason="lost"),
        _outcome("3", "no_exception", "no_exception", 0.8, expected_priority="P4", latency_ms=30.0),
        _outcome("4", "lost", None, 0.0, error="pipeline error: RuntimeError"),
    ]
    redaction = {"leak_rate": 0.0, "keep_rate": 1.0, "failures": []}
    m = compute_metrics(outcomes, ["weather", "lost", "no_exception"], redaction, "local")
    assert m["n"] == 3 and m["errors"]["count"] == 1 and m["errors"]["records"][0]["case_id"] == "4"
    assert m["reason"]["accuracy"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["reason"]["top1_accuracy"] == 1.0  # the abstained one's best guess was right
    assert m["reason"]["confusion"]["matrix"][1] == [0, 0, 0, 1]
    assert m["abstention_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["priority"] == {"n": 3, "agreement": pytest.approx(2 / 3, abs=1e-4)}
    assert m["actions"]["n"] == 0
    assert m["latency_ms"]["p50"] == 10.0
    assert m["exception_detection"]["recall"] == 1.0
    assert m["calibration"]["ece"] == pytest.approx(((0.9 - 1) ** 2) ** 0.5 / 3 + 0.2 / 3 + 0.7 / 3, abs=1e-4)
    assert "coverage_at_precision_0.95" in m["calibration"]
    assert m["redaction"] is redaction and m["reasoner"] == "local"


def test_agreements_without_labels_are_not_figures() -> None:
    """A set without priority or action labels reports n/a (null), not 0.0."""
    prio = priority_agreement([(None, "P2"), (None, "P3")]).as_json()
    acts = action_agreement([(None, ["open_ticket"])]).as_json()
    assert prio == {"n": 0, "agreement": None}
    assert acts == {"n": 0, "agreement": None, "exact_match": None, "jaccard": None}
