"""The API on the local PostgreSQL: accept, replay guard (also under concurrent re-delivery), keys, revocation."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.api.conftest import LiveApi, sign_headers


@pytest.mark.postgres
def test_accept_replay_and_keys_on_postgres(live_api_pg: LiveApi) -> None:
    api = live_api_pg
    body = json.dumps({"text": "Vessel rolled at Hamburg, container MSKU 7654321", "event_id": "PG-1"}).encode()
    first = api.post_signed(body, msg_id="msg_pg_1")
    replay = api.post_signed(body, msg_id="msg_pg_1")
    key = api.app.api_keys.add("dashboard", "read", api.clock.now())

    assert first.status_code == 202 and replay.status_code == 200
    assert api.app.store.engine.dialect.name == "postgresql"
    view = api.client.get(f"/v1/cases/{first.json()['case_id']}", headers={"Authorization": f"Bearer {key}"})
    assert view.status_code == 200 and view.json()["integration"] == "n8n"
    api.app.api_keys.revoke("dashboard", api.clock.now())
    again = api.client.get(f"/v1/cases/{first.json()['case_id']}", headers={"Authorization": f"Bearer {key}"})
    assert again.status_code == 401
    assert api.app.api_keys.add("dashboard", "read", api.clock.now())  # the partial unique index frees the name


@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_eight_concurrent_deliveries_of_one_webhook_make_one_case(store: str, request: pytest.FixtureRequest) -> None:
    api: LiveApi = request.getfixturevalue("live_api_pg" if store == "postgres" else "live_api")
    body = json.dumps({"text": "Hub backlog at Venlo; BOL 5512-0091 leaves tomorrow"}).encode()
    headers = sign_headers(body, msg_id="msg_race", ts=api.now)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _i: api.post(body, headers), range(8)))
    retried = [api.post(body, headers) for r in answers if r.status_code == 409]  # what a sender does on 409

    codes = [r.status_code for r in answers]
    assert codes.count(202) == 1 and set(codes) <= {202, 200, 409}, codes
    case_id = next(r for r in answers if r.status_code == 202).json()["case_id"]
    assert all(r.json()["case_id"] == case_id for r in answers + retried if r.status_code in (200, 202))
    assert all(r.status_code == 200 for r in retried)
    counts = api.app.store.counts()
    assert counts["cases"] == 1
    assert counts["received"] == counts["cases"] + counts["duplicates"] + counts["quarantined"]
