"""Health, readiness and metrics over real HTTP; no personal data in logs or answers."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from datetime import timedelta

import pytest

from tests.api.conftest import SECRET_OTHER, LiveApi
from tools.store.health import webhook_rejects


def test_healthz_and_readyz_answer(live_api: LiveApi) -> None:
    assert live_api.client.get("/healthz").json() == {"status": "ok"}

    r = live_api.client.get("/readyz")

    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ready"
    assert set(r.json()["checks"]) == {"database", "checkpoints", "memory"}
    assert all(v.startswith("ok") for v in r.json()["checks"].values())


def test_the_memory_check_does_not_load_the_embedding_model(live_api: LiveApi) -> None:
    """In a fresh interpreter (this one may have loaded the model for other tests): Chroma answers, no model."""
    code = (
        "import sys; from pathlib import Path; from tools.memory.probe import MemoryProbe; "
        f"print(MemoryProbe(path=Path({str(live_api.settings.chroma_path)!r})).check()); "
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.splitlines() == ["chroma answers; no past cases yet", "[]"]


def test_readyz_says_which_dependency_fails(live_api: LiveApi) -> None:
    live_api.settings.checkpoint_path.unlink()
    r = live_api.client.get("/readyz")
    assert r.status_code == 503 and r.json()["status"] == "not_ready"
    assert r.json()["checks"]["checkpoints"].startswith("failed")
    assert r.json()["checks"]["database"].startswith("ok")


def _metric(text: str, line_start: str) -> float:
    for line in text.splitlines():
        if line.startswith(line_start):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_received_rejected_and_quarantined(live_api: LiveApi) -> None:
    live_api.post_signed(json.dumps({"text": "Delay at hub", "event_time": "2026-03-02T08:58:00Z"}).encode())
    live_api.post_signed(b'{"text": "broken')
    live_api.post_signed(b'{"text": "x"}', secret=SECRET_OTHER)
    live_api.post_signed(b'{"text": "x"}', ts=live_api.now - 900)

    r = live_api.client.get("/metrics")

    assert r.status_code == 200
    text = r.text
    assert _metric(text, 'triage_messages_received_total{channel="portal",integration="n8n"}') == 2
    assert _metric(text, 'triage_messages_quarantined_total{reason="not_json"}') == 1
    assert _metric(text, 'triage_webhook_rejected_total{reason="bad_signature"}') == 1
    assert _metric(text, 'triage_webhook_rejected_total{reason="stale_timestamp"}') == 1
    assert _metric(text, "triage_ingest_delay_seconds_count") == 1
    assert _metric(text, "triage_ingest_delay_seconds_sum") == pytest.approx(120)
    # the dashboard runs in another process: it reads the rejects the API recorded in the store
    rejects = webhook_rejects(live_api.app.engine, live_api.clock.now() - timedelta(hours=1))
    assert dict(zip(rejects["reason"], rejects["rejects"], strict=True)) == {"bad_signature": 1, "stale_timestamp": 1}


def test_no_personal_data_reaches_the_logs_or_the_answers(live_api: LiveApi, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    person = {"text": "Call Luis Ortega on 269-555-0176 about BOL 8812-3390", "portal": "luis.ortega@example.com"}
    answers = [
        live_api.post_signed(json.dumps(person).encode()),
        live_api.post_signed(json.dumps({**person, "carrier": ["Luis Ortega"]}).encode()),  # 422
        live_api.post_signed(b'{"text": "Luis Ortega 269-555-0176'),  # quarantined
        live_api.post_signed(json.dumps(person).encode(), secret=SECRET_OTHER),  # 401
    ]
    assert [a.status_code for a in answers] == [202, 422, 202, 401]
    seen = caplog.text + "".join(a.text for a in answers)
    for pii in ("Luis", "Ortega", "269-555-0176", "luis.ortega"):
        assert pii not in seen
