"""`triage serve` as its own process (the real clock), driven by the CLI: api-keys, sign, quarantine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import SECRETS_ENV, free_port

pytestmark = pytest.mark.slow
TRIAGE = [sys.executable, "-m", "agents.cli"]


@pytest.fixture
def env(home: Path) -> dict[str, str]:
    return {**os.environ, "TRIAGE_HOME": str(home), "TRIAGE_WEBHOOK_SECRETS": SECRETS_ENV}


@pytest.fixture
def served(env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen([*TRIAGE, "serve", "--port", str(port)], env=env, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"triage serve did not start: {proc.stderr.read() if proc.stderr else ''}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def triage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*TRIAGE, *args], env=env, capture_output=True, text=True, timeout=120)


def test_signed_curl_from_triage_sign_is_accepted_and_keys_work_end_to_end(
    served: str, env: dict[str, str], tmp_path: Path
) -> None:
    sample = tmp_path / "event.json"
    sample.write_text(json.dumps({"text": "Container MSKU 1234567 rolled to the next vessel", "event_id": "E-77"}))
    added = triage(env, "api-keys", "add", "dashboard", "--scope", "read")
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip()
    assert key.startswith("trk_") and "shown once" in added.stderr

    curl = triage(env, "sign", str(sample), "--integration", "n8n", "--url", f"{served}/v1/messages")
    assert curl.returncode == 0 and curl.stdout.startswith("curl ")
    posted = subprocess.run(curl.stdout, shell=True, capture_output=True, text=True, timeout=60, check=True)
    answer = json.loads(posted.stdout)
    assert answer["status"] == "accepted", posted.stdout

    auth = {"Authorization": f"Bearer {key}"}
    view = httpx.get(f"{served}/v1/cases/{answer['case_id']}", headers=auth, timeout=10)
    assert view.status_code == 200 and view.json()["status"] == "received" and view.json()["integration"] == "n8n"

    assert triage(env, "api-keys", "revoke", "dashboard").returncode == 0
    after = httpx.get(f"{served}/v1/cases/{answer['case_id']}", headers=auth, timeout=10)
    assert after.status_code == 401


def test_a_quarantined_delivery_is_listed_by_triage_quarantine(
    served: str, env: dict[str, str], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_bytes(b'{"text": "unterminated')
    curl = triage(env, "sign", str(broken), "--integration", "acme", "--url", f"{served}/v1/messages")
    answer = json.loads(subprocess.run(curl.stdout, shell=True, capture_output=True, text=True, check=True).stdout)
    assert answer["status"] == "quarantined"

    listed = json.loads(triage(env, "quarantine", "--json").stdout)

    assert [(q["id"], q["reason"]) for q in listed] == [(answer["quarantine_id"], "not_json")]
    assert listed[0]["source"].startswith("api:acme/")


def test_the_demo_starts_the_api_and_its_printed_curl_is_accepted(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from rich.console import Console

    from agents import demo
    from agents.app import build_app
    from agents.settings import Settings

    monkeypatch.delenv("TRIAGE_WEBHOOK_SECRETS", raising=False)
    printed = io.StringIO()
    env = {**os.environ, "TRIAGE_HOME": str(home)}
    with build_app(Settings()) as app:
        api = demo._start_api(app, env, Console(file=printed, width=2000))
    try:
        lines = printed.getvalue().splitlines()
        base = lines[0].split("Ingest API: ", 1)[1].split()[0]
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert api.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        curl = next(line for line in lines if line.startswith("curl "))
        posted = subprocess.run(curl, shell=True, capture_output=True, text=True, timeout=60, check=True)
        assert json.loads(posted.stdout)["status"] == "accepted", posted.stdout
    finally:
        api.terminate()
        api.wait(timeout=20)
