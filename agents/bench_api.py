"""`triage bench --api`: the API's time to accept a signed message under 8-way concurrent load.

api       = `triage serve` (its own process, a fresh SQLite home): verify the signature, check the replay
            guard, parse, de-duplicate, store the raw message and the case, answer 202;
baseline  = a bare FastAPI endpoint on the same uvicorn that only reads the body and verifies the same
            signature, answering 202: what HTTP + signing cost before the product does anything.
Both servers run side by side and take the messages in alternating chunks, so machine noise hits both
alike. Every message is a new, distinct portal event signed just before it is sent.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from fastapi import Request  # at module level: the baseline endpoint's annotation is resolved from here

from agents.settings import Settings

if TYPE_CHECKING:
    from agents.app import App

CHUNK = 100
INTEGRATION = "bench"


@dataclass
class ApiBenchResult:
    n: int
    concurrency: int
    api_p50_ms: float
    api_p95_ms: float
    baseline_p50_ms: float
    baseline_p95_ms: float
    api_msgs_per_s: float
    baseline_msgs_per_s: float
    statuses: dict[str, int]  # the API's answers by status code: all 202 on a healthy run
    baseline_statuses: dict[str, int]  # the baseline's: all 202 too, or it did not verify what the API verified

    def as_json(self) -> dict[str, Any]:
        return {k: (round(v, 2) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def bench_messages(n: int, run: str) -> Iterator[bytes]:
    for i in range(n):
        yield json.dumps(
            {
                "text": f"Trailer {1000 + i} delayed at hub {i % 17}; BOL {run}-{i:05d} moves to tomorrow.",
                "event_id": f"bench-{run}-{i}",
                "carrier": "Bench Freight",
                "tracking_number": f"{run}-{i:05d}",
            }
        ).encode()


def _signed(secret: str, body: bytes) -> dict[str, str]:
    from agents.api.signing import sign

    msg_id = f"msg_{secrets.token_hex(8)}"
    stamp = int(time.time())
    return {
        "Content-Type": "application/json",
        "X-Integration": INTEGRATION,
        "webhook-id": msg_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(secret, msg_id, stamp, body),
    }


def run_api_bench(
    settings: Settings, n: int, concurrency: int = 8, progress: Callable[[int], None] | None = None
) -> ApiBenchResult:
    import httpx

    home = settings.home / "bench-api"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    env = {
        **os.environ,
        "TRIAGE_HOME": str(home),
        "TRIAGE_WEBHOOK_SECRETS": f"{INTEGRATION}={secret}",
    }
    for var in ("TRIAGE_DATABASE_URL", "TRIAGE_CHECKPOINT_URL", "TRIAGE_CHROMA_URL"):  # the embedded defaults
        env.pop(var, None)
    ports = {"api": _free_port(), "baseline": _free_port()}
    commands = {
        "api": [sys.executable, "-m", "agents.cli", "serve", "--port", str(ports["api"])],
        "baseline": [sys.executable, "-m", "agents.bench_api", "--port", str(ports["baseline"])],
    }
    procs = {name: subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL) for name, cmd in commands.items()}
    latencies: dict[str, list[float]] = {"api": [], "baseline": []}
    busy: dict[str, float] = {"api": 0.0, "baseline": 0.0}
    statuses: dict[str, dict[str, int]] = {"api": {}, "baseline": {}}
    try:
        for name, port in ports.items():
            _wait_up(f"http://127.0.0.1:{port}/healthz", procs[name])
        local = threading.local()

        def post(target: str, body: bytes) -> tuple[float, int]:
            client = getattr(local, target, None)
            if client is None:
                client = httpx.Client(base_url=f"http://127.0.0.1:{ports[target]}", timeout=60)
                setattr(local, target, client)
            headers = _signed(secret, body)
            started = time.perf_counter()
            r = client.post("/v1/messages", content=body, headers=headers)
            return time.perf_counter() - started, r.status_code

        bodies = list(bench_messages(n, secrets.token_hex(3)))
        warm = list(bench_messages(20, "warm" + secrets.token_hex(2)))
        with ThreadPoolExecutor(concurrency) as pool:
            for target in ("api", "baseline"):  # warm-up: connections, imports, SQLite pages
                list(pool.map(lambda b, t=target: post(t, b), warm))
            for start in range(0, n, CHUNK):
                chunk = bodies[start : start + CHUNK]
                for target in ("api", "baseline") if (start // CHUNK) % 2 == 0 else ("baseline", "api"):
                    began = time.perf_counter()
                    results = list(pool.map(lambda b, t=target: post(t, b), chunk))
                    busy[target] += time.perf_counter() - began
                    latencies[target] += [s for s, _ in results]
                    for _, code in results:
                        statuses[target][str(code)] = statuses[target].get(str(code), 0) + 1
                if progress:
                    progress(len(chunk))
    finally:
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            proc.wait(timeout=30)
    ms = {k: np.array(v) * 1000 for k, v in latencies.items()}
    return ApiBenchResult(
        n=n,
        concurrency=concurrency,
        api_p50_ms=float(np.percentile(ms["api"], 50)),
        api_p95_ms=float(np.percentile(ms["api"], 95)),
        baseline_p50_ms=float(np.percentile(ms["baseline"], 50)),
        baseline_p95_ms=float(np.percentile(ms["baseline"], 95)),
        api_msgs_per_s=n / busy["api"],
        baseline_msgs_per_s=n / busy["baseline"],
        statuses=statuses["api"],
        baseline_statuses=statuses["baseline"],
    )


def cmd_bench_api(args: argparse.Namespace, app: App) -> int:
    from rich.table import Table

    from agents.terminal import console, out, progress_bar

    with progress_bar(transient=args.json) as bar:
        task = bar.add_task("Benchmarking the API (8 concurrent senders)", total=args.n)
        result = run_api_bench(app.settings, args.n, progress=lambda k: bar.advance(task, k))
    if args.json:
        out.print_json(json.dumps(result.as_json()))
        return 0
    table = Table(title=f"triage bench --api: {result.n} signed messages, {result.concurrency} at a time")
    table.add_column("measure")
    table.add_column("API (accept + store)", justify="right")
    table.add_column("baseline (verify only)", justify="right")
    table.add_column("target", justify="right")
    table.add_row("p50 time to answer", f"{result.api_p50_ms:.1f} ms", f"{result.baseline_p50_ms:.1f} ms", "")
    table.add_row("p95 time to answer", f"{result.api_p95_ms:.1f} ms", f"{result.baseline_p95_ms:.1f} ms", "<= 50 ms")
    table.add_row("answers", " ".join(f"{k}: {v}" for k, v in result.statuses.items()),
                  " ".join(f"{k}: {v}" for k, v in result.baseline_statuses.items()), "all 202")
    table.add_row("msgs/s", f"{result.api_msgs_per_s:.0f}", f"{result.baseline_msgs_per_s:.0f}", "")
    out.print(table)
    console.print(json.dumps(result.as_json()))
    return 0


# ---------------------------------------------------------------------------- the baseline server


def baseline_app(secrets_spec: str) -> Any:
    """The floor: the same uvicorn and FastAPI, the body read and the signature verified, nothing stored."""
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse

    from agents.api.signing import SignatureError, WebhookSecrets
    from agents.clock import SystemClock

    hooks = WebhookSecrets.parse(secrets_spec)
    clock = SystemClock()
    app = FastAPI()

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/messages")
    async def post(request: Request) -> JSONResponse:
        body = await request.body()
        headers = {k: v for k, v in request.headers.items() if k.startswith("webhook-")}
        try:
            hooks.verify(request.headers.get("x-integration", ""), headers, body, clock.now())
        except SignatureError as err:
            return JSONResponse({"status": "rejected", "error": err.code}, status_code=err.status)
        return JSONResponse({"status": "accepted"}, status_code=202)

    return app


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_up(url: str, proc: subprocess.Popen[bytes]) -> None:
    import httpx

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the bench server for {url} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the bench server for {url} did not start")


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="the verify-only baseline server of `triage bench --api`")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    spec = os.environ.get("TRIAGE_WEBHOOK_SECRETS", "")
    uvicorn.run(baseline_app(spec), host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
