"""Bearer keys over real HTTP: scopes, unsigned posts where allowed, revocation; GET /v1/cases shows no raw text."""

from __future__ import annotations

import json

from sqlalchemy import insert, select

from tests.api.conftest import LiveApi
from tools.store import schema as t

RAW_TEXT = "Luis Ortega (269-555-0176) says pallet 3 of PO 4500012345 arrived crushed"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def add_key(api: LiveApi, name: str, scope: str, integration: str | None = None) -> str:
    return api.app.api_keys.add(name, scope, api.clock.now(), integration=integration)


def accepted_case(api: LiveApi) -> str:
    r = api.post_signed(json.dumps({"text": RAW_TEXT, "portal": "ShipTrack"}).encode())
    assert r.status_code == 202
    return str(r.json()["case_id"])


def test_keys_are_stored_only_as_hashes(live_api: LiveApi) -> None:
    key = add_key(live_api, "dashboard", "read")
    with live_api.app.store.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(t.api_keys))]
    assert len(rows) == 1 and key not in json.dumps(rows, default=str)
    assert rows[0]["key_hash"] != key and len(rows[0]["key_hash"]) == 64


def test_a_read_key_reads_a_case_without_any_raw_text(live_api: LiveApi) -> None:
    case_id = accepted_case(live_api)
    store = live_api.app.store
    now = live_api.clock.now()
    store.update_case(case_id, now, status="awaiting_review", reason="damaged", confidence=0.91, priority="P2",
                      summary="Goods damaged for PO 4500012345.", body="<PERSON> (<PHONE>) says pallet 3 ...")
    key = add_key(live_api, "dashboard", "read")

    r = live_api.client.get(f"/v1/cases/{case_id}", headers=bearer(key))

    assert r.status_code == 200, r.text
    view = r.json()
    assert {k: view[k] for k in ("id", "status", "reason", "confidence", "priority", "summary", "integration")} == {
        "id": case_id, "status": "awaiting_review", "reason": "damaged", "confidence": 0.91, "priority": "P2",
        "summary": "Goods damaged for PO 4500012345.", "integration": "n8n",
    }
    assert view["odoo_records"] == []
    for secret in ("Luis", "Ortega", "269-555", "ShipTrack", "crushed"):
        assert secret not in r.text


def test_once_dispatched_the_case_names_its_odoo_records(live_api: LiveApi) -> None:
    case_id = accepted_case(live_api)
    now = live_api.clock.now()
    with live_api.app.store.engine.begin() as conn:
        for n, (status, odoo_id) in enumerate([("sent", 41), ("pending", None)]):
            conn.execute(insert(t.outbox), {
                "id": f"ob-{n}", "case_id": case_id, "idempotency_key": f"k-{n}", "kind": "ticket", "payload": {},
                "status": status, "attempts": 1, "next_attempt_at": now, "odoo_model": "helpdesk.ticket",
                "odoo_id": odoo_id, "created_at": now, "updated_at": now,
            })
    key = add_key(live_api, "dashboard", "read")

    view = live_api.client.get(f"/v1/cases/{case_id}", headers=bearer(key)).json()

    assert view["odoo_records"] == [{"kind": "ticket", "model": "helpdesk.ticket", "id": 41}]


def test_reading_needs_a_valid_read_key(live_api: LiveApi) -> None:
    case_id = accepted_case(live_api)
    ingest_key = add_key(live_api, "legacy-portal", "ingest")

    missing = live_api.client.get(f"/v1/cases/{case_id}")
    unknown = live_api.client.get(f"/v1/cases/{case_id}", headers=bearer("trk_not-a-key"))
    wrong_scope = live_api.client.get(f"/v1/cases/{case_id}", headers=bearer(ingest_key))

    assert (missing.status_code, missing.json()["error"]) == (401, "missing_key")
    assert (unknown.status_code, unknown.json()["error"]) == (401, "bad_key")
    assert (wrong_scope.status_code, wrong_scope.json()["error"]) == (403, "wrong_scope")


def test_an_unknown_case_is_a_404_with_a_reason(live_api: LiveApi) -> None:
    key = add_key(live_api, "dashboard", "read")
    r = live_api.client.get("/v1/cases/case-nope", headers=bearer(key))
    assert r.status_code == 404 and r.json()["error"] == "no_such_case"


def test_a_revoked_key_is_refused(live_api: LiveApi) -> None:
    case_id = accepted_case(live_api)
    key = add_key(live_api, "dashboard", "read")
    assert live_api.client.get(f"/v1/cases/{case_id}", headers=bearer(key)).status_code == 200

    assert live_api.app.api_keys.revoke("dashboard", live_api.clock.now()) == 1

    r = live_api.client.get(f"/v1/cases/{case_id}", headers=bearer(key))
    assert r.status_code == 401 and r.json()["error"] == "bad_key"
    fresh = add_key(live_api, "dashboard", "read")  # the name is free again; the old key stays dead
    assert live_api.client.get(f"/v1/cases/{case_id}", headers=bearer(fresh)).status_code == 200
    assert live_api.client.get(f"/v1/cases/{case_id}", headers=bearer(key)).status_code == 401


def test_an_ingest_key_posts_unsigned_only_for_an_allowed_integration(live_api: LiveApi) -> None:
    body = json.dumps({"text": "Driver reports road closed at the A7, tracking 1Z999AA10123456784"}).encode()
    headers = {"Content-Type": "application/json"}
    allowed = add_key(live_api, "legacy-portal", "ingest")  # TRIAGE_BEARER_INTEGRATIONS=legacy-portal
    not_allowed = add_key(live_api, "acme-ingest", "ingest", integration="acme")
    reader = add_key(live_api, "dashboard", "read")

    ok = live_api.post(body, {**headers, **bearer(allowed), "Idempotency-Key": "lp-1"})
    again = live_api.post(body, {**headers, **bearer(allowed), "Idempotency-Key": "lp-1"})
    refused = live_api.post(body, {**headers, **bearer(not_allowed)})
    read_scope = live_api.post(body, {**headers, **bearer(reader)})
    other_integration = live_api.post(body, {**headers, **bearer(allowed), "X-Integration": "n8n"})

    assert ok.status_code == 202, ok.text
    assert live_api.case(ok.json()["case_id"])["integration"] == "legacy-portal"
    assert again.status_code == 200 and again.json()["matched_by"] == "webhook_id"
    assert (refused.status_code, refused.json()["error"]) == (403, "unsigned_not_allowed")
    assert (read_scope.status_code, read_scope.json()["error"]) == (403, "wrong_scope")
    assert (other_integration.status_code, other_integration.json()["error"]) == (403, "wrong_integration")


def test_a_revoked_ingest_key_cannot_post(live_api: LiveApi) -> None:
    key = add_key(live_api, "legacy-portal", "ingest")
    live_api.app.api_keys.revoke("legacy-portal", live_api.clock.now())
    r = live_api.post(b'{"text": "x"}', {"Content-Type": "application/json", **bearer(key)})
    assert r.status_code == 401 and r.json()["error"] == "bad_key"


def test_scope_checks_live_in_the_service_layer(live_api: LiveApi) -> None:
    """The same refusals without HTTP: a second entry point calling the services cannot skip them."""
    import pytest

    from agents.api.service import ApiError, KeyService, Principal, Rejections

    keys = KeyService(live_api.app.api_keys, frozenset({"legacy-portal"}), Rejections(live_api.app.metrics))
    with pytest.raises(ApiError) as err:
        keys.require_read(Principal("x", "ingest", "legacy-portal"))
    assert err.value.status == 403
    with pytest.raises(ApiError) as err:
        keys.ingest_integration(Principal("y", "ingest", "acme"))
    assert err.value.error == "unsigned_not_allowed"
    assert keys.ingest_integration(Principal("z", "ingest", "legacy-portal")) == "legacy-portal"
