"""The composition root's API (`App.api`) served by uvicorn on a free port in a thread.

Real sockets, real SQLite, a fake clock.

Requests are signed by the `standardwebhooks` package itself (text bodies) or by the specification's
construction over the bytes (binary bodies), never by the code under test.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from standardwebhooks import Webhook

from agents.app import App, build_app
from agents.settings import Settings
from tests.support.clock import FakeClock

SECRET_A = "whsec_" + base64.b64encode(b"n8n-first-secret-0123456789abcdef").decode()
SECRET_B = "whsec_" + base64.b64encode(b"n8n-rotated-secret-fedcba98765432").decode()
SECRET_ACME_1 = "whsec_" + base64.b64encode(b"acme-secret-one-000000000000000").decode()
SECRET_ACME_2 = "whsec_" + base64.b64encode(b"acme-secret-two-111111111111111").decode()
SECRET_OTHER = "whsec_" + base64.b64encode(b"a-secret-nobody-configured-here").decode()
# Rotation both ways: "|" inside one entry (n8n) and a repeated name (acme).
SECRETS_ENV = f"n8n={SECRET_A}|{SECRET_B},acme={SECRET_ACME_1},acme={SECRET_ACME_2}"
MAX_BYTES = 64 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sign_headers(
    body: bytes, secret: str = SECRET_A, *, msg_id: str | None = None, ts: int, integration: str = "n8n",
    content_type: str = "application/json",
) -> dict[str, str]:
    msg_id = msg_id or f"msg_{time.monotonic_ns()}"
    try:  # the maintained package signs text bodies
        signature = Webhook(secret).sign(msg_id, datetime.fromtimestamp(ts, tz=UTC), body.decode("utf-8"))
    except UnicodeDecodeError:  # the specification, over the bytes: HMAC-SHA256(base64-decoded secret, id.ts.body)
        key = base64.b64decode(secret.removeprefix("whsec_"))
        digest = hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
        signature = "v1," + base64.b64encode(digest).decode()
    return {
        "Content-Type": content_type,
        "X-Integration": integration,
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": signature,
    }


@dataclass
class LiveApi:
    url: str
    app: App
    clock: FakeClock
    settings: Settings
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(base_url=self.url, timeout=30)

    @property
    def now(self) -> int:
        return int(self.clock.now().timestamp())

    def post(self, body: bytes, headers: dict[str, str], **kw: Any) -> httpx.Response:
        return self.client.post("/v1/messages", content=body, headers=headers, **kw)

    def post_signed(self, body: bytes, **kw: Any) -> httpx.Response:
        params = {k: kw.pop(k) for k in ("secret", "msg_id", "integration", "content_type") if k in kw}
        return self.post(body, sign_headers(body, ts=kw.pop("ts", self.now), **params), **kw)

    def case(self, case_id: str) -> dict[str, Any]:
        row = self.app.store.get_case(case_id)
        assert row is not None
        return row


def serve(app: Any, port: int) -> tuple[uvicorn.Server, threading.Thread]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    return server, thread


@pytest.fixture
def live_api(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveApi]:
    yield from _live_api(monkeypatch)


@pytest.fixture
def live_api_pg(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveApi]:
    """The same API on the local PostgreSQL (case store, replay guard, keys)."""
    from tests.support.postgres import fresh_database, postgres_available

    if not postgres_available():
        pytest.skip("PostgreSQL not reachable")
    with fresh_database() as url:
        monkeypatch.setenv("TRIAGE_DATABASE_URL", url)
        yield from _live_api(monkeypatch)


def _live_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveApi]:
    monkeypatch.setenv("TRIAGE_WEBHOOK_SECRETS", SECRETS_ENV)
    monkeypatch.setenv("TRIAGE_BEARER_INTEGRATIONS", "legacy-portal")
    monkeypatch.setenv("TRIAGE_MAX_INPUT_BYTES", str(MAX_BYTES))
    settings = Settings()
    clock = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    app = build_app(settings, clock=clock)
    port = free_port()
    server, thread = serve(app.api, port)
    api = LiveApi(f"http://127.0.0.1:{port}", app, clock, settings)
    try:
        yield api
    finally:
        api.client.close()
        server.should_exit = True
        thread.join(timeout=10)
        app.close()
