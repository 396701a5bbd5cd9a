"""Helpers for the tests that run `triage worker` as real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from agents.bench import bench_messages
from agents.ingest_service import IngestService
from agents.settings import Settings
from agents.state import InboundMessage
from tools.ingest import ParseOutcome
from tools.store import schema as t
from tools.store.cases import CaseStore

REPO = Path(__file__).resolve().parents[2]
AT_REVIEW = ("awaiting_review", "needs_classification")


def worker_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRIAGE_", "ODOO_"))}
    env.update({"TRIAGE_HOME": str(home), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}, **extra)
    return env


def start_worker(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    with open(log, "ab") as fh:
        return subprocess.Popen(
            [sys.executable, "-m", "agents.cli", "worker", "--no-dispatch", *args],
            cwd=REPO,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )


def stop_worker(proc: subprocess.Popen[bytes], timeout: float = 120) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=timeout)


def start_serve(env: dict[str, str], log: Path, port: int, timeout: float = 300) -> subprocess.Popen[bytes]:
    """`triage serve` as its own process on 127.0.0.1:port, once its /healthz answers."""
    import httpx

    with open(log, "ab") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "agents.cli", "serve", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )

    def up() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def alive() -> None:
        if proc.poll() is not None:
            raise AssertionError(f"triage serve exited early ({proc.returncode}): {log.read_text()[-3000:]}")

    try:
        wait_for(up, timeout, "triage serve to answer /healthz", alive)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return proc


def wait_for(condition: Callable[[], bool], timeout: float, what: str, alive: Callable[[], None] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if alive is not None:
            alive()
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.5)  # polling other processes' progress (bounded)


def messages(n: int, prefix: str = "w") -> list[InboundMessage]:
    return [m.model_copy(update={"message_id": f"<{prefix}-{i}@triage.test>"}) for i, m in enumerate(bench_messages(n))]


def ingest(store: CaseStore, settings: Settings, batch: list[InboundMessage]) -> list[str]:
    from agents.clock import SystemClock

    service = IngestService(store, SystemClock(), settings)
    ids = []
    for msg in batch:
        counts = service.accept(ParseOutcome(source=msg.source, data=b"", message=msg, error=None))
        ids += counts.new_case_ids
    return ids


def at_review(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(select(func.count()).select_from(t.cases).where(t.cases.c.status.in_(AT_REVIEW))).scalar_one()
        )


def attempts_by_case(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {r.id: int(r.triage_attempts) for r in conn.execute(select(t.cases.c.id, t.cases.c.triage_attempts))}


def alive_check(procs: list[Any], logs: list[Path]) -> Callable[[], None]:
    def check() -> None:
        for proc, log in zip(procs, logs, strict=True):
            if proc.poll() is not None:
                raise AssertionError(f"worker exited early ({proc.returncode}): {log.read_text()[-3000:]}")

    return check
