"""The fault test's producer (run with `python -m tests.worker.producer HOME N REPORT`): ingests N
e-mails, as RFC 822 bytes through the real parser and ingest service, a few at a time while the
worker runs, and writes its counts as JSON. (Once `triage serve` exists this becomes signed POSTs.)"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from agents.clock import SystemClock
from agents.ingest_service import IngestCounts, IngestService
from agents.settings import load_settings
from tests.worker.processes import messages
from tools.ingest import RawInput
from tools.store.cases import CaseStore
from tools.store.db import make_engine, migrate


def eml(i: int, sender: str | None, subject: str | None, body: str) -> bytes:
    address = sender if sender and "@" in sender else "notices@carrier.example"
    head = (
        f"From: {address}\r\nTo: ops@shipper.example\r\nSubject: {subject or ''}\r\n"
        f"Message-ID: <fault-{i}@carrier.example>\r\nDate: Mon, 2 Mar 2026 09:14:00 +0000\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    )
    return (head + body.replace("\r\n", "\n").replace("\n", "\r\n")).encode("utf-8")


def main() -> int:
    n, report = int(sys.argv[1]), Path(sys.argv[2])
    settings = load_settings()
    engine = make_engine(settings.store_url)
    migrate(engine)
    service = IngestService(CaseStore(engine), SystemClock(), settings)
    total = IngestCounts()
    for i, msg in enumerate(messages(n, "fault")):
        data = eml(i, msg.sender, msg.subject, msg.body)
        total.add(service.ingest([RawInput(source=f"producer:{i}.eml", data=data, channel_hint="email")]))
        if i % 8 == 7:
            time.sleep(0.05)  # arrivals spread over the run, 8 at a time
    report.write_text(json.dumps(total.as_json()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
