"""Ingestion end to end on the sample inbox and on 1,000+ malformed inputs: every input counted once,
duplicates linked, bad input quarantined with a reason and replayable, nothing lost."""

from __future__ import annotations

import random
from pathlib import Path

from sqlalchemy import func, select

from agents.ingest_service import IngestService
from agents.settings import Settings
from tests.conftest import REPO
from tests.support.clock import FakeClock
from tools.ingest import RawInput, read_inputs
from tools.store import schema as t
from tools.store.cases import CaseStore
from tools.store.db import make_engine, migrate

INBOX = REPO / "data" / "inbox"


def rows(store: CaseStore, table) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)


def test_sample_inbox_counts_add_up_and_redelivery_is_all_duplicates(store: CaseStore, clock: FakeClock,
                                                                      settings: Settings) -> None:
    service = IngestService(store, clock, settings)
    first = service.ingest(read_inputs(INBOX))
    assert first.received == first.cases + first.duplicates + first.quarantined
    assert first.cases >= 60 and first.duplicates == 2 and first.quarantined == 3
    assert rows(store, t.cases) == first.cases and rows(store, t.quarantine) == 3
    reasons = {q.source.rsplit("/", 1)[-1]: q for q in store.list_quarantine()}
    assert set(reasons) == {"truncated.eml", "broken.json", "empty.txt"}
    assert all(q.detail and q.source in q.detail for q in reasons.values())

    clock.advance(hours=1)
    again = service.ingest(read_inputs(INBOX))
    assert again.cases == 0 and again.duplicates == first.cases + first.duplicates
    assert again.quarantined == 3
    assert store.counts()["received"] == first.received + again.received
    with store.engine.connect() as conn:
        linked = conn.execute(select(func.count(func.distinct(t.duplicates.c.case_id)))).scalar()
    assert linked == first.cases  # every duplicate points at the case it repeats


def test_fixed_input_is_reprocessed_into_a_case(store: CaseStore, clock: FakeClock, settings: Settings,
                                                tmp_path: Path) -> None:
    service = IngestService(store, clock, settings)
    counts = service.ingest([RawInput("portal/update.json", b'{"text": "Truck broke down', "portal")])
    assert counts.quarantined == 1
    (item,) = store.list_quarantine()
    assert item.reason and "portal/update.json" in item.detail
    fixed = b'{"text": "Truck broke down near Lyon", "event_id": "EV-1", "carrier": "DHL"}'
    result = service.reprocess(item.id, fixed)
    assert result.cases == 1 and result.quarantined == 0
    assert store.list_quarantine() == [] and store.list_quarantine("reprocessed")[0].resolved_case_id
    counts_now = store.counts()
    assert counts_now["received"] == counts_now["cases"] + counts_now["duplicates"] + counts_now["quarantined"]


def test_oversized_input_is_quarantined_with_the_limit_named(store: CaseStore, clock: FakeClock,
                                                             settings: Settings) -> None:
    small = settings.model_copy(update={"max_input_bytes": 1000})
    counts = IngestService(store, clock, small).ingest([RawInput("big.txt", b"a" * 5000, "document")])
    assert counts.quarantined == 1
    (item,) = store.list_quarantine()
    assert item.reason == "too_large" and "big.txt" in item.detail


def malformed_inputs(n: int, seed: int = 7) -> list[RawInput]:
    """Truncations and byte flips of the real sample files, plus garbage, under their real file types."""
    rng = random.Random(seed)
    samples = [p for p in sorted(INBOX.rglob("*")) if p.is_file() and not p.name.startswith(".")]
    out: list[RawInput] = []
    for i in range(n):
        path = samples[i % len(samples)]
        data = bytearray(path.read_bytes())
        kind = i % 4
        if kind == 0 and data:
            data = data[: rng.randrange(len(data))]
        elif kind == 1 and data:
            for _ in range(rng.randint(1, 40)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif kind == 2:
            data = bytearray(rng.randbytes(rng.randint(0, 3000)))
        else:
            data = data[: len(data) // 2] + bytearray(rng.randbytes(200)) + data[len(data) // 2 :]
        out.append(RawInput(f"fuzz/{i}{path.suffix}", bytes(data), None))
    return out


def test_a_thousand_malformed_inputs_never_crash_and_are_all_counted(tmp_path: Path, clock: FakeClock,
                                                                     settings: Settings) -> None:
    # SQLite only: the store's behaviour on PostgreSQL is covered above; this is about the parsers.
    engine = make_engine(f"sqlite:///{tmp_path / 'fuzz.sqlite'}")
    migrate(engine)
    store = CaseStore(engine)
    inputs = malformed_inputs(1000)
    counts = IngestService(store, clock, settings).ingest(inputs)
    assert counts.received >= 1000  # an mbox or JSON list may hold several items
    assert counts.received == counts.cases + counts.duplicates + counts.quarantined
    assert counts.quarantined == rows(store, t.quarantine) > 0
    assert counts.cases == rows(store, t.cases)
    assert rows(store, t.ingest_log) == counts.received
    for item in store.list_quarantine()[:50]:
        _, payload = store.quarantined_payload(item.id)
        assert item.size == len(payload)
