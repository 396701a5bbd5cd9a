"""The human report of an eval run: one self-contained HTML file (plots embedded as base64 PNG).

Only redacted text appears in it: the worst misclassifications show what left the `redact` step.
The redaction failures list the labelled strings of the dataset (synthetic `must_redact` values), which
is what a person needs to fix a recognizer.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import Any

from jinja2 import Environment, select_autoescape
from matplotlib.figure import Figure

from evals.gates import GateResult
from evals.metrics import RecordOutcome, get_metric

_LANGUAGES = ("en", "de", "fr", "es", "nl", "pt", "it")
HEADLINE: list[tuple[str, str, bool]] = [  # (metric path, label, higher is better)
    ("reason.macro_f1", "Reason macro-F1", True),
    ("reason.accuracy", "Reason accuracy", True),
    ("reason.top1_macro_f1", "Reason macro-F1, abstentions answered", True),
    ("exception_detection.precision", "Exception detection precision", True),
    ("exception_detection.recall", "Exception detection recall", True),
    ("redaction.leak_rate", "PII leak rate", False),
    ("redaction.keep_rate", "Reference keep rate", True),
    ("calibration.ece", "Expected calibration error", False),
    ("calibration.coverage_at_precision_0.95", "Coverage at precision 0.95", True),
    ("abstention_rate", "Abstention rate", False),
    ("priority.agreement", "Priority agreement", True),
    ("actions.exact_match", "Action set exact match", True),
    ("actions.jaccard", "Action set Jaccard", True),
    ("by_dataset.priority_actions.priority.agreement", "Priority agreement, held-out priority_actions set", True),
    ("by_dataset.priority_actions.actions.jaccard", "Action set Jaccard, held-out priority_actions set", True),
    ("summary.primary_ref_rate", "Summaries naming the primary reference", True),
    ("summary.new_eta_rate", "Summaries with the labelled new ETA", True),
    ("summary.subject_copy_rate", "Summaries copying the subject", False),
    ("summary.pii_rate", "Summaries with PII", False),
    ("drafts.pii_rate", "Customer update drafts with PII", False),
    ("latency_ms.p50", "Latency p50 (ms)", False),
    ("latency_ms.p95", "Latency p95 (ms)", False),
    ("redaction.over_redaction_rate", "Over-redaction rate (replaced values no label calls PII)", False),
    *[(f"by_language.{code}.macro_f1", f"Reason macro-F1, {code}", True) for code in _LANGUAGES],
    *[(f"by_language.{code}.leaks", f"PII leaks, {code}", False) for code in _LANGUAGES],
    ("manipulation.same_outcome_rate", "Manipulation: outcome as without the injected text", True),
    ("manipulation.detector_recall", "Manipulation detector recall (messages)", True),
    ("manipulation.span_recall", "Manipulation detector recall (injected passages)", True),
    ("manipulation.false_positive_rate", "Manipulation detector false positives (ordinary messages)", False),
]


def _value(metrics: dict[str, Any] | None, path: str) -> float | None:
    if metrics is None:
        return None
    try:
        value = get_metric(metrics, path)
    except KeyError:
        return None
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def baseline_diff(metrics: dict[str, Any], baseline: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Headline metrics and per-class F1 of this run beside the baseline's; `better` says which way the
    change goes (None when equal or not comparable)."""
    rows: list[dict[str, Any]] = []
    paths = list(HEADLINE)
    for label in (metrics.get("reason") or {}).get("per_class") or {}:
        paths.append((f"reason.per_class.{label}.f1", f"F1 {label}", True))
    for path, label, higher in paths:
        current, base = _value(metrics, path), _value(baseline, path)
        delta = current - base if current is not None and base is not None else None
        better = None if delta is None or abs(delta) < 1e-9 else (delta > 0) == higher
        rows.append(
            {"metric": path, "label": label, "current": current, "baseline": base, "delta": delta, "better": better}
        )
    return rows


def worst_misclassifications(outcomes: Sequence[RecordOutcome], limit: int = 15) -> list[RecordOutcome]:
    """Wrong answers with the highest confidence first (abstentions whose best guess was wrong too)."""
    wrong = [o for o in outcomes if o.error is None and not o.top_correct]
    return sorted(wrong, key=lambda o: (-o.confidence, o.record_id))[:limit]


# --------------------------------------------------------------------------- plots


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def plot_confusion(confusion: dict[str, Any]) -> str:
    labels, columns, matrix = confusion["labels"], confusion["columns"], confusion["matrix"]
    fig = Figure(figsize=(9.5, 7.5))
    ax = fig.subplots()
    totals = [max(sum(row), 1) for row in matrix]
    shares = [[v / totals[i] for v in row] for i, row in enumerate(matrix)]
    image = ax.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(range(len(columns)), labels=columns, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels=labels, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i, row in enumerate(matrix):
        for j, v in enumerate(row):
            if v:
                ax.text(
                    j, i, str(v), ha="center", va="center", fontsize=7, color="white" if shares[i][j] > 0.5 else "black"
                )
    fig.colorbar(image, ax=ax, label="share of the true class")
    ax.set_title("Confusion matrix (counts; colour = share of row)")
    return _png(fig)


def plot_reliability(bins: list[dict[str, Any]], ece: float) -> str:
    fig = Figure(figsize=(6.5, 6.0))
    ax, hist = fig.subplots(2, 1, height_ratios=[3, 1], sharex=True)
    width = bins[0]["upper"] - bins[0]["lower"] if bins else 0.1
    centres = [(b["lower"] + b["upper"]) / 2 for b in bins]
    filled = [b for b in bins if b["count"]]
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    ax.bar(
        [(b["lower"] + b["upper"]) / 2 for b in filled],
        [b["accuracy"] for b in filled],
        width=width * 0.9,
        color="#4c78a8",
        edgecolor="black",
        label="accuracy in bin",
    )
    ax.plot(
        [(b["lower"] + b["upper"]) / 2 for b in filled],
        [b["confidence"] for b in filled],
        "_",
        markersize=22,
        markeredgewidth=3,
        color="#e45756",
        label="mean confidence in bin",
    )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_ylabel("accuracy")
    ax.set_title(f"Reliability diagram (ECE {ece:.3f})")
    ax.legend(loc="upper left", fontsize=7, framealpha=0.9)
    hist.bar(centres, [b["count"] for b in bins], width=width * 0.9, color="#9ecae9", edgecolor="black")
    hist.set_xlabel("confidence")
    hist.set_ylabel("records")
    return _png(fig)


def plot_per_class(per_class: dict[str, Any], baseline: dict[str, Any] | None) -> str:
    labels = list(per_class)
    fig = Figure(figsize=(9.5, 4.5))
    ax = fig.subplots()
    xs = list(range(len(labels)))
    base_pc = ((baseline or {}).get("reason") or {}).get("per_class") or {}
    if base_pc:
        ax.bar(
            [x - 0.2 for x in xs],
            [base_pc.get(lab, {}).get("f1", 0.0) for lab in labels],
            width=0.4,
            color="#bbbbbb",
            label="baseline",
        )
        ax.bar(
            [x + 0.2 for x in xs],
            [per_class[lab]["f1"] for lab in labels],
            width=0.4,
            color="#4c78a8",
            label="this run",
        )
        ax.legend(fontsize=8)
    else:
        ax.bar(xs, [per_class[lab]["f1"] for lab in labels], color="#4c78a8")
    ax.set_xticks(xs, labels=labels, rotation=45, ha="right", fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("F1")
    ax.set_title("F1 per reason")
    return _png(fig)


# --------------------------------------------------------------------------- HTML

_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Eval report {{ run.run_id }}</title>
<style>
 body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
 table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
 th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
 td.num { text-align: right; font-variant-numeric: tabular-nums; }
 .pass { color: #1a7f37; font-weight: bold; } .fail { color: #cf222e; font-weight: bold; }
 .skip { color: #777; } .better { color: #1a7f37; } .worse { color: #cf222e; }
 pre { white-space: pre-wrap; background: #f6f8fa; padding: 0.5em; margin: 0; font-size: 0.85em;
       max-height: 16em; overflow: auto; }
 img { max-width: 100%; }
 .verdict { font-size: 1.2em; padding: 0.4em 0.8em; display: inline-block; border-radius: 4px; }
 .verdict.ok { background: #dafbe1; } .verdict.bad { background: #ffebe9; }
</style></head><body>
{%- macro delta(r) -%}
<td class="num {{ 'better' if r.better else ('worse' if r.better is false else '') }}">{{ signed(r.delta) }}</td>
{%- endmacro %}
<h1>Eval report</h1>
<p>Run <code>{{ run.run_id }}</code>, {{ run.started_at }}; reasoner <b>{{ metrics.reasoner }}</b>;
{{ metrics.n }} records from
{% for d in run.datasets %}<code>{{ d.path }}</code> ({{ d.records }}){{ ", " if not loop.last }}{% endfor %};
{{ run.seconds }} s; case memory {{ run.memory_size }} cases
{%- if run.seeded %} (seeded {{ run.seeded }} on first use){% endif %}.</p>
<p class="verdict {{ 'ok' if gates_passed else 'bad' }}">Gates: {{ 'all passed' if gates_passed else 'FAILED' }}</p>

<h2>Gates</h2>
<table><tr><th>gate</th><th>metric</th><th>rule</th><th>value</th><th>status</th><th>detail</th></tr>
{% for g in gates %}<tr><td>{{ g.id }}</td><td><code>{{ g.metric }}</code></td><td>{{ g.rule }}</td>
<td class="num">{{ fmt(g.value) }}</td><td class="{{ g.status }}">{{ g.status }}</td><td>{{ g.detail }}</td></tr>
{% endfor %}</table>

<h2>Headline metrics{% if has_baseline %} against the baseline{% endif %}</h2>
<table><tr><th>metric</th><th>this run</th>{% if has_baseline %}<th>baseline</th><th>change</th>{% endif %}</tr>
{% for r in headline %}<tr><td>{{ r.label }}</td><td class="num">{{ fmt(r.current) }}</td>
{% if has_baseline %}<td class="num">{{ fmt(r.baseline) }}</td>{{ delta(r) }}{% endif %}</tr>
{% endfor %}</table>
{% if metrics.errors.count %}<p class="fail">{{ metrics.errors.count }} records failed in the pipeline:
{% for e in metrics.errors.records %}<code>{{ e.case_id }}</code> ({{ e.error }}){{ ", " if not loop.last }}
{% endfor %}</p>{% endif %}

<h2>Confusion matrix</h2>
<img alt="confusion matrix" src="data:image/png;base64,{{ plots.confusion }}">

<h2>Calibration</h2>
<p>ECE {{ fmt(metrics.calibration.ece) }} over {{ metrics.calibration.n_bins }} equal-width bins;
a confidence threshold of {{ fmt(threshold) }} answers {{ fmt(coverage) }} of the records at precision 0.95.
Abstention rate {{ fmt(metrics.abstention_rate) }}.</p>
<img alt="reliability diagram" src="data:image/png;base64,{{ plots.reliability }}">

<h2>Per reason</h2>
<img alt="F1 per reason" src="data:image/png;base64,{{ plots.per_class }}">
<table><tr><th>reason</th><th>precision</th><th>recall</th><th>F1</th><th>support</th><th>predicted</th>
{% if has_baseline %}<th>baseline F1</th><th>change</th>{% endif %}</tr>
{% for label, s in metrics.reason.per_class.items() %}<tr><td>{{ label }}</td>
<td class="num">{{ fmt(s.precision) }}</td><td class="num">{{ fmt(s.recall) }}</td>
<td class="num">{{ fmt(s.f1) }}</td><td class="num">{{ s.support }}</td><td class="num">{{ s.predicted }}</td>
{% if has_baseline %}<td class="num">{{ fmt(class_diff[label].baseline) }}</td>{{ delta(class_diff[label]) }}
{% endif %}</tr>
{% endfor %}</table>

<h2>Exception detection, priority, actions</h2>
{% set det = metrics.exception_detection %}
<table><tr><th></th><th>value</th></tr>
<tr><td>exception detection precision / recall (no_exception against the rest)</td>
<td class="num">{{ fmt(det.precision) }} / {{ fmt(det.recall) }}</td></tr>
<tr><td>priority agreement ({{ metrics.priority.n }} labelled)</td>
<td class="num">{{ fmt(metrics.priority.agreement) }}</td></tr>
<tr><td>action set exact match / mean Jaccard ({{ metrics.actions.n }} labelled)</td>
<td class="num">{{ fmt(metrics.actions.exact_match) }} / {{ fmt(metrics.actions.jaccard) }}</td></tr>
{% set sm = metrics.summary or {} %}
<tr><td>summaries naming the primary reference ({{ sm.primary_ref_n }} labelled)</td>
<td class="num">{{ fmt(sm.primary_ref_rate) }}</td></tr>
<tr><td>summaries with the new ETA ({{ sm.new_eta_n }} labelled)</td>
<td class="num">{{ fmt(sm.new_eta_rate) }}</td></tr>
<tr><td>summaries copying the subject / holding PII ({{ sm.n }})</td>
<td class="num">{{ fmt(sm.subject_copy_rate) }} / {{ fmt(sm.pii_rate) }}</td></tr>
{% set dr = metrics.drafts or {} %}
<tr><td>customer update drafts holding PII ({{ dr.n }})</td>
<td class="num">{{ fmt(dr.pii_rate) }}</td></tr>
<tr><td>latency per record p50 / p95 (ingest to review, ms)</td>
<td class="num">{{ metrics.latency_ms.p50 }} / {{ metrics.latency_ms.p95 }}</td></tr>
</table>

<h2>Redaction</h2>
{% set red = metrics.redaction %}
<p>Leak rate {{ fmt(red.leak_rate) }} ({{ red.leaks }} of {{ red.n_must_redact }} must_redact strings);
keep rate {{ fmt(red.keep_rate) }} ({{ red.n_must_keep - red.keep_failures }} of {{ red.n_must_keep }}
must_keep strings).</p>
{% if red.failures %}<table><tr><th>case</th><th>kind</th><th>labelled string</th></tr>
{% for f in red.failures %}<tr><td>{{ f.case_id }}</td>
<td class="{{ 'fail' if f.kind == 'leak' else '' }}">{{ f.kind }}</td><td><code>{{ f.string }}</code></td></tr>
{% endfor %}</table>{% else %}<p class="pass">No leak and no lost reference.</p>{% endif %}

<h2>Worst misclassifications</h2>
<p>Wrong answers with the highest confidence first. The text is the redacted text the reasoner saw.</p>
{% if worst %}
<table><tr><th>case</th><th>expected</th><th>predicted</th><th>confidence</th><th>redacted text</th></tr>
{% for o in worst %}<tr><td>{{ o.record_id }}<br><small>{{ o.dataset }}, {{ o.channel }}</small></td>
<td>{{ o.expected_reason }}</td>
<td>{{ o.top_reason }}{% if o.abstained %}<br><small>(abstained)</small>{% endif %}</td>
<td class="num">{{ fmt(o.confidence) }}</td>
<td><pre>{% if o.redacted_subject %}{{ o.redacted_subject }}
{% endif %}{{ o.redacted_body }}</pre></td></tr>
{% endfor %}</table>{% else %}<p>None.</p>{% endif %}

{% if has_baseline %}<h2>Difference against the baseline</h2>
<p>Baseline: <code>{{ baseline_source }}</code>{% if baseline_run %}, run {{ baseline_run }}{% endif %}.</p>
<table><tr><th>metric</th><th>baseline</th><th>this run</th><th>change</th></tr>
{% for r in diff %}<tr><td><code>{{ r.metric }}</code></td><td class="num">{{ fmt(r.baseline) }}</td>
<td class="num">{{ fmt(r.current) }}</td>{{ delta(r) }}</tr>
{% endfor %}</table>{% endif %}
</body></html>
"""


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) >= 1000 else f"{value:.3f}"
    return str(value)


def _signed(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.3f}"


def render_report(
    metrics: dict[str, Any],
    outcomes: Sequence[RecordOutcome],
    gates: Sequence[GateResult],
    baseline: dict[str, Any] | None = None,
    baseline_source: str | None = None,
    run: dict[str, Any] | None = None,
) -> str:
    """The report as an HTML string."""
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    template = env.from_string(_TEMPLATE)
    diff = baseline_diff(metrics, baseline)
    calibration = metrics["calibration"]
    plots = {
        "confusion": plot_confusion(metrics["reason"]["confusion"]),
        "reliability": plot_reliability(calibration["bins"], float(calibration["ece"])),
        "per_class": plot_per_class(metrics["reason"]["per_class"], baseline),
    }
    run_info = run or metrics.get("run") or {}
    return template.render(
        metrics=metrics,
        run={"run_id": "", "started_at": "", "datasets": [], "seconds": "", "memory_size": "", "seeded": 0, **run_info},
        gates=[g.as_json() for g in gates],
        gates_passed=all(g.status != "fail" for g in gates),
        headline=[r for r in diff if not r["metric"].startswith("reason.per_class.")],
        class_diff={r["metric"].split(".")[2]: r for r in diff if r["metric"].startswith("reason.per_class.")},
        diff=diff,
        has_baseline=baseline is not None,
        baseline_source=baseline_source or "",
        baseline_run=((baseline or {}).get("run") or {}).get("run_id"),
        worst=worst_misclassifications(outcomes),
        coverage=calibration.get("coverage_at_precision_0.95"),
        threshold=calibration.get("threshold_at_precision_0.95"),
        plots=plots,
        fmt=_fmt,
        signed=_signed,
    )
