"""The fault test's producer (run with `python -m tests.worker.producer URL N REPORT [PAUSE]`): a sender
outside the product. It posts N RFC 822 e-mails (`Content-Type: message/rfc822`) to `triage serve` at
URL over real HTTP, signed the Standard Webhooks way for the `n8n` integration, 8 in flight at a time,
each sender pausing PAUSE seconds between its posts so the arrivals spread over the worker's run.

Every answer is recorded, in the order of the messages, in REPORT as JSON: a list of
`{"i", "webhook_id", "status_code", "body"}`, with `status_code` null and `error` set when a request got
no answer. Nothing is retried: the test wants every first post answered.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from tests.api.conftest import SECRET_A, sign_headers
from tests.worker.processes import messages

log = logging.getLogger(__name__)
CONCURRENCY = 8
INTEGRATION = "n8n"


def eml(i: int, sender: str | None, subject: str | None, body: str) -> bytes:
    address = sender if sender and "@" in sender else "notices@carrier.example"
    head = (
        f"From: {address}\r\nTo: ops@shipper.example\r\nSubject: {subject or ''}\r\n"
        f"Message-ID: <fault-{i}@carrier.example>\r\nDate: Mon, 2 Mar 2026 09:14:00 +0000\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    )
    return (head + body.replace("\r\n", "\n").replace("\n", "\r\n")).encode("utf-8")


def webhook_id(i: int) -> str:
    return f"msg_fault_{i}"


def post(client: httpx.Client, i: int, body: bytes, pause: float) -> dict[str, Any]:
    # signed just before it is sent, with the real clock (the server checks a 5-minute tolerance)
    headers = sign_headers(
        body, SECRET_A, msg_id=webhook_id(i), ts=int(time.time()), integration=INTEGRATION,
        content_type="message/rfc822",
    )
    answer: dict[str, Any] = {"i": i, "webhook_id": webhook_id(i)}
    try:
        response = client.post("/v1/messages", content=body, headers=headers)
    except httpx.HTTPError as exc:
        answer.update(status_code=None, error=f"{type(exc).__name__}: {exc}")
    else:
        try:
            answer.update(status_code=response.status_code, body=response.json())
        except ValueError:
            answer.update(status_code=response.status_code, error=f"not JSON: {response.text[:200]!r}")
    if pause:
        time.sleep(pause)  # this sender's next message comes a little later
    return answer


def produce(url: str, n: int, pause: float = 0.0) -> list[dict[str, Any]]:
    bodies = [eml(i, m.sender, m.subject, m.body) for i, m in enumerate(messages(n, "fault"))]
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    # generous: the host is shared and the API's SQLite writes wait for the worker's
    with httpx.Client(base_url=url, timeout=120, limits=limits) as client, ThreadPoolExecutor(CONCURRENCY) as pool:
        return list(pool.map(lambda i: post(client, i, bodies[i], pause), range(n)))


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s producer %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
    url, n, report = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    pause = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
    started = time.monotonic()
    answers = produce(url, n, pause)
    report.write_text(json.dumps(answers), encoding="utf-8")
    codes: dict[str, int] = {}
    for a in answers:
        codes[str(a["status_code"])] = codes.get(str(a["status_code"]), 0) + 1
    log.info("posted %d messages in %.0f s: %s", n, time.monotonic() - started, codes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
