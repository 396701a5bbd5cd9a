"""Metric functions of the eval suite: pure functions of labels, predictions and confidences.

Conventions (the tests in `tests/evals/test_metrics.py` pin each one with hand-computed answers):
- A confusion matrix has one row per TRUE label and one column per PREDICTED label, in `labels`
  order. An abstention (prediction None) is counted in an extra last column, `ABSTAINED`: it is a
  miss for the true class (recall) and a false positive for no class (precision).
- Precision, recall, F1, accuracy and the confusion matrix are scikit-learn's (`sklearn.metrics`),
  with `zero_division=0`: 0.0 when undefined (no prediction, no support). Macro-F1 averages over the
  labels that occur in the truth or the predictions, so a dataset without some reason codes is not
  punished for them.
- ECE uses equal-width bins [0, 1/B), [1/B, 2/B) ... [(B-1)/B, 1]: sum over bins of
  (bin size / n) * |accuracy(bin) - mean confidence(bin)|.
- Calibration is judged on the most probable reason and its probability (`confidence`), abstentions
  included: an abstention is a low-confidence answer, and ECE is about what the number means.
- Coverage at precision p: sort by confidence, highest first; the largest prefix whose precision is
  at least p, as a share of n. A prefix may only end where the confidence changes (a threshold cannot
  take half of a tie), so the answer is what a confidence threshold can actually achieve.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sklearn import metrics as skm

from evals.summary_quality import DraftCheck, SummaryCheck, draft_metrics, summary_metrics

ABSTAINED = "(abstained)"
NEGATIVE = "no_exception"


# --------------------------------------------------------------------------- classification


@dataclass(frozen=True)
class Confusion:
    labels: list[str]  # rows (truth) and the first len(labels) columns (prediction)
    matrix: list[list[int]]  # len(labels) rows x len(labels) + 1 columns; the last is ABSTAINED

    @property
    def columns(self) -> list[str]:
        return [*self.labels, ABSTAINED]

    def as_json(self) -> dict[str, Any]:
        return {"labels": self.labels, "columns": self.columns, "matrix": self.matrix}


def confusion_matrix(truth: Sequence[str], predicted: Sequence[str | None], labels: Sequence[str]) -> Confusion:
    """Counts of (true label, predicted label); None as a prediction is an abstention."""
    if len(truth) != len(predicted):
        raise ValueError(f"{len(truth)} true labels but {len(predicted)} predictions")
    known = set(labels)
    for t, p in zip(truth, predicted, strict=True):
        if t not in known:
            raise ValueError(f"true label {t!r} is not one of the labels")
        if p is not None and p not in known:
            raise ValueError(f"predicted label {p!r} is not one of the labels")
    columns = [*labels, ABSTAINED]
    if not truth:
        return Confusion(list(labels), [[0] * len(columns) for _ in labels])
    full = skm.confusion_matrix(list(truth), _with_abstentions(predicted), labels=columns)
    return Confusion(list(labels), full[: len(labels)].tolist())  # no true label is an abstention


@dataclass(frozen=True)
class ClassScores:
    precision: float
    recall: float
    f1: float
    support: int  # true instances
    predicted: int  # times the class was predicted

    def as_json(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "support": self.support,
            "predicted": self.predicted,
        }


def _ratio(num: float, den: float) -> float:
    return num / den if den else 0.0


def _with_abstentions(predicted: Sequence[str | None]) -> list[str]:
    return [ABSTAINED if p is None else p for p in predicted]


def _pairs(confusion: Confusion) -> tuple[list[str], list[str]]:
    """The (truth, prediction) lists a confusion matrix counts, for sklearn's metrics."""
    truth: list[str] = []
    predicted: list[str] = []
    for i, label in enumerate(confusion.labels):
        for j, column in enumerate(confusion.columns):
            n = confusion.matrix[i][j]
            truth += [label] * n
            predicted += [column] * n
    return truth, predicted


def per_class(confusion: Confusion) -> dict[str, ClassScores]:
    truth, predicted = _pairs(confusion)
    labels = confusion.labels
    if not truth:
        return {label: ClassScores(0.0, 0.0, 0.0, 0, 0) for label in labels}
    precision, recall, f1, support = skm.precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    times_predicted = [sum(row[j] for row in confusion.matrix) for j in range(len(labels))]
    return {
        label: ClassScores(float(precision[i]), float(recall[i]), float(f1[i]), int(support[i]), times_predicted[i])
        for i, label in enumerate(labels)
    }


def macro_f1(scores: dict[str, ClassScores]) -> float:
    """Mean F1 over the classes present in the truth or in the predictions."""
    present = [s.f1 for s in scores.values() if s.support or s.predicted]
    return sum(present) / len(present) if present else 0.0


def accuracy(confusion: Confusion) -> float:
    truth, predicted = _pairs(confusion)
    return float(skm.accuracy_score(truth, predicted)) if truth else 0.0


@dataclass(frozen=True)
class Detection:
    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int
    tn: int

    def as_json(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
        }


def exception_detection(truth: Sequence[str], predicted: Sequence[str | None], negative: str = NEGATIVE) -> Detection:
    """`negative` (no_exception) against every other reason. An abstention counts as flagged: the case
    goes to a person as "needs classification", which is what the product does with an exception."""
    actual = [t != negative for t in truth]
    flagged = [p != negative for p in predicted]
    if not actual:
        return Detection(0.0, 0.0, 0.0, 0, 0, 0, 0)
    tn, fp, fn, tp = (int(v) for v in skm.confusion_matrix(actual, flagged, labels=[False, True]).ravel())
    precision, recall, f1, _ = skm.precision_recall_fscore_support(
        actual, flagged, average="binary", pos_label=True, zero_division=0
    )
    return Detection(float(precision), float(recall), float(f1), tp, fp, fn, tn)


# --------------------------------------------------------------------------- calibration


@dataclass(frozen=True)
class ReliabilityBin:
    lower: float
    upper: float
    count: int
    confidence: float  # mean confidence in the bin (0 when empty)
    accuracy: float  # share correct in the bin (0 when empty)

    def as_json(self) -> dict[str, float | int]:
        return {
            "lower": round(self.lower, 4),
            "upper": round(self.upper, 4),
            "count": self.count,
            "confidence": round(self.confidence, 4),
            "accuracy": round(self.accuracy, 4),
        }


def _check_confidences(confidences: Sequence[float], correct: Sequence[bool]) -> None:
    if len(confidences) != len(correct):
        raise ValueError(f"{len(confidences)} confidences but {len(correct)} outcomes")
    for c in confidences:
        if not 0.0 <= c <= 1.0 or math.isnan(c):
            raise ValueError(f"confidence {c!r} is outside [0, 1]")


def reliability_bins(confidences: Sequence[float], correct: Sequence[bool], n_bins: int = 10) -> list[ReliabilityBin]:
    """Equal-width bins; a confidence of exactly 1.0 falls in the last bin."""
    _check_confidences(confidences, correct)
    if n_bins < 1:
        raise ValueError("n_bins must be at least 1")
    sums = [0.0] * n_bins
    hits = [0] * n_bins
    counts = [0] * n_bins
    for c, ok in zip(confidences, correct, strict=True):
        b = min(int(c * n_bins), n_bins - 1)
        sums[b] += c
        hits[b] += int(bool(ok))
        counts[b] += 1
    return [
        ReliabilityBin(b / n_bins, (b + 1) / n_bins, counts[b], _ratio(sums[b], counts[b]), _ratio(hits[b], counts[b]))
        for b in range(n_bins)
    ]


def expected_calibration_error(confidences: Sequence[float], correct: Sequence[bool], n_bins: int = 10) -> float:
    n = len(confidences)
    if n == 0:
        return 0.0
    bins = reliability_bins(confidences, correct, n_bins)
    return sum(b.count / n * abs(b.accuracy - b.confidence) for b in bins)


def calibration_gap(confidences: Sequence[float], correct: Sequence[bool], n_bins: int = 10) -> tuple[float, float]:
    """ECE split by direction: (over-confident part, under-confident part); they add up to the ECE.
    Over-confidence is the dangerous one: a confident wrong answer is accepted; under-confidence costs
    reviews (the reasoner abstains or a person double-checks more than needed)."""
    n = len(confidences)
    if n == 0:
        return 0.0, 0.0
    bins = reliability_bins(confidences, correct, n_bins)
    over = sum(b.count / n * max(0.0, b.confidence - b.accuracy) for b in bins)
    under = sum(b.count / n * max(0.0, b.accuracy - b.confidence) for b in bins)
    return over, under


@dataclass(frozen=True)
class Coverage:
    coverage: float  # share of all n answered at the threshold
    threshold: float | None  # lowest confidence still answered (None: nothing reaches the precision)
    precision: float  # precision of the answered prefix (0 when nothing)
    answered: int


def coverage_at_precision(confidences: Sequence[float], correct: Sequence[bool], target: float = 0.95) -> Coverage:
    """Largest share of cases a confidence threshold can answer with precision >= target."""
    _check_confidences(confidences, correct)
    n = len(confidences)
    order = sorted(range(n), key=lambda i: -confidences[i])
    best = Coverage(0.0, None, 0.0, 0)
    hits = 0
    for rank, i in enumerate(order, 1):
        hits += int(bool(correct[i]))
        tie_continues = rank < n and confidences[order[rank]] == confidences[i]
        if tie_continues:
            continue
        precision = hits / rank
        if precision >= target - 1e-12:
            best = Coverage(rank / n, confidences[i], precision, rank)
    return best


# --------------------------------------------------------------------------- the rest


def abstention_rate(abstained: Sequence[bool]) -> float:
    return _ratio(sum(bool(a) for a in abstained), len(abstained))


@dataclass(frozen=True)
class Agreement:
    n: int  # records that carry the label
    exact: float  # share with exactly the labelled value (for actions: the same set)
    jaccard: float | None = None  # mean Jaccard of the action sets (None for priority)

    def as_json(self) -> dict[str, float | int | None]:
        # With no labelled record there is no figure: null ("n/a" in the report), never a 0.0 that reads
        # as "always wrong".
        def rate(value: float) -> float | None:
            return round(value, 4) if self.n else None

        out: dict[str, float | int | None] = {"n": self.n, "agreement": rate(self.exact)}
        if self.jaccard is not None:
            out["exact_match"] = rate(self.exact)
            out["jaccard"] = rate(self.jaccard)
        return out


def priority_agreement(pairs: Iterable[tuple[str | None, str | None]]) -> Agreement:
    """(expected, predicted) pairs; records without an expected priority are left out."""
    labelled = [(e, p) for e, p in pairs if e is not None]
    return Agreement(len(labelled), _ratio(sum(e == p for e, p in labelled), len(labelled)))


def jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    sa, sb = set(a), set(b)
    if not sa and not sb:
        return 1.0  # both say "no action"
    return len(sa & sb) / len(sa | sb)


def action_agreement(pairs: Iterable[tuple[Sequence[str] | None, Sequence[str]]]) -> Agreement:
    """(expected, predicted) action lists; records without expected actions (None) are left out.
    An empty expected list is a label: "no action"."""
    labelled = [(set(e), set(p)) for e, p in pairs if e is not None]
    n = len(labelled)
    return Agreement(
        n,
        _ratio(sum(e == p for e, p in labelled), n),
        _ratio(sum(jaccard(e, p) for e, p in labelled), n) if n else 0.0,
    )


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), q in [0, 100]."""
    if not values:
        return 0.0
    if not 0.0 <= q <= 100.0:
        raise ValueError("q must be in [0, 100]")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def latency_summary(latencies_ms: Sequence[float]) -> dict[str, float]:
    return {
        "p50": round(percentile(latencies_ms, 50), 1),
        "p95": round(percentile(latencies_ms, 95), 1),
        "mean": round(sum(latencies_ms) / len(latencies_ms), 1) if latencies_ms else 0.0,
        "max": round(max(latencies_ms), 1) if latencies_ms else 0.0,
    }


# --------------------------------------------------------------------------- one run's metrics.json


@dataclass(frozen=True)
class RecordOutcome:
    """What the pipeline did with one labelled record (redacted text only)."""

    record_id: str
    dataset: str
    channel: str
    expected_reason: str
    predicted_reason: str | None  # None: the reasoner abstained
    top_reason: str | None  # the most probable reason, even when it abstained
    confidence: float
    abstained: bool
    expected_priority: str | None
    predicted_priority: str | None
    expected_actions: list[str] | None  # None: the record has no action label
    predicted_actions: list[str]
    latency_ms: float
    summary: SummaryCheck | None = None  # how the case summary reads against the labels
    draft: DraftCheck | None = None  # the customer update draft against the labels (PII)
    redacted_subject: str | None = None
    redacted_body: str = ""
    case_id: str | None = None
    reasoner: str | None = None  # which reasoner answered ("local", "llm", "llm->local" fallback)
    error: str | None = None  # the pipeline failed on this record (the message, no text of the record)
    language: str | None = None  # the record's labelled language, else the detected one
    manipulation: list[str] = field(default_factory=list)  # texts of the manipulation spans (redacted)

    @property
    def correct(self) -> bool:
        return self.predicted_reason == self.expected_reason

    @property
    def top_correct(self) -> bool:
        return self.top_reason == self.expected_reason


def compute_metrics(
    outcomes: Sequence[RecordOutcome],
    labels: Sequence[str],
    redaction: dict[str, Any],
    reasoner: str,
    n_bins: int = 10,
    precision_target: float = 0.95,
) -> dict[str, Any]:
    """The metrics.json document of one run. Records the pipeline failed on are counted in `errors`
    and left out of the other figures; `redaction` is already computed (see evals.redaction_eval)."""
    done = [o for o in outcomes if o.error is None]
    truth = [o.expected_reason for o in done]
    predicted = [o.predicted_reason for o in done]
    confusion = confusion_matrix(truth, predicted, labels)
    scores = per_class(confusion)
    top = confusion_matrix(truth, [o.top_reason for o in done], labels)
    confidences = [o.confidence for o in done]
    top_correct = [o.top_correct for o in done]
    coverage = coverage_at_precision(confidences, top_correct, precision_target)
    over, under = calibration_gap(confidences, top_correct, n_bins)
    key = f"{precision_target:.2f}"
    return {
        "n": len(done),
        "errors": {
            "count": len(outcomes) - len(done),
            "records": [{"case_id": o.record_id, "error": o.error} for o in outcomes if o.error is not None],
        },
        "reasoner": reasoner,
        "reason": {
            "accuracy": round(accuracy(confusion), 4),
            "macro_f1": round(macro_f1(scores), 4),
            "per_class": {label: s.as_json() for label, s in scores.items()},
            "confusion": confusion.as_json(),
            # the most probable reason, abstentions included: what the model knows before it abstains
            "top1_accuracy": round(accuracy(top), 4),
            "top1_macro_f1": round(macro_f1(per_class(top)), 4),
        },
        "exception_detection": exception_detection(truth, predicted).as_json(),
        "redaction": redaction,
        "calibration": {
            "ece": round(expected_calibration_error(confidences, top_correct, n_bins), 4),
            "overconfidence": round(over, 4),
            "underconfidence": round(under, 4),
            "mean_confidence": round(sum(confidences) / len(confidences), 4) if confidences else 0.0,
            "accuracy": round(sum(top_correct) / len(top_correct), 4) if top_correct else 0.0,
            "n_bins": n_bins,
            "bins": [b.as_json() for b in reliability_bins(confidences, top_correct, n_bins)],
            f"coverage_at_precision_{key}": round(coverage.coverage, 4),
            f"threshold_at_precision_{key}": coverage.threshold,
        },
        "abstention_rate": round(abstention_rate([o.abstained for o in done]), 4),
        "priority": priority_agreement((o.expected_priority, o.predicted_priority) for o in done).as_json(),
        "actions": action_agreement((o.expected_actions, o.predicted_actions) for o in done).as_json(),
        "summary": summary_metrics([o.summary for o in done if o.summary is not None]),
        "drafts": draft_metrics([o.draft for o in done if o.draft is not None]),
        "latency_ms": latency_summary([o.latency_ms for o in done]),
    }


def get_metric(metrics: dict[str, Any], path: str) -> Any:
    """A value by its dotted path ("reason.macro_f1"); keys may themselves contain dots
    ("calibration.coverage_at_precision_0.95"), so the longest matching key wins at each level."""
    node: Any = metrics
    rest = path
    while rest:
        if not isinstance(node, dict):
            raise KeyError(path)
        for key in sorted(node, key=len, reverse=True):
            if rest == key or rest.startswith(key + "."):
                node, rest = node[key], rest[len(key) + 1 :]
                break
        else:
            raise KeyError(path)
    return node
