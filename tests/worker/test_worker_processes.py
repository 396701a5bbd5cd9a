"""`triage worker` as real processes: three on PostgreSQL never triage a case twice; two on one
SQLite home corrupt nothing. Each stops on SIGTERM with a one-line summary and exit code 0."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import psycopg
import pytest

from agents.settings import Settings
from tests.worker.processes import (
    alive_check,
    at_review,
    attempts_by_case,
    ingest,
    messages,
    start_worker,
    stop_worker,
    wait_for,
    worker_env,
)
from tools.store.cases import CaseStore
from tools.store.db import make_engine, migrate


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.timeout(1500)  # minutes on a loaded 2-core host: models load in each process
def test_three_workers_on_postgres_triage_every_case_exactly_once(
    worker_home: Path, pg_url: str, tmp_path: Path
) -> None:
    n = 300
    checkpoint_url = pg_url.replace("postgresql+psycopg://", "postgresql://")
    env = worker_env(worker_home, TRIAGE_DATABASE_URL=pg_url, TRIAGE_CHECKPOINT_URL=checkpoint_url)
    engine = make_engine(pg_url)
    logs = [tmp_path / f"worker{i}.log" for i in range(3)]
    # started together on an empty database: they migrate and create the checkpoint tables one at a time
    procs = [start_worker(env, log, "--batch-size", "8", "--worker-id", f"w{i}") for i, log in enumerate(logs)]
    wait_for(lambda: all("running" in log.read_text() for log in logs if log.exists()) and all(
        log.exists() for log in logs), 600, "3 workers up", alive_check(procs, logs))
    settings = Settings(TRIAGE_HOME=worker_home, TRIAGE_DATABASE_URL=pg_url)
    ids = ingest(CaseStore(engine), settings, messages(n))  # a backlog arrives at once
    assert len(ids) == n
    try:
        wait_for(lambda: at_review(engine) == n, 900, f"{n} cases at review", alive_check(procs, logs))
    finally:
        codes = [stop_worker(p) for p in procs]
    assert codes == [0, 0, 0]
    for log in logs:
        assert "stopped: triaged" in log.read_text()
    # the claim audit: every case claimed once, by one worker
    attempts = attempts_by_case(engine)
    assert len(attempts) == n and set(attempts.values()) == {1}
    # and run once by the graph: one checkpoint history per case, all alike (a second run would add to it)
    with psycopg.connect(checkpoint_url) as conn:
        per_thread: Counter[str] = Counter(
            dict(conn.execute("SELECT thread_id, count(*) FROM checkpoints GROUP BY thread_id").fetchall())
        )
    assert set(per_thread) == set(ids)
    assert len(set(per_thread.values())) == 1
    shares = [int(log.read_text().split("triaged ")[1].split(" ")[0]) for log in logs]
    assert sum(shares) == n  # the summaries add up too


@pytest.mark.slow
@pytest.mark.timeout(1500)  # minutes on a loaded 2-core host: models load in each process
def test_a_second_worker_on_one_sqlite_home_corrupts_nothing(worker_home: Path, tmp_path: Path) -> None:
    n = 40
    settings = Settings(TRIAGE_HOME=worker_home)
    engine = make_engine(settings.store_url)
    migrate(engine)
    ids = ingest(CaseStore(engine), settings, messages(n, "sq"))
    env = worker_env(worker_home)
    logs = [tmp_path / f"worker{i}.log" for i in range(2)]
    procs = [start_worker(env, log, "--batch-size", "4") for log in logs]
    try:
        wait_for(lambda: at_review(engine) == n, 900, f"{n} cases at review", alive_check(procs, logs))
    finally:
        codes = [stop_worker(p) for p in procs]
    assert codes == [0, 0]
    assert set(attempts_by_case(engine).values()) == {1} and len(ids) == n
    engine.dispose()
    for name in ("cases.sqlite", "checkpoints.sqlite"):
        with sqlite3.connect(worker_home / name) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
