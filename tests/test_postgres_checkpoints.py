"""The graph pauses and resumes through LangGraph's Postgres saver on the local PostgreSQL server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agents.checkpoints import open_checkpointer
from agents.runner import TriageRunner
from agents.settings import Settings
from agents.state import AcceptDecision, InboundMessage
from tests.support.graph_harness import open_harness
from tests.support.postgres import required_database
from tools.store.cases import content_fingerprint

pytestmark = pytest.mark.postgres


def test_pause_and_resume_through_the_postgres_saver(tmp_path: Path, settings: Settings) -> None:
    with required_database() as url:
        pg = settings.model_copy(update={"checkpoint_url": url.replace("postgresql+psycopg://", "postgresql://")})
        with open_harness(tmp_path) as h:
            msg = InboundMessage(channel="email", source="t.eml", sender="ops@carrier.example",
                                 subject="BOL 8812-3390", body="Truck broke down near Lyon.")
            stored = h.store.add_message(msg, content_fingerprint(msg), h.deps.clock.now(), timedelta(days=1))
            assert stored is not None
            case_id = stored[0]
            with open_checkpointer(pg) as saver:
                assert TriageRunner(h.deps, saver).start(case_id) is not None
            with open_checkpointer(pg) as saver:  # a new connection, as another process would have
                runner = TriageRunner(h.deps, saver)
                assert runner.pending_review(case_id) is not None
                state = runner.resume(case_id, AcceptDecision(reviewer="cs.anna", role="customer_service",
                                                              decided_at=datetime(2026, 3, 2, tzinfo=UTC)))
            assert state.status == "approved" and h.redactor.calls == 1
