"""The replay guard's claims on the real stores (SQLite and PostgreSQL): wait, take over a dead claim, release."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from tests.support.clock import FakeClock
from tools.store.api import Delivery, DeliveryStore

STALE = timedelta(minutes=2)


def test_a_claim_makes_others_wait_until_it_is_finished(engine: Engine, clock: FakeClock) -> None:
    store = DeliveryStore(engine)
    assert store.claim("n8n", "msg_1", clock.now(), STALE) == "claimed"
    assert store.claim("n8n", "msg_1", clock.now(), STALE) == "in_progress"
    assert store.claim("acme", "msg_1", clock.now(), STALE) == "claimed"  # ids are per integration

    done = Delivery("n8n", "msg_1", "case", "case-1", None, 202, {"status": "accepted"})
    store.finish(done)

    assert store.claim("n8n", "msg_1", clock.now(), STALE) == done
    clock.advance(days=400)
    assert store.claim("n8n", "msg_1", clock.now(), STALE) == done  # remembered for good


def test_a_dead_claim_is_taken_over_once_and_a_released_one_is_free(engine: Engine, clock: FakeClock) -> None:
    store = DeliveryStore(engine)
    assert store.claim("n8n", "msg_2", clock.now(), STALE) == "claimed"
    clock.advance(minutes=3)  # the request that claimed it died

    assert store.claim("n8n", "msg_2", clock.now(), STALE) == "claimed"
    assert store.claim("n8n", "msg_2", clock.now(), STALE) == "in_progress"

    store.release("n8n", "msg_2")
    assert store.claim("n8n", "msg_2", clock.now(), STALE) == "claimed"
