"""A time budget per message for the redactor, and the guards that make it fail closed.

`redacting(budget_ms)` opens a deadline for one message. Every policy pattern runs with the time left
as its regex timeout (`PolicyPatternRecognizer.analyze`); every other recognizer (Presidio's predefined
ones, the spaCy NER) is wrapped by `guard_recognizer`, so an exception becomes `redaction_failed` and
the deadline is checked after it. Presidio's own "Regex pattern ... timed out, skipping" (its pattern
recognizers catch the timeout and carry on without that pattern) is caught by `SkippedPatternWatch` on
its logger and turned into `redaction_incomplete`: a skipped pattern is a fail-open, never tolerated.

Nothing here sees or logs message text: only recognizer and pattern names, stages and timings.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from agents.ports import RedactionIncomplete

log = logging.getLogger(__name__)

Timer = Callable[[], float]
# Without an open budget (a recognizer called directly), a pattern still never runs unbounded.
DEFAULT_PATTERN_TIMEOUT_S = 10.0
_PRESIDIO_LOGGER = "presidio-analyzer"
_SKIPPED = re.compile(r"Regex pattern '(?P<name>[^']*)' timed out")


@dataclass
class _Run:
    deadline: float
    timer: Timer
    budget_ms: int
    skipped: list[str] = field(default_factory=list)  # patterns Presidio reported as timed out


_CURRENT: contextvars.ContextVar[_Run | None] = contextvars.ContextVar("redaction_run", default=None)


@contextmanager
def redacting(budget_ms: int, timer: Timer = time.monotonic) -> Iterator[None]:
    """The deadline of one message's redaction (nested calls keep the outer deadline)."""
    if _CURRENT.get() is not None:
        yield
        return
    token = _CURRENT.set(_Run(timer() + budget_ms / 1000.0, timer, budget_ms))
    try:
        yield
    finally:
        _CURRENT.reset(token)


def time_left_s() -> float | None:
    """Seconds left of the current message's budget; None outside `redacting`."""
    run = _CURRENT.get()
    return None if run is None else run.deadline - run.timer()


def check_budget(stage: str) -> None:
    """Raise `redaction_over_budget` when the current message has spent its budget by `stage`."""
    run = _CURRENT.get()
    if run is not None and run.timer() >= run.deadline:
        raise RedactionIncomplete(
            "redaction_over_budget",
            f"redaction over its budget of {run.budget_ms} ms at {stage}",
            pattern=stage,
        )


def check_nothing_skipped() -> None:
    """Raise `redaction_incomplete` when Presidio skipped a pattern of the current message."""
    run = _CURRENT.get()
    if run is not None and run.skipped:
        name = run.skipped[0]
        raise RedactionIncomplete("redaction_incomplete", f"redaction incomplete: pattern {name!r} timed out", name)


def pattern_timed_out(recognizer: str, pattern: str) -> RedactionIncomplete:
    name = f"{recognizer}/{pattern}"
    return RedactionIncomplete("redaction_incomplete", f"redaction incomplete: pattern {name!r} timed out", name)


def pattern_timeout_s(recognizer: str, pattern: str) -> float:
    """The regex timeout for the next pattern: the time left (it must be some, else over budget)."""
    left = time_left_s()
    if left is None:
        return DEFAULT_PATTERN_TIMEOUT_S
    if left <= 0:
        check_budget(f"{recognizer}/{pattern}")
    return max(left, 0.001)


def guard_recognizer(recognizer: Any) -> Any:
    """Wrap `recognizer.analyze` (on this instance): an exception is `redaction_failed` naming the
    recognizer (no text in it), and the deadline is checked once it returns."""
    inner = recognizer.analyze
    name = str(getattr(recognizer, "name", type(recognizer).__name__))

    def analyze(*args: Any, **kwargs: Any) -> Any:
        try:
            results = inner(*args, **kwargs)
        except RedactionIncomplete:
            raise
        except Exception as exc:  # any failure of a recognizer: its PII would go unredacted
            log.warning("recognizer %s failed (%s)", name, type(exc).__name__)
            raise RedactionIncomplete(
                "redaction_failed", f"redaction incomplete: recognizer {name!r} failed ({type(exc).__name__})", name
            ) from None  # the library's message may quote the text: not chained into logs
        check_budget(name)
        return results

    recognizer.analyze = analyze
    return recognizer


class SkippedPatternWatch(logging.Filter):
    """On Presidio's logger: notes "Regex pattern 'X' timed out after N seconds, skipping" in the current
    message's run (the record still goes on, so the warning stays visible and testable)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            try:
                message = record.getMessage()
            except Exception:  # a malformed record is not ours to judge
                return True
            match = _SKIPPED.search(message)
            run = _CURRENT.get()
            if match and run is not None:
                run.skipped.append(match.group("name"))
        return True


def watch_presidio_skips() -> None:
    """Install the watch once per process."""
    logger = logging.getLogger(_PRESIDIO_LOGGER)
    if not any(isinstance(f, SkippedPatternWatch) for f in logger.filters):
        logger.addFilter(SkippedPatternWatch())
