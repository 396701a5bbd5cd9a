"""Runs labelled records through the REAL pipeline: ingest, redact, understand, decide (up to review).

Each record becomes an `InboundMessage` (`record_to_message`), is stored through
`IngestService.accept` and triaged by `TriageRunner.start` over a real checkpointer; the harness reads
the paused state (classification, proposal, redacted text). Nothing is reviewed or dispatched.

Isolation: the case memory and the trained local reasoner are those of the settings' TRIAGE_HOME (a
fresh one is seeded and trained first). The cases and graph checkpoints of a run go to their own
SQLite files under TRIAGE_HOME/evals/<run id>/, deleted after the run: eval cases never appear in the
review queue, a re-run is never de-duplicated against an earlier run, and the raw text of the dataset
is not kept. The ERP lookup is off (datasets carry their facts in `context`), and the clock reads each
record's `received_at`, so date rules (promised soon, overdue) are judged as when it was received.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from agents.dataset import SEED_DIR, read_labelled, record_to_message
from agents.settings import Settings
from agents.state import CHANNELS, PRIORITIES, REASON_CODES, InboundMessage, RedactedMessage
from evals.metrics import RecordOutcome
from evals.split_check import Doc, SplitProblem, check_records, docs_from_file, memory_docs, record_text
from evals.summary_quality import draft_check, summary_check

if TYPE_CHECKING:
    from agents.app import App

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]


class DatasetError(ValueError):
    """A dataset file or line the eval cannot use; the message names the file and line."""


class SplitOverlapError(RuntimeError):
    """The test data overlaps what the local reasoner was trained on."""

    def __init__(self, problems: list[SplitProblem]) -> None:
        super().__init__(f"{len(problems)} test records overlap the reasoner's training data")
        self.problems = problems


# --------------------------------------------------------------------------- datasets


@dataclass(frozen=True)
class LabelledRecord:
    record: dict[str, Any]
    path: Path
    line: int

    @property
    def id(self) -> str:
        return str(self.record["id"])

    @property
    def origin(self) -> str:
        return f"{self.path}:{self.line}"


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _validate(record: dict[str, Any], where: str) -> None:
    if not isinstance(record.get("id"), str | int) or str(record["id"]).strip() == "":
        raise DatasetError(f"{where}: 'id' must be a non-empty string")
    if record.get("channel") not in CHANNELS:
        raise DatasetError(f"{where}: channel {record.get('channel')!r} is not one of {', '.join(CHANNELS)}")
    if not isinstance(record.get("body"), str) or not record["body"].strip():
        raise DatasetError(f"{where}: 'body' must be a non-empty string")
    for key in ("sender", "subject"):
        if record.get(key) is not None and not isinstance(record[key], str):
            raise DatasetError(f"{where}: {key!r} must be a string or null")
    if record.get("context") is not None and not isinstance(record["context"], dict):
        raise DatasetError(f"{where}: 'context' must be an object")
    expected = record.get("expected")
    if not isinstance(expected, dict):
        raise DatasetError(f"{where}: 'expected' must be an object")
    if expected.get("reason") not in REASON_CODES:
        raise DatasetError(f"{where}: expected.reason {expected.get('reason')!r} is not a reason code")
    if expected.get("priority") is not None and expected["priority"] not in PRIORITIES:
        raise DatasetError(f"{where}: expected.priority {expected['priority']!r} is not one of {', '.join(PRIORITIES)}")
    for key in ("actions", "must_redact", "must_keep"):
        value = expected.get(key)
        if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
            raise DatasetError(f"{where}: expected.{key} must be a list of strings")
    eta = expected.get("new_eta")
    if eta is not None and (not isinstance(eta, str) or not _ISO_DATE.fullmatch(eta)):
        raise DatasetError(f"{where}: expected.new_eta must be a date as YYYY-MM-DD")
    try:
        record_to_message(record, "eval")
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise DatasetError(f"{where}: {loc}: {first['msg']}") from None


def load_datasets(paths: Sequence[Path | str]) -> list[LabelledRecord]:
    """Every record of the dataset files, validated; ids must be unique across the files."""
    out: list[LabelledRecord] = []
    seen: dict[str, str] = {}
    for raw_path in paths:
        path = Path(raw_path)
        if not path.is_file():
            raise DatasetError(f"{path}: no such dataset file")
        # the same line split as read_labelled's (file iteration), so record i is on lines[i]
        lines = [n for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1) if line.strip()]
        done = 0
        try:
            for line, record in zip(lines, read_labelled(path), strict=False):
                where = f"{path}:{line}"
                if not isinstance(record, dict):
                    raise DatasetError(f"{where}: not a JSON object")
                _validate(record, where)
                rid = str(record["id"])
                if rid in seen:
                    raise DatasetError(f"{where}: id {rid!r} is already used at {seen[rid]}")
                seen[rid] = where
                out.append(LabelledRecord(record, path, line))
                done += 1
        except DatasetError:
            raise
        except ValueError as exc:  # read_labelled's own errors name file and line
            raise DatasetError(str(exc)) from None
        except TypeError:  # a JSON value that is not an object (a number, a string)
            line = lines[done] if done < len(lines) else len(lines)
            raise DatasetError(f"{path}:{line}: not a JSON object") from None
    if not out:
        raise DatasetError(f"no records in {', '.join(str(p) for p in paths)}")
    return out


def sample_per_reason(records: Sequence[LabelledRecord], per_reason: int) -> list[LabelledRecord]:
    """The first `per_reason` records of each reason, in file order (a small, balanced eval)."""
    taken: dict[str, int] = {}
    out = []
    for r in records:
        reason = r.record["expected"]["reason"]
        if taken.get(reason, 0) < per_reason:
            taken[reason] = taken.get(reason, 0) + 1
            out.append(r)
    return out


# --------------------------------------------------------------------------- the run


class ReplayClock:
    """Reads the received time of the record being triaged (the system time when it has none)."""

    def __init__(self) -> None:
        self.at: datetime | None = None

    def now(self) -> datetime:
        return self.at or datetime.now(UTC)


class _RunSettings(Settings):
    """The user's settings, with this run's own case store and checkpoints."""

    run_dir: Path = Path("var/evals/run")

    @property
    def checkpoint_path(self) -> Path:
        return self.run_dir / "checkpoints.sqlite"


def run_settings(settings: Settings, run_dir: Path, reasoner: str | None) -> Settings:
    values = settings.model_dump(by_alias=True)
    values.update(
        {
            "TRIAGE_HOME": settings.home,
            "TRIAGE_DATABASE_URL": f"sqlite:///{run_dir / 'cases.sqlite'}",
            "TRIAGE_CHECKPOINT_URL": None,
            "ODOO_URL": None,
            "TRIAGE_REASONER": reasoner or settings.reasoner,
            "run_dir": run_dir,
        }
    )
    return _RunSettings.model_validate(values)


@dataclass
class EvalRun:
    run_id: str
    reasoner: str
    outcomes: list[RecordOutcome]
    redacted: dict[str, RedactedMessage]  # record id -> what left `redact`
    records: list[LabelledRecord]
    started_at: datetime
    seconds: float
    seeded: int = 0  # cases added to a fresh memory before the run
    memory_size: int = 0
    warnings: list[str] = field(default_factory=list)


def _received_at(record: dict[str, Any]) -> datetime | None:
    value = record.get("received_at")
    if not value:
        return None
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _action_label(kind: str, approval_kind: str | None) -> str:
    return f"{kind}:{approval_kind}" if approval_kind else kind


def training_overlap(records: Sequence[LabelledRecord], memory: Any, seed_files: Sequence[Path]) -> list[SplitProblem]:
    """Test records whose text overlaps the case memory (what the reasoner trains on) or the seed files.
    Ids are not compared: a dataset from elsewhere may reuse an id for a different message."""
    test = [Doc(r.id, record_text(r.record), r.origin) for r in records]
    train = memory_docs(memory) + [d for f in seed_files for d in docs_from_file(f)]
    return check_records(test, train, compare_ids=False)


def run_eval(
    settings: Settings,
    records: Sequence[LabelledRecord],
    reasoner: str | None = None,
    on_seed: Progress | None = None,
    on_record: Progress | None = None,
    seed_files: Sequence[Path] | None = None,
    keep_run_store: bool = False,
) -> EvalRun:
    """Triage every record up to review and collect what the pipeline decided.

    Raises SplitOverlapError before triaging anything if a record overlaps the training data.
    """
    from agents.app import build_app
    from tools.ingest import ParseOutcome

    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    run_dir = settings.home / "evals" / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    rs = run_settings(settings, run_dir, reasoner)
    clock = ReplayClock()
    app = build_app(rs, clock=clock)
    # Every labelled record is scored as the first message about its shipment: its labels were written for
    # it alone, and writers reuse reference numbers across records (a manipulation record and its clean
    # twin share all of them), so a case thread would turn later records into follow-ups of earlier ones.
    app.deps.open_cases = None
    started, t_start = datetime.now(UTC), time.perf_counter()
    threads_before = _one_inference_thread()
    try:
        seeded = app.training.ensure_memory(on_progress=on_seed)
        files = list(seed_files) if seed_files is not None else sorted(SEED_DIR.glob("*.jsonl"))
        problems = training_overlap(records, app.chroma.get(), files)
        if problems:
            raise SplitOverlapError(problems)
        _warm_up(app)
        outcomes: list[RecordOutcome] = []
        redacted: dict[str, RedactedMessage] = {}
        for i, item in enumerate(records, 1):
            outcome, red = _triage_one(item, run_id, app.ingest, app.runner, clock, ParseOutcome)
            outcomes.append(outcome)
            if red is not None:
                redacted[item.id] = red
            if on_record:
                on_record(i, len(records))
        return EvalRun(
            run_id=run_id,
            reasoner=rs.reasoner,
            outcomes=outcomes,
            redacted=redacted,
            records=list(records),
            started_at=started,
            seconds=round(time.perf_counter() - t_start, 1),
            seeded=seeded,
            memory_size=app.training.memory_size(),
        )
    finally:
        _restore_threads(threads_before)
        app.close()
        if not keep_run_store:  # it holds the raw text of the dataset
            shutil.rmtree(run_dir, ignore_errors=True)


def _one_inference_thread() -> int | None:
    """One torch thread while the eval runs. Triage embeds one message at a time; measured on a busy
    2-core machine, two intra-op threads made each embedding ~7x slower (1.0 s against 0.14 s) by
    contending for the cores, and a batch of 64 no faster."""
    try:
        import torch
    except ImportError:
        return None
    before = int(torch.get_num_threads())
    torch.set_num_threads(1)
    return before


def _restore_threads(before: int | None) -> None:
    if before is not None:
        import torch

        torch.set_num_threads(before)


def _warm_up(app: App) -> None:
    """Load every model before the clock starts, so the first record's latency is not the load time."""
    probe = InboundMessage(channel="email", source="eval:warm-up", body="Warm-up: shipment 1234567890 delayed.")
    red = app.redactor.redact(probe)
    app.memory.similar(red.text_for_models(), k=1)
    app.reasoner_impl.get()
    app.erp_impl.get()


def _triage_one(
    item: LabelledRecord, run_id: str, ingest: Any, runner: Any, clock: ReplayClock, parse_outcome: Any
) -> tuple[RecordOutcome, RedactedMessage | None]:
    record = item.record
    expected = record["expected"]
    source = f"eval:{item.path.name}:{item.id}"
    message = record_to_message(record, source).model_copy(update={"message_id": f"eval:{item.id}:{run_id}"})
    base = {
        "record_id": item.id,
        "dataset": item.path.name,
        "channel": record["channel"],
        "expected_reason": expected["reason"],
        "expected_priority": expected.get("priority"),
        "expected_actions": expected.get("actions"),
    }
    clock.at = _received_at(record)
    t0 = time.perf_counter()
    try:
        data = json.dumps(record, ensure_ascii=False).encode("utf-8")
        counts = ingest.accept(parse_outcome(source=source, data=data, message=message, error=None))
        if not counts.new_case_ids:
            why = "merged as a duplicate of an earlier record" if counts.duplicates else "quarantined by ingest"
            return _failed(base, why, time.perf_counter() - t0), None
        case_id = counts.new_case_ids[0]
        runner.start(case_id)
        latency_ms = (time.perf_counter() - t0) * 1000.0
        state = runner.state(case_id)
    except Exception as exc:  # one bad record must not stop the run; its text is never logged
        log.error("pipeline failed on record %s: %s", item.id, type(exc).__name__)
        return _failed(base, f"pipeline error: {type(exc).__name__}", time.perf_counter() - t0), None
    finally:
        clock.at = None
    c, proposal, red = state.classification, state.proposal, state.redacted
    if c is None or proposal is None or red is None:
        return _failed(base, f"the graph stopped at status {state.status!r} before a proposal", latency_ms / 1000), red
    top = max(c.probabilities, key=lambda k: c.probabilities[k]) if c.probabilities else c.reason
    used = "llm->local" if c.fallback_reason else c.reasoner  # the LLM path fell back to the local reasoner
    return (
        RecordOutcome(
            **base,
            predicted_reason=None if c.abstained else c.reason,
            top_reason=top,
            confidence=float(c.confidence),
            abstained=c.abstained,
            predicted_priority=proposal.priority,
            predicted_actions=[_action_label(a.kind, a.approval_kind) for a in proposal.actions],
            latency_ms=round(latency_ms, 2),
            summary=summary_check(c.summary, red.subject, expected),
            draft=draft_check(proposal.customer_draft, expected),
            redacted_subject=red.subject,
            redacted_body=red.body,
            case_id=case_id,
            reasoner=used,
            language=record.get("language") or red.language,
            manipulation=[span.text for span in state.manipulation],
        ),
        red,
    )


def _failed(base: dict[str, Any], why: str, seconds: float) -> RecordOutcome:
    return RecordOutcome(
        **base,
        predicted_reason=None,
        top_reason=None,
        confidence=0.0,
        abstained=False,
        predicted_priority=None,
        predicted_actions=[],
        latency_ms=round(seconds * 1000.0, 2),
        error=why,
    )
