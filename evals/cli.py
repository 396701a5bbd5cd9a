"""`triage eval`: run the labelled datasets through the pipeline, write metrics.json and report.html,
print a summary, and exit non-zero when a gate fails.

Exit status: 0 every gate passed; 1 a gate failed; 2 the eval could not run (bad dataset line, missing
baseline or gates file, test data overlapping the reasoner's training data).

Outputs in --out: metrics.json (every figure, the gate verdicts, the run's datasets and seed files with
their sha256), report.html (for people), predictions.jsonl (one line per record, redacted text only).

The baseline (`evals/baseline/metrics.json`) is the metrics.json of a full run on a freshly seeded
TRIAGE_HOME. Refresh it with `make eval-baseline` when a change is meant to move the figures (new seed
data, a new reasoner, new policies), look at the report's diff, and commit the new file with the change.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.progress import TaskID
from rich.table import Table

from agents.dataset import SEED_DIR
from agents.state import REASON_CODES
from agents.terminal import console, out, progress_bar
from evals.by_dataset import by_dataset
from evals.by_language import by_language
from evals.gates import GateResult, evaluate_gates, load_gates, passed
from evals.harness import DatasetError, EvalRun, LabelledRecord, SplitOverlapError, load_datasets, run_eval
from evals.manipulation_eval import CLEAN_SUFFIX, clean_twin, injected, manipulation_metrics
from evals.metrics import compute_metrics
from evals.over_redaction import over_redaction
from evals.redaction_eval import redaction_metrics, score_pipeline_redaction
from evals.report import baseline_diff, render_report

if TYPE_CHECKING:
    from agents.app import App

SUMMARY = [
    "reason.macro_f1",
    *[f"by_language.{code}.macro_f1" for code in ("en", "de", "fr", "es", "nl", "pt", "it")],
    "redaction.over_redaction_rate",
    "manipulation.same_outcome_rate",
    "manipulation.detector_recall",
    "manipulation.span_recall",
    "manipulation.false_positive_rate",
    "reason.accuracy",
    "exception_detection.precision",
    "exception_detection.recall",
    "redaction.leak_rate",
    "redaction.keep_rate",
    "calibration.ece",
    "calibration.coverage_at_precision_0.95",
    "abstention_rate",
    "priority.agreement",
    "actions.exact_match",
    "latency_ms.p50",
    "latency_ms.p95",
]


def load_baseline(path: str | Path) -> tuple[dict[str, Any], Path]:
    """A baseline is a run directory holding metrics.json, or the metrics.json file itself."""
    p = Path(path)
    file = p / "metrics.json" if p.is_dir() else p
    if not file.is_file():
        raise ValueError(f"{p}: no baseline metrics.json there (refresh it with `make eval-baseline`)")
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{file}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict) or "reason" not in data:
        raise ValueError(f"{file}: not an eval metrics.json")
    return data, file


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_metrics(result: EvalRun, dataset_paths: list[Path]) -> dict[str, Any]:
    """metrics.json of a finished run (gates are added by the caller)."""
    # A manipulation record's clean twin (injected text removed) is only there to compare with: the
    # figures of the run are those of the records as written.
    records = [r.record for r in result.records if not r.id.endswith(CLEAN_SUFFIX)]
    outcomes = [o for o in result.outcomes if not o.record_id.endswith(CLEAN_SUFFIX)]
    score = score_pipeline_redaction(records, result.redacted)
    metrics = compute_metrics(outcomes, list(REASON_CODES), redaction_metrics(score), result.reasoner)
    metrics["redaction"]["over_redaction"] = over_redaction(records, result.redacted).as_json()
    metrics["redaction"]["over_redaction_rate"] = metrics["redaction"]["over_redaction"]["rate"]
    metrics["by_language"] = by_language(outcomes, records, result.redacted)
    metrics["by_dataset"] = by_dataset(outcomes)
    manipulation = manipulation_metrics(result.outcomes, [r.record for r in result.records])
    if manipulation is not None:
        metrics["manipulation"] = manipulation
    counts = Counter(str(r.path) for r in result.records if not r.id.endswith(CLEAN_SUFFIX))
    metrics["reasoner_used"] = dict(Counter(o.reasoner for o in result.outcomes if o.reasoner))
    metrics["run"] = {
        "run_id": result.run_id,
        "started_at": result.started_at.isoformat(timespec="seconds"),
        "seconds": result.seconds,
        "datasets": [{"path": str(p), "records": counts.get(str(p), 0), "sha256": _sha256(p)} for p in dataset_paths],
        "memory_size": result.memory_size,
        "seeded": result.seeded,
        # what the local reasoner learned from, so two runs can be told apart
        "seed_files": [{"path": p.name, "sha256": _sha256(p)} for p in sorted(SEED_DIR.glob("*.jsonl"))],
    }
    return metrics


def write_outputs(
    out_dir: Path,
    metrics: dict[str, Any],
    result: EvalRun,
    gates: list[GateResult],
    baseline: dict[str, Any] | None,
    baseline_source: str | None,
) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    with (out_dir / "predictions.jsonl").open("w", encoding="utf-8") as fh:  # redacted text only
        for o in result.outcomes:
            fh.write(json.dumps(dataclasses.asdict(o), ensure_ascii=False) + "\n")
    html = render_report(metrics, result.outcomes, gates, baseline, baseline_source, metrics.get("run"))
    (out_dir / "report.html").write_text(html, encoding="utf-8")


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else (f"{value:.1f}" if abs(value) >= 100 else f"{value:.3f}")


def summary_table(metrics: dict[str, Any], baseline: dict[str, Any] | None) -> Table:
    rows = {r["metric"]: r for r in baseline_diff(metrics, baseline)}
    table = Table(title=f"Eval: {metrics['n']} records, reasoner {metrics['reasoner']}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    if baseline is not None:
        table.add_column("baseline", justify="right")
        table.add_column("change", justify="right")
    for path in SUMMARY:
        r = rows.get(path)
        if r is None:
            continue
        cells = [path, _fmt(r["current"])]
        if baseline is not None:
            colour = "green" if r["better"] else ("red" if r["better"] is False else "")
            change = "n/a" if r["delta"] is None else f"{r['delta']:+.3f}"
            cells += [_fmt(r["baseline"]), f"[{colour}]{change}[/{colour}]" if colour else change]
        table.add_row(*cells)
    return table


def gates_table(results: list[GateResult]) -> Table:
    table = Table(title="Gates")
    for col in ("gate", "rule", "status", "detail"):
        table.add_column(col, overflow="fold")
    colour = {"pass": "green", "fail": "bold red", "skip": "dim"}
    for g in results:
        table.add_row(g.id, f"{g.metric} {g.rule}", f"[{colour[g.status]}]{g.status}[/]", escape(g.detail))
    return table


def cmd_eval(args: argparse.Namespace, app: App) -> int:
    settings = app.settings
    dataset_paths = [Path(p) for p in args.dataset]
    out_dir = Path(args.out)
    try:
        gates = load_gates(Path(args.gates) if getattr(args, "gates", None) else None)
        baseline, baseline_file = load_baseline(args.baseline) if args.baseline else (None, None)
        records = load_datasets(dataset_paths)
        records += [LabelledRecord(clean_twin(r.record), r.path, r.line) for r in records if injected(r.record)]
    except (DatasetError, ValueError) as exc:
        console.print(f"[red]eval:[/red] {escape(str(exc))}", soft_wrap=True)
        return 2
    reasoner = getattr(args, "reasoner", None) or settings.reasoner
    console.print(
        f"Evaluating {len(records)} records with the {reasoner} reasoner (TRIAGE_HOME {escape(str(settings.home))}).",
        soft_wrap=True,
    )
    with progress_bar() as bar:
        tasks: dict[str, TaskID] = {}

        def on_seed(i: int, n: int) -> None:
            if "seed" not in tasks:
                tasks["seed"] = bar.add_task("Seeding case memory (first use)", total=n)
            bar.update(tasks["seed"], completed=i, total=n)
            if i == n:
                bar.update(tasks["seed"], description="Seeded; training the local reasoner")

        def on_record(i: int, n: int) -> None:
            if "run" not in tasks:
                tasks["run"] = bar.add_task("Evaluating", total=n)
            bar.update(tasks["run"], completed=i, total=n)

        try:
            result = run_eval(settings, records, reasoner=reasoner, on_seed=on_seed, on_record=on_record)
        except SplitOverlapError as exc:
            bar.stop()
            console.print(
                f"[red]eval refused:[/red] {escape(str(exc))}. The test split must stay apart from the training data:",
                soft_wrap=True,
            )
            for problem in exc.problems[:50]:
                console.print(f"  - {escape(str(problem))}", soft_wrap=True)
            if len(exc.problems) > 50:
                console.print(f"  ... and {len(exc.problems) - 50} more")
            return 2
    metrics = build_metrics(result, dataset_paths)
    results = evaluate_gates(gates, metrics, baseline)
    metrics["gates"] = {"passed": passed(results), "results": [g.as_json() for g in results]}
    metrics["run"]["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    write_outputs(out_dir, metrics, result, results, baseline, str(baseline_file) if baseline_file else None)
    out.print(summary_table(metrics, baseline))
    out.print(gates_table(results))
    if metrics["errors"]["count"]:
        console.print(f"[yellow]{metrics['errors']['count']} records failed in the pipeline; see metrics.json errors.")
    out.print(
        f"Wrote {escape(str(out_dir / 'metrics.json'))} and {escape(str(out_dir / 'report.html'))}.", soft_wrap=True
    )
    if not passed(results):
        failed = ", ".join(g.id for g in results if g.status == "fail")
        console.print(f"[bold red]Gates failed: {failed}")
        return 1
    return 0
