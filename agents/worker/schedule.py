"""Periodic jobs inside a worker: each named (interval, callable) runs when the clock says it is due.

Clock-driven, not sleep-driven: the worker's loop calls `run_due()` on every pass, so a test advances
a fake clock instead of waiting. A job that raises is logged (its type only) and runs again at its
next interval; it never stops the worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from agents.ports import Clock

log = logging.getLogger(__name__)


@dataclass
class PeriodicJob:
    interval: timedelta
    run: Callable[[], object]
    name: str = ""
    next_at: datetime | None = None  # None: due on the first pass
    runs: int = 0
    failures: int = 0


class PeriodicJobs:
    def __init__(
        self, clock: Clock, jobs: Sequence[tuple[str, timedelta | float, Callable[[], object]]] = ()
    ) -> None:
        self.clock = clock
        self.jobs: list[PeriodicJob] = []
        for name, interval, fn in jobs:
            self.add(name, interval, fn)

    def add(self, name: str, interval: timedelta | float, fn: Callable[[], object]) -> PeriodicJob:
        """Run `fn` every `interval` (seconds or a timedelta), first on the next pass; names are unique."""
        every = interval if isinstance(interval, timedelta) else timedelta(seconds=float(interval))
        if every <= timedelta(0):
            raise ValueError(f"periodic job {name!r} needs a positive interval")
        if name in self.names():
            raise ValueError(f"periodic job {name!r} is already scheduled")
        job = PeriodicJob(every, fn, name)
        self.jobs.append(job)
        return job

    def names(self) -> list[str]:
        return [j.name for j in self.jobs]

    def run_due(self) -> int:
        """Run every job that is due now; how many ran."""
        ran = 0
        for job in self.jobs:
            now = self.clock.now()
            if job.next_at is not None and now < job.next_at:
                continue
            job.next_at = now + job.interval
            try:
                job.run()
            except Exception as exc:
                job.failures += 1
                log.warning("periodic job %s failed (%s); next run in %s", job.name, type(exc).__name__, job.interval)
            job.runs += 1
            ran += 1
        return ran

    def seconds_to_next(self) -> float | None:
        """Seconds until the next job is due (0 when one is due now; None with no jobs)."""
        if not self.jobs:
            return None
        now = self.clock.now()
        return max(0.0, min(((j.next_at - now).total_seconds() if j.next_at else 0.0) for j in self.jobs))
