"""The HTML report: plots embedded, redacted text only and escaped, worst cases first, baseline diff."""

from __future__ import annotations

import base64
import re

from agents.state import REASON_CODES
from evals.gates import Gate, evaluate_gates
from evals.metrics import RecordOutcome, compute_metrics
from evals.report import baseline_diff, render_report, worst_misclassifications


def _o(rid: str, truth: str, top: str, conf: float, body: str = "body", abstained: bool = False) -> RecordOutcome:
    return RecordOutcome(
        record_id=rid, dataset="t.jsonl", channel="email", expected_reason=truth,
        predicted_reason=None if abstained else top, top_reason=top, confidence=conf, abstained=abstained,
        expected_priority="P3", predicted_priority="P3", expected_actions=["open_ticket"],
        predicted_actions=["open_ticket"], latency_ms=12.0, redacted_subject="Subject <PERSON_1>", redacted_body=body,
    )  # fmt: skip


OUTCOMES = [
    _o("r1", "weather", "weather", 0.91),
    _o("r2", "lost", "damaged", 0.88, body="Pallet <script>alert(1)</script> for <PERSON_1> crushed"),
    _o("r3", "lost", "weather", 0.35, body="unsure", abstained=True),
    _o("r4", "no_exception", "lost", 0.60, body="delivered to <PERSON_2>"),
    _o("r5", "damaged", "damaged", 0.97),
]
REDACTION = {
    "leak_rate": 0.5, "keep_rate": 1.0, "n_records": 5, "n_must_redact": 2, "n_must_keep": 1, "leaks": 1,
    "keep_failures": 0, "failures": [{"case_id": "r2", "string": "Maria Keller", "kind": "leak"}],
}  # fmt: skip


def _metrics(macro_shift: float = 0.0) -> dict:
    m = compute_metrics(OUTCOMES, list(REASON_CODES), REDACTION, "local")
    m["reason"]["macro_f1"] = round(m["reason"]["macro_f1"] + macro_shift, 4)
    m["run"] = {"run_id": "run-1", "started_at": "2026-03-02T09:00:00+00:00", "seconds": 1.0,
                "datasets": [{"path": "t.jsonl", "records": 5}], "memory_size": 378, "seeded": 0}  # fmt: skip
    return m


def test_worst_misclassifications_are_wrong_answers_by_confidence() -> None:
    assert [o.record_id for o in worst_misclassifications(OUTCOMES)] == ["r2", "r4", "r3"]
    assert worst_misclassifications(OUTCOMES, limit=1)[0].record_id == "r2"


def test_baseline_diff_says_which_way_a_change_goes() -> None:
    current, baseline = _metrics(), _metrics(macro_shift=0.05)
    rows = {r["metric"]: r for r in baseline_diff(current, baseline)}
    assert rows["reason.macro_f1"]["delta"] < 0 and rows["reason.macro_f1"]["better"] is False
    assert rows["redaction.leak_rate"]["better"] is None  # unchanged
    assert "reason.per_class.weather.f1" in rows
    lower = _metrics()
    lower["latency_ms"]["p95"] = current["latency_ms"]["p95"] - 5
    assert {r["metric"]: r for r in baseline_diff(lower, current)}["latency_ms.p95"]["better"] is True
    assert all(r["baseline"] is None for r in baseline_diff(current, None))


def test_report_embeds_plots_escapes_text_and_shows_the_baseline() -> None:
    metrics, baseline = _metrics(), _metrics(macro_shift=0.05)
    gates = evaluate_gates(
        [Gate(id="no_pii_leak", metric="redaction.leak_rate", max=0.0),
         Gate(id="f1_vs_baseline", metric="reason.macro_f1", max_drop_from_baseline=0.02)],
        metrics, baseline,
    )  # fmt: skip
    html = render_report(metrics, OUTCOMES, gates, baseline, "evals/baseline/metrics.json")
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) == 3
    assert all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)
    assert "Confusion matrix" in html and "Reliability diagram" not in html  # the title is inside the PNG
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "&lt;PERSON_1&gt;" in html  # redacted placeholders are shown as text
    assert "Gates: FAILED" in html and "no_pii_leak" in html and "Maria Keller" in html
    assert "Difference against the baseline" in html and "evals/baseline/metrics.json" in html
    for label in REASON_CODES:
        assert f"<td>{label}</td>" in html


def test_report_without_baseline() -> None:
    html = render_report(_metrics(), OUTCOMES, [], None)
    assert "Difference against the baseline" not in html and "Gates: all passed" in html
