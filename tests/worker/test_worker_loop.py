"""The worker loop on a real home (real store, graph, models), with an injected clock: a crashed
worker's claim is taken over once its lease runs out, a failing case is given back with a back-off
and does not stop the others, a stop request finishes the case in hand and gives the rest back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from agents.app import App, build_app
from agents.bench import bench_messages
from agents.metrics import Metrics
from agents.settings import Settings
from agents.worker.backlog import BacklogTriage
from agents.worker.loop import TriageWorker, WorkerOptions
from agents.worker.schedule import PeriodicJobs
from tests.support.clock import FakeClock
from tests.worker.conftest import fresh_worker_home
from tools.ingest import ParseOutcome
from tools.store import schema as t
from tools.store.leases import CaseLeases

LEASE = timedelta(seconds=60)


class Setup:
    def __init__(self, rt: App, triage: BacklogTriage, clock: FakeClock) -> None:
        self.rt, self.triage, self.clock = rt, triage, clock
        self.leases = CaseLeases(rt.engine, lease=LEASE)
        self.offset = 0

    def ingest(self, n: int) -> list[str]:
        service = self.rt.ingest
        ids = []
        for msg in list(bench_messages(self.offset + n))[self.offset :]:
            self.clock.advance(seconds=1)
            counts = service.accept(ParseOutcome(source=msg.source, data=b"", message=msg, error=None))
            ids += counts.new_case_ids
        self.offset += n
        return ids

    def worker(self, **kw: Any) -> TriageWorker:
        return TriageWorker(leases=self.leases, triage=self.triage, clock=self.clock, **kw)

    def status(self, case_id: str) -> str:
        return str(self.rt.store.case_status(case_id))


@pytest.fixture(scope="module")
def setup(triaged_template: tuple[Path, dict[str, str]], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    home = fresh_worker_home(triaged_template[0], tmp_path_factory.mktemp("loop") / "home")
    clock = FakeClock()
    with build_app(Settings(TRIAGE_HOME=home), clock, batching=True) as rt:
        yield Setup(rt, rt.backlog, clock)


def test_a_crashed_workers_claims_are_taken_over_after_the_lease(setup: Setup) -> None:
    ids = setup.ingest(3)
    assert setup.leases.claim("crashed-worker", setup.clock.now(), limit=10) == ids  # and then it died
    worker = setup.worker(worker_id="live")
    assert worker.step() == 0  # the dead worker's lease still holds
    setup.clock.advance(seconds=LEASE.total_seconds() + 1)
    assert worker.step() == 3
    assert all(setup.status(c) in ("awaiting_review", "needs_classification") for c in ids)
    assert [setup.leases.attempts()[c] for c in ids] == [2, 2, 2]
    assert worker.summary.reached_review == 3


def test_a_failing_case_is_given_back_with_a_back_off_and_the_batch_goes_on(setup: Setup) -> None:
    ids = setup.ingest(4)
    bad = ids[1]
    with setup.rt.engine.begin() as conn:  # its raw text purged: the redact step cannot run
        raw_id = conn.execute(t.cases.select().where(t.cases.c.id == bad)).first().raw_id  # type: ignore[union-attr]
        conn.execute(update(t.raw_messages).where(t.raw_messages.c.id == raw_id).values(purged_at=setup.clock.now()))
    worker = setup.worker(worker_id="w", options=WorkerOptions(retry_after=timedelta(seconds=30)))
    assert worker.step() == 4
    assert worker.summary.failed == 1 and worker.summary.reached_review == 3
    row = setup.rt.store.get_case(bad)
    assert row is not None and row["status"] == "received" and row["triage_error"] == "LookupError"
    assert row["claimed_by"] is None
    assert worker.step() == 0  # backing off
    setup.clock.advance(seconds=31)
    assert worker.step() == 1 and worker.summary.failed == 2  # tried again, after the back-off


def test_a_stop_finishes_the_case_in_hand_and_gives_the_rest_back(setup: Setup) -> None:
    ids = setup.ingest(4)
    metrics = Metrics()
    ran: list[str] = []
    jobs = PeriodicJobs(setup.clock, [("sla", 300, lambda: ran.append("sla"))])
    worker = setup.worker(worker_id="stopping", metrics=metrics, jobs=jobs)
    setup.triage.metrics = metrics
    done: list[int] = []

    def stop() -> bool:  # asked to stop once the first case is done
        done.append(1)
        return len(done) > 2

    assert worker.step(stop) == 4
    statuses = [setup.status(c) for c in ids]
    assert statuses[0] in ("awaiting_review", "needs_classification") and statuses[1:] == ["received"] * 3
    assert worker.summary.given_back == 3
    assert [setup.leases.attempts()[c] for c in ids[1:]] == [0, 0, 0]  # given back uncounted
    assert setup.leases.waiting(setup.clock.now()) >= 3  # claimable again at once
    assert ran == ["sla"]
    beat = metrics.registry.get_sample_value("triage_worker_heartbeat_timestamp_seconds", {"worker": "stopping"})
    assert beat == setup.clock.now().timestamp()
    assert metrics.registry.get_sample_value("triage_triage_seconds_count", {"step": "graph"}) == 1
    assert metrics.registry.get_sample_value("triage_triage_seconds_count", {"step": "redact_batch"}) == 1


def test_a_claim_that_ran_out_and_was_taken_over_is_not_run_twice(setup: Setup) -> None:
    while setup.worker(worker_id="drain").step():  # what the earlier tests left waiting
        pass
    ids = setup.ingest(3)
    worker = setup.worker(worker_id="slow")
    calls: list[int] = []

    def stop() -> bool:  # before the second case: this worker stalled past its lease, another took the rest
        calls.append(1)
        if len(calls) == 3:  # 1: before the claim, 2: before case one, 3: before case two
            setup.clock.advance(seconds=LEASE.total_seconds() + 1)
            assert set(ids[1:]) <= set(setup.leases.claim("other", setup.clock.now(), limit=10))
        return False

    assert worker.step(stop) == 3
    assert worker.summary.reached_review == 1 and worker.summary.lost == 2
    assert setup.status(ids[0]) in ("awaiting_review", "needs_classification")
    assert [setup.status(c) for c in ids[1:]] == ["received", "received"]  # the other worker's to run
    assert [setup.leases.attempts()[c] for c in ids] == [1, 2, 2]
    other = setup.worker(worker_id="other-live")
    setup.clock.advance(seconds=LEASE.total_seconds() + 1)  # "other" never ran them either: they come back
    assert other.step() >= 2 and all(setup.status(c) != "received" for c in ids)
