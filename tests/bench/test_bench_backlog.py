"""The backlog figure on a small run: every waiting message is drained to review by the batching
worker, and the ratio is the two rates' quotient. Timings are never asserted (`make bench` reports them)."""

from __future__ import annotations

import pytest

from agents.app import build_app
from agents.bench_backlog import run_backlog_bench
from tests.bench.test_bench import bench_home
from tests.ui.conftest import TriagedHome


def test_small_backlog_is_drained_in_batches_to_review(triaged: TriagedHome) -> None:
    settings = bench_home(triaged)

    result = run_backlog_bench(settings, 24, batch_size=8)

    assert (result.n, result.batch_size) == (24, 8)
    with build_app(settings) as app:
        counts = app.store.counts()
    assert counts["cases"] == 24 + 20  # and the warm-up messages
    assert counts.get("status.received", 0) == 0
    assert result.ratio == pytest.approx(result.backlog_msgs_per_s / result.bare_models_msgs_per_s)
