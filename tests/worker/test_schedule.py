"""Periodic jobs run when the injected clock says they are due, and a failing job stops nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from agents.worker.schedule import PeriodicJobs
from tests.support.clock import FakeClock


def test_jobs_run_on_their_own_intervals_by_the_clock() -> None:
    clock = FakeClock()
    ran: list[str] = []
    jobs = PeriodicJobs(
        clock, [("sla", 60, lambda: ran.append("sla")), ("purge", timedelta(minutes=5), lambda: ran.append("purge"))]
    )
    assert jobs.run_due() == 2  # both due on the first pass
    assert jobs.run_due() == 0
    clock.advance(seconds=59)
    assert jobs.seconds_to_next() == 1
    assert jobs.run_due() == 0
    clock.advance(seconds=1)
    assert jobs.run_due() == 1
    clock.advance(minutes=5)
    jobs.run_due()
    assert ran == ["sla", "purge", "sla", "sla", "purge"]


def test_a_failing_job_is_counted_and_runs_again_next_interval() -> None:
    clock = FakeClock()
    calls = []

    def flaky() -> None:
        calls.append(1)
        raise RuntimeError("Odoo down")

    jobs = PeriodicJobs(clock, [("flaky", 10, flaky)])
    jobs.run_due()
    clock.advance(seconds=10)
    jobs.run_due()
    assert len(calls) == 2 and jobs.jobs[0].failures == 2


def test_a_named_job_is_one_line_and_names_are_unique() -> None:
    jobs = PeriodicJobs(FakeClock())
    jobs.add("reconcile", timedelta(minutes=5), lambda: None)
    assert jobs.names() == ["reconcile"]
    with pytest.raises(ValueError, match="reconcile"):
        jobs.add("reconcile", 60, lambda: None)
    with pytest.raises(ValueError, match="positive"):
        jobs.add("never", 0, lambda: None)


def test_the_worker_schedule_learns_reconciles_and_beats(worker_home: Path) -> None:
    from agents.app import build_app
    from agents.cli_worker import periodic_jobs
    from agents.settings import load_settings
    from tools.store.health import worker_heartbeats

    clock = FakeClock()
    with build_app(load_settings(), clock) as app:
        jobs = periodic_jobs(app, "w-test")
        assert set(jobs.names()) == {"learn_queued", "reconcile", "heartbeat"}
        assert jobs.run_due() == len(jobs.names())  # an empty queue: nothing is loaded, nothing fails
        assert all(j.failures == 0 for j in jobs.jobs)
        beats = worker_heartbeats(app.engine, clock.now())
        assert list(beats["worker"]) == ["w-test"]  # what the dashboard's Health section reads
