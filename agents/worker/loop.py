"""`triage worker`'s loop: claim cases with a lease, triage them (in batches), run periodic jobs and
keep the heartbeat; the dispatcher runs beside it in a thread of its own.

A pass: run the due periodic jobs, claim up to `batch_size` cases, prime the batch, triage each case
and release it. Between cases the loop checks whether it was asked to stop: the case in hand is
finished, the claims not yet started are given back uncounted. An empty claim is not the end of the
work (under contention `SKIP LOCKED` can come back empty while cases wait): the loop waits a moment
and claims again, until it is stopped.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from agents.metrics import Metrics
from agents.ports import Clock
from agents.worker.backlog import BacklogTriage
from agents.worker.schedule import PeriodicJobs
from tools.store.leases import CaseLeases

log = logging.getLogger(__name__)


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{random.randrange(1 << 20):05x}"


@dataclass(frozen=True)
class WorkerOptions:
    batch_size: int = 32
    idle_wait_s: float = 1.0  # between claims that found nothing
    retry_after: timedelta = timedelta(seconds=30)  # a failed run is claimable again after this x attempts


@dataclass
class WorkerSummary:
    worker_id: str
    claimed: int = 0
    reached_review: int = 0
    failed: int = 0
    given_back: int = 0
    lost: int = 0  # claims that ran out before their turn and were taken by another worker
    passes: int = 0
    dispatched: int = 0
    mailbox: int = 0
    started: float = field(default_factory=time.monotonic)

    def line(self) -> str:
        return (
            f"worker {self.worker_id} stopped: triaged {self.reached_review + self.failed} "
            f"({self.reached_review} to review, {self.failed} failed, {self.given_back} given back, "
            f"{self.lost} lost to another worker), "
            f"dispatched {self.dispatched}, mailbox {self.mailbox}, "
            f"after {time.monotonic() - self.started:.1f} s"
        )


class TriageWorker:
    def __init__(
        self,
        *,
        leases: CaseLeases,
        triage: BacklogTriage,
        clock: Clock,
        worker_id: str | None = None,
        metrics: Metrics | None = None,
        jobs: PeriodicJobs | None = None,
        options: WorkerOptions | None = None,
    ) -> None:
        self.leases = leases
        self.triage = triage
        self.clock = clock
        self.worker_id = worker_id or default_worker_id()
        self.metrics = metrics
        self.jobs = jobs or PeriodicJobs(clock)
        self.options = options or WorkerOptions()
        self.summary = WorkerSummary(self.worker_id)

    def heartbeat(self) -> None:
        if self.metrics is not None:
            self.metrics.worker_heartbeat.labels(worker=self.worker_id).set(self.clock.now().timestamp())

    def step(self, stop: Callable[[], bool] = lambda: False) -> int:
        """One pass: due jobs, one claim, its cases triaged. How many cases it claimed."""
        self.summary.passes += 1
        self.jobs.run_due()
        ids = [] if stop() else self.leases.claim(self.worker_id, self.clock.now(), limit=self.options.batch_size)
        self.heartbeat()
        if not ids:
            return 0
        self.summary.claimed += len(ids)
        renewed_at = self.clock.now()
        held = set(ids)
        try:
            self.triage.prime(ids)
            for i, case_id in enumerate(ids):
                if stop():
                    self.leases.release(self.worker_id, ids[i:], undo_claim=True)
                    self.summary.given_back += len(ids) - i
                    break
                if self.clock.now() - renewed_at > self.leases.lease / 3:
                    # a slow batch (models loading, a loaded host) may have outlived a lease: a case another
                    # worker has taken since is that worker's now, never run a second time here
                    held = set(self.leases.renew(self.worker_id, ids[i:], self.clock.now()))
                    renewed_at = self.clock.now()
                if case_id not in held:
                    self.summary.lost += 1
                    continue
                self._triage_one(case_id)
                self.heartbeat()
        finally:
            self.triage.clear()
        return len(ids)

    def _triage_one(self, case_id: str) -> None:
        try:
            reached = self.triage.run_one(case_id)
        except Exception as exc:  # one bad case never stops the worker; its lease is given back with a delay
            self.summary.failed += 1
            attempts = self.leases.attempts_of(case_id)
            retry_at = self.clock.now() + self.options.retry_after * max(1, attempts)
            self.leases.fail(self.worker_id, case_id, type(exc).__name__, retry_at)
            # the type only: an exception's message may quote the text it choked on (invariant 1)
            log.warning("triage of %s failed (%s); claimable again at %s", case_id, type(exc).__name__, retry_at)
            return
        self.leases.release(self.worker_id, [case_id])
        if reached:
            self.summary.reached_review += 1

    def run(self, stop: threading.Event) -> WorkerSummary:
        """Until `stop` is set: claim and triage; wait a moment after an empty claim."""
        while not stop.is_set():
            try:
                claimed = self.step(stop.is_set)
            except Exception as exc:  # the store away for a moment: its claims run out, the loop carries on
                log.warning("worker pass failed (%s); trying again", type(exc).__name__)
                stop.wait(max(self.options.idle_wait_s, 5.0))
                continue
            if claimed == 0:
                wait = self.options.idle_wait_s
                next_job = self.jobs.seconds_to_next()
                stop.wait(min(wait, next_job) if next_job is not None else wait)
        return self.summary
