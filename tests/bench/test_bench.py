"""`triage bench` accounting on a small run: every message becomes a case, and the stage breakdown adds
up to the pipeline's own time. Timings themselves are never asserted (they belong to `make bench`)."""

from __future__ import annotations

import shutil

import pytest

from agents import bench
from agents import bench_stages as st
from agents.app import build_app
from agents.settings import Settings
from tests.ui.conftest import TriagedHome


def bench_home(triaged: TriagedHome) -> Settings:
    """The bench's own home (fresh cases), with the triaged home's seeded memory and trained reasoner."""
    settings = bench.bench_settings(Settings())
    for part in ("memory", "models"):
        shutil.copytree(triaged.path / part, settings.home / part)
    return settings


def test_small_bench_triages_every_message_and_its_stages_add_up(triaged: TriagedHome) -> None:
    settings = bench_home(triaged)

    result = bench.run_bench(settings, 6, stages=True)

    assert result.n == 6
    assert build_app(settings).store.counts()["cases"] == 6 + 20  # and the 20 warm-up messages
    stages = result.stages_ms
    assert list(stages) == list(st.ORDER)
    assert all(ms >= 0 for ms in stages.values())
    assert all(stages[s] > 0 for s in (st.REDACT, st.RETRIEVE, st.CHROMA, st.CLASSIFY, st.STORE, st.FLOOR))
    assert stages[st.CHROMA] < stages[st.RETRIEVE]  # the query is part of retrieval, with the embedding
    # the stages partition the pipeline's time; the bare parts partition the bare time
    pipeline = (st.INGEST, st.REDACT, st.RETRIEVE, st.CLASSIFY, st.ERP, st.STORE, st.FRAMEWORK)
    assert sum(stages[s] for s in pipeline) == pytest.approx(1000 / result.pipeline_msgs_per_s, rel=0.02)
    bare = stages[st.BARE_ANALYSIS] + stages[st.BARE_EMBEDDING]
    assert bare == pytest.approx(1000 / result.bare_models_msgs_per_s, rel=0.02)
    assert result.ratio == pytest.approx(result.pipeline_msgs_per_s / result.bare_models_msgs_per_s)
    assert set(result.as_json()) >= {"pipeline_msgs_per_s", "bare_models_msgs_per_s", "ratio", "p95_ms", "stages_ms"}


def test_bench_refuses_a_message_that_is_a_duplicate(triaged: TriagedHome, monkeypatch: pytest.MonkeyPatch) -> None:
    original = bench.bench_messages

    def repeated(n: int):
        first = next(original(1))
        return iter([first] * n)

    monkeypatch.setattr(bench, "bench_messages", repeated)
    with pytest.raises(RuntimeError, match="did not become a new case"):
        bench.run_bench(bench_home(triaged), 3)
