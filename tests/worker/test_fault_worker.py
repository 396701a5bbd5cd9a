"""Fault test: 1,000 e-mails arrive while one worker runs; the worker is killed with SIGKILL twice
along the way and restarted. At the end every message is exactly one case that has reached review:
0 lost, 0 duplicated, and no manual command (the restarted worker takes the dead one's claims once
their lease runs out)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from agents.settings import Settings
from tests.worker.processes import AT_REVIEW, REPO, at_review, start_worker, stop_worker, wait_for, worker_env
from tools.store import schema as t
from tools.store.cases import CaseStore
from tools.store.db import make_engine, migrate

N = 1000
LEASE_S = "8"


@pytest.mark.slow
@pytest.mark.timeout(1800)  # minutes on a loaded 2-core host: models load in each process
def test_killed_twice_the_worker_still_brings_every_message_to_review_once(worker_home: Path, tmp_path: Path) -> None:
    settings = Settings(TRIAGE_HOME=worker_home)
    engine = make_engine(settings.store_url)
    migrate(engine)
    env = worker_env(worker_home)
    log = tmp_path / "worker.log"
    args = ("--lease-seconds", LEASE_S, "--idle-seconds", "0.2")
    worker = start_worker(env, log, *args)
    report = tmp_path / "producer.json"
    producer = subprocess.Popen(
        [sys.executable, "-m", "tests.worker.producer", str(N), str(report)], cwd=REPO, env=env
    )
    kills = 0
    try:
        for threshold in (150, 550):  # kill -9 in the middle of the work, twice
            wait_for(lambda th=threshold: at_review(engine) >= th, 900, f"{threshold} cases at review")  # type: ignore[misc]
            worker.kill()
            worker.wait()
            kills += 1
            worker = start_worker(env, log, *args)
        assert producer.wait(timeout=900) == 0
        wait_for(lambda: at_review(engine) == N, 900, f"all {N} cases at review")
    finally:
        code = stop_worker(worker)
        if producer.poll() is None:
            producer.kill()
    assert code == 0 and kills == 2
    produced = json.loads(report.read_text())
    assert produced == {"received": N, "cases": N, "duplicates": 0, "quarantined": 0}
    counts = CaseStore(engine).counts()
    assert counts["received"] == counts["cases"] == N and counts["duplicates"] == counts["quarantined"] == 0
    with engine.connect() as conn:
        per_message: dict[str, int] = dict(
            conn.execute(
                select(t.raw_messages.c.message_id, func.count(t.cases.c.id))
                .select_from(t.cases.join(t.raw_messages, t.raw_messages.c.id == t.cases.c.raw_id))
                .group_by(t.raw_messages.c.message_id)
            ).all()
        )
        not_at_review = conn.execute(
            select(func.count()).select_from(t.cases).where(t.cases.c.status.notin_(AT_REVIEW))
        ).scalar_one()
    lost = N - len(per_message)
    duplicated = sum(c - 1 for c in per_message.values())
    assert (lost, duplicated, not_at_review) == (0, 0, 0)
    assert set(per_message) == {f"<fault-{i}@carrier.example>" for i in range(N)}
    assert log.read_text().count("stopped: triaged") == 1  # the last one, stopped cleanly
    # and each can be reviewed: its run's checkpoint is there, paused at the review
    with sqlite3.connect(worker_home / "checkpoints.sqlite") as conn:
        threads = {r[0] for r in conn.execute("SELECT DISTINCT thread_id FROM checkpoints")}
    with engine.connect() as conn:
        case_ids = set(conn.execute(select(t.cases.c.id)).scalars())
    assert threads == case_ids
