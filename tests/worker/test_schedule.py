"""Periodic jobs run when the injected clock says they are due, and a failing job stops nothing."""

from __future__ import annotations

from datetime import timedelta

from agents.worker.schedule import PeriodicJobs
from tests.support.clock import FakeClock


def test_jobs_run_on_their_own_intervals_by_the_clock() -> None:
    clock = FakeClock()
    ran: list[str] = []
    jobs = PeriodicJobs(clock, [(60, lambda: ran.append("sla")), (timedelta(minutes=5), lambda: ran.append("purge"))])
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

    jobs = PeriodicJobs(clock, [(10, flaky)])
    jobs.run_due()
    clock.advance(seconds=10)
    jobs.run_due()
    assert len(calls) == 2 and jobs.jobs[0].failures == 2
