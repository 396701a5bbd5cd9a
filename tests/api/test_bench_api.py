"""`triage bench --api` on a small run: every signed message is accepted and stored once. No timing is asserted."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents import bench_api
from agents.settings import Settings
from tools.store.cases import CaseStore
from tools.store.db import make_engine

pytestmark = pytest.mark.slow


def test_a_small_api_bench_accepts_every_message_and_reports_both_sides(home: Path) -> None:
    settings = Settings()

    result = bench_api.run_api_bench(settings, n=30, concurrency=4)

    assert result.statuses == {"202": 30}
    assert result.baseline_statuses == {"202": 30}  # the baseline verified every signature too
    assert result.n == 30 and result.concurrency == 4
    for p50, p95 in ((result.api_p50_ms, result.api_p95_ms), (result.baseline_p50_ms, result.baseline_p95_ms)):
        assert 0 < p50 <= p95
    engine = make_engine(f"sqlite:///{settings.home / 'bench-api' / 'cases.sqlite'}")
    counts = CaseStore(engine).counts()
    engine.dispose()
    assert counts["cases"] == 30 + 20 and counts["duplicates"] == 0  # and the 20 warm-up messages
    assert counts["status.received"] == 50
    assert set(result.as_json()) >= {"api_p95_ms", "baseline_p95_ms"}
