"""Case leases on the real stores (SQLite and PostgreSQL): claim, expiry, give-back, back-off."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import Engine

from agents.state import InboundMessage
from tests.support.clock import FakeClock
from tools.store.cases import CaseStore, content_fingerprint
from tools.store.leases import CaseLeases


def _cases(store: CaseStore, clock: FakeClock, n: int) -> list[str]:
    ids = []
    for i in range(n):
        msg = InboundMessage(channel="email", source=f"t:{i}", message_id=f"<l{i}@t>", body=f"message {i}")
        clock.advance(seconds=1)
        stored = store.add_message(msg, content_fingerprint(msg), clock.now(), timedelta(days=30))
        assert stored
        ids.append(stored[0])
    return ids


def test_claims_are_exclusive_until_the_lease_runs_out(engine: Engine, store: CaseStore, clock: FakeClock) -> None:
    ids = _cases(store, clock, 5)
    leases = CaseLeases(engine, lease=timedelta(seconds=60))
    first = leases.claim("w1", clock.now(), limit=3)
    assert first == ids[:3]  # oldest first
    assert leases.claim("w2", clock.now(), limit=10) == ids[3:]
    assert leases.claim("w3", clock.now(), limit=10) == []
    clock.advance(seconds=61)  # w1 and w2 "crashed": their claims run out
    assert sorted(leases.claim("w3", clock.now(), limit=10)) == sorted(ids)
    assert set(leases.attempts().values()) == {2}


def test_renew_keeps_a_live_claim_and_release_and_fail_give_it_back(
    engine: Engine, store: CaseStore, clock: FakeClock
) -> None:
    a, b, c = _cases(store, clock, 3)
    leases = CaseLeases(engine, lease=timedelta(seconds=60), max_attempts=2)
    assert leases.claim("w1", clock.now(), limit=3) == [a, b, c]
    clock.advance(seconds=50)
    assert leases.renew("w1", [a, b], clock.now()) == [a, b]
    assert leases.renew("someone-else", [c], clock.now()) == []
    clock.advance(seconds=20)
    assert leases.claim("w2", clock.now(), limit=3) == [c]  # only c's lease ran out
    leases.release("w2", [c], undo_claim=True)  # given back unstarted: not counted
    assert leases.attempts()[c] == 1
    leases.fail("w1", a, "ValueError", retry_at=clock.now() + timedelta(seconds=30))
    assert leases.claim("w3", clock.now(), limit=3) == [c]
    clock.advance(seconds=31)
    assert leases.claim("w3", clock.now(), limit=3) == [a]
    assert store.get_case(a)["triage_error"] == "ValueError"  # type: ignore[index]
    leases.fail("w3", a, "ValueError", retry_at=clock.now())
    clock.advance(seconds=1)
    assert a not in leases.claim("w4", clock.now(), limit=3)  # max_attempts reached: left for a person


def test_concurrent_claims_never_share_a_case(engine: Engine, store: CaseStore, clock: FakeClock) -> None:
    ids = _cases(store, clock, 60)
    leases = CaseLeases(engine, lease=timedelta(seconds=600))
    got: dict[str, list[str]] = {}

    def worker(name: str) -> None:
        mine: list[str] = []
        for _ in range(200):  # an empty claim under contention is not the end: keep claiming
            mine += leases.claim(name, clock.now(), limit=2)
            if leases.waiting(clock.now()) == 0:
                break
        got[name] = mine

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    claimed = [cid for mine in got.values() for cid in mine]
    assert sorted(claimed) == sorted(ids)  # each exactly once
    assert set(leases.attempts().values()) == {1}


def test_a_case_written_at_review_by_a_worker_that_died_before_its_checkpoint_is_run_again(
    engine: Engine, store: CaseStore, clock: FakeClock
) -> None:
    a, b = _cases(store, clock, 2)
    leases = CaseLeases(engine, lease=timedelta(seconds=60))
    assert leases.claim("w1", clock.now(), limit=2) == [a, b]
    store.set_status(a, "awaiting_review", clock.now())  # decide wrote the row ...
    store.set_status(b, "awaiting_review", clock.now())
    leases.release("w1", [b])  # ... b's run finished (checkpoint saved); a's worker died first
    clock.advance(seconds=61)
    assert leases.claim("w2", clock.now(), limit=2) == [a]
