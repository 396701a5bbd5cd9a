"""POST /v1/messages over real HTTP: signatures, rotation, replay, media types, limits and schema answers."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import MAX_BYTES, SECRET_ACME_1, SECRET_ACME_2, SECRET_B, SECRET_OTHER, LiveApi, sign_headers
from tests.ingest.builders import docx_bytes, pdf

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def portal(text: str = "Truck 4471 broke down near Lyon, BOL 8812-3390; new ETA 2026-03-04", **extra: object) -> bytes:
    return json.dumps({"text": text, "carrier": "DHL Freight", "tracking_number": "8812-3390", **extra}).encode()


EMAIL = (
    b"From: Ops Desk <ops@carrier.example>\r\nTo: cs@shipper.example\r\nSubject: Delay BOL 7781-2201\r\n"
    b"Message-ID: <delay-7781@carrier.example>\r\nDate: Mon, 02 Mar 2026 08:50:00 +0000\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\nOur hub in Venlo has a backlog; BOL 7781-2201 leaves tomorrow.\r\n"
)


def test_a_good_signature_is_accepted_and_stored_as_a_received_case(live_api: LiveApi) -> None:
    r = live_api.post_signed(portal())

    assert r.status_code == 202, r.text
    answer = r.json()
    assert answer["status"] == "accepted" and answer["message_id"].startswith("raw-")
    case = live_api.case(answer["case_id"])
    assert case["status"] == "received"  # triage is the workers' job, not the request's
    assert case["integration"] == "n8n" and case["channel"] == "portal" and case["raw_id"] == answer["message_id"]
    assert live_api.app.store.counts()["cases"] == 1


@pytest.mark.parametrize("secret", [SECRET_B])
def test_rotation_both_secrets_of_an_integration_are_accepted(live_api: LiveApi, secret: str) -> None:
    first = live_api.post_signed(portal("Gate closed at Rotterdam, container MSKU 1234567"))
    second = live_api.post_signed(portal("Strike at Antwerp, container MSKU 7654321"), secret=secret)
    acme_1 = live_api.post_signed(portal("Reefer alarm on trailer 88"), secret=SECRET_ACME_1, integration="acme")
    acme_2 = live_api.post_signed(portal("Reefer alarm on trailer 99"), secret=SECRET_ACME_2, integration="acme")

    assert [x.status_code for x in (first, second, acme_1, acme_2)] == [202, 202, 202, 202]
    assert live_api.case(acme_2.json()["case_id"])["integration"] == "acme"


def test_a_secret_of_another_integration_does_not_sign_for_this_one(live_api: LiveApi) -> None:
    r = live_api.post_signed(portal(), secret=SECRET_ACME_1, integration="n8n")
    assert r.status_code == 401 and r.json()["error"] == "bad_signature"


def test_a_bad_signature_is_refused_and_nothing_is_stored(live_api: LiveApi) -> None:
    body = portal()
    headers = sign_headers(body, SECRET_OTHER, ts=live_api.now)
    tampered = sign_headers(body, ts=live_api.now)
    tampered_body = body.replace(b"Lyon", b"Lille")

    for r in (live_api.post(body, headers), live_api.post(tampered_body, tampered)):
        assert r.status_code == 401
        assert r.json() == {"status": "rejected", "error": "bad_signature", "detail": r.json()["detail"]}
    assert live_api.app.store.counts()["received"] == 0


@pytest.mark.parametrize("header", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_missing_header_is_refused_naming_it(live_api: LiveApi, header: str) -> None:
    body = portal()
    headers = sign_headers(body, ts=live_api.now)
    del headers[header]

    r = live_api.post(body, headers)

    assert r.status_code == 401
    assert r.json()["error"] == "missing_signature" and header in r.json()["detail"]


def test_no_authentication_at_all_is_refused(live_api: LiveApi) -> None:
    r = live_api.post(portal(), {"Content-Type": "application/json", "X-Integration": "n8n"})
    assert r.status_code == 401 and r.json()["error"] == "missing_signature"


@pytest.mark.parametrize("value", ["garbage", "v1", "v1,not*base64", "v2,c2lnbmF0dXJl"])
def test_a_malformed_signature_header_is_a_401_not_a_crash(live_api: LiveApi, value: str) -> None:
    body = portal()
    headers = {**sign_headers(body, ts=live_api.now), "webhook-signature": value}
    r = live_api.post(body, headers)
    assert r.status_code == 401 and r.json()["error"] == "bad_signature"


def test_an_unknown_integration_is_refused(live_api: LiveApi) -> None:
    r = live_api.post_signed(portal(), integration="carrier-nobody")
    assert r.status_code == 401 and r.json()["error"] == "unknown_integration"
    assert "carrier-nobody" in r.json()["detail"]


def test_the_integration_can_be_named_in_the_query_string(live_api: LiveApi) -> None:
    body = portal()
    headers = sign_headers(body, SECRET_ACME_1, ts=live_api.now)
    del headers["X-Integration"]
    r = live_api.client.post("/v1/messages?integration=acme", content=body, headers=headers)
    assert r.status_code == 202 and live_api.case(r.json()["case_id"])["integration"] == "acme"


@pytest.mark.parametrize("offset", [-301, 301, -3600])
def test_a_timestamp_outside_five_minutes_is_a_400(live_api: LiveApi, offset: int) -> None:
    r = live_api.post_signed(portal(), ts=live_api.now + offset)
    assert r.status_code == 400 and r.json()["error"] == "stale_timestamp"
    assert live_api.app.store.counts()["received"] == 0


def test_a_timestamp_inside_five_minutes_is_accepted(live_api: LiveApi) -> None:
    assert live_api.post_signed(portal(), ts=live_api.now - 299).status_code == 202


def test_a_stale_timestamp_with_a_bad_signature_says_only_bad_signature(live_api: LiveApi) -> None:
    r = live_api.post_signed(portal(), ts=live_api.now - 3600, secret=SECRET_OTHER)
    assert r.status_code == 401 and r.json()["error"] == "bad_signature"


def test_a_replayed_webhook_id_is_a_duplicate_of_the_first_case_at_any_time(live_api: LiveApi) -> None:
    body = portal()
    first = live_api.post_signed(body, msg_id="msg_replay_1")
    live_api.clock.advance(days=90)  # far past the content window: the replay guard never forgets
    again = live_api.post_signed(body, msg_id="msg_replay_1")
    other_body = live_api.post_signed(portal("A different event"), msg_id="msg_replay_1")

    assert first.status_code == 202
    case_id = first.json()["case_id"]
    assert again.status_code == 200 and again.json() == {
        "status": "duplicate", "case_id": case_id, "matched_by": "webhook_id"
    }
    assert other_body.status_code == 200 and other_body.json()["case_id"] == case_id
    counts = live_api.app.store.counts()
    assert counts["cases"] == 1 and counts["duplicates"] == 2
    assert counts["received"] == counts["cases"] + counts["duplicates"] + counts["quarantined"]


def test_the_same_webhook_id_from_another_integration_is_not_a_replay(live_api: LiveApi) -> None:
    a = live_api.post_signed(portal("Event for n8n"), msg_id="msg_shared")
    b = live_api.post_signed(portal("Event for acme"), msg_id="msg_shared", secret=SECRET_ACME_1, integration="acme")
    assert a.status_code == 202 and b.status_code == 202 and a.json()["case_id"] != b.json()["case_id"]


def test_a_content_duplicate_under_a_new_webhook_id_is_a_duplicate_by_the_existing_rules(live_api: LiveApi) -> None:
    first = live_api.post_signed(portal(event_id="EV-1"))
    again = live_api.post_signed(portal(event_id="EV-1"))
    assert again.status_code == 200
    assert again.json() == {"status": "duplicate", "case_id": first.json()["case_id"], "matched_by": "message"}


def test_each_media_type_becomes_a_case(live_api: LiveApi) -> None:
    bodies = {
        "application/json": portal(),
        "message/rfc822": EMAIL,
        "application/pdf": pdf("Proof of delivery CMR TW-26-03-0417", "Consignee refused two damaged pallets."),
        DOCX: docx_bytes(["Incident report IR-26-0304", "The trailer was hit at the Leeds depot; goods wet."]),
    }
    channels = {}
    for media, body in bodies.items():
        extra = {"headers_extra": {"X-Filename": "report.docx"}} if media == DOCX else {}
        headers = sign_headers(body, ts=live_api.now, content_type=media)
        headers.update(extra.get("headers_extra", {}))
        r = live_api.post(body, headers)
        assert r.status_code == 202, (media, r.text)
        channels[media] = live_api.case(r.json()["case_id"])["channel"]
    assert channels == {"application/json": "portal", "message/rfc822": "email", "application/pdf": "document",
                        DOCX: "document"}


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read(live_api: LiveApi) -> None:
    body = portal("x" * (MAX_BYTES + 10))
    r = live_api.post_signed(body)
    assert r.status_code == 413 and r.json()["error"] == "too_large" and r.json()["limit"] == MAX_BYTES


def test_a_chunked_body_over_the_limit_is_refused_as_it_streams(live_api: LiveApi) -> None:
    chunks = [b'{"text": "', *([b"y" * 8192] * 12), b'"}']
    headers = sign_headers(b"".join(chunks), ts=live_api.now)

    r = live_api.client.post("/v1/messages", content=iter(chunks), headers=headers)  # no Content-Length

    assert r.status_code == 413 and r.json()["error"] == "too_large"
    assert live_api.app.store.counts()["received"] == 0


@pytest.mark.parametrize("media", ["text/html", "application/zip", None])
def test_an_unsupported_media_type_is_a_415(live_api: LiveApi, media: str | None) -> None:
    headers = sign_headers(b"<p>hello</p>", ts=live_api.now)
    if media is None:
        del headers["Content-Type"]
    else:
        headers["Content-Type"] = media
    r = live_api.post(b"<p>hello</p>", headers)
    assert r.status_code == 415 and r.json()["error"] == "unsupported_media_type"
    assert "message/rfc822" in r.json()["accepted"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"carrier": "DHL", "tracking_number": "8812-3390"}, "text"),
        ({"text": "Delay", "carrier": 5}, "carrier"),
        ({"text": "Delay", "event_time": "call Luis Ortega on 269-555-0176"}, "event_time"),
        ([{"text": "one"}, {"text": "two"}], "$"),
    ],
)
def test_a_portal_schema_violation_is_a_422_naming_the_field_and_kept(
    live_api: LiveApi, body: object, field: str
) -> None:
    r = live_api.post_signed(json.dumps(body).encode())

    assert r.status_code == 422, r.text
    answer = r.json()
    assert answer["error"] == "schema" and answer["field"] == field and field in answer["detail"]
    assert "Luis" not in r.text and "269-555" not in r.text  # the offending value never travels back
    kept = live_api.app.store.list_quarantine()
    assert [q.id for q in kept] == [answer["quarantine_id"]] and kept[0].reason == "schema"


@pytest.mark.parametrize(
    ("media", "body", "reason"),
    [
        ("application/json", b'{"text": "broken', "not_json"),
        ("application/pdf", b"%PDF-1.4 this is not really a pdf \x00\x01", "unreadable"),
        (DOCX, b"PK\x03\x04 not a zip at all", "unreadable"),
        ("message/rfc822", b"   \r\n  ", "empty"),
    ],
)
def test_an_unparseable_signed_body_is_quarantined_and_listed(
    live_api: LiveApi, media: str, body: bytes, reason: str
) -> None:
    r = live_api.post_signed(body, content_type=media)

    assert r.status_code == 202, r.text
    answer = r.json()
    assert answer["status"] == "quarantined" and answer["reason"] == reason
    item, payload = live_api.app.store.quarantined_payload(answer["quarantine_id"])
    assert payload == body and item.source.startswith("api:n8n/")
    counts = live_api.app.store.counts()
    assert counts["quarantined"] == 1 and counts["received"] == 1


def test_a_replayed_quarantined_delivery_gets_its_first_answer_and_is_not_kept_twice(live_api: LiveApi) -> None:
    first = live_api.post_signed(b'{"text": "broken', msg_id="msg_bad_1")
    again = live_api.post_signed(b'{"text": "broken', msg_id="msg_bad_1")
    assert again.status_code == first.status_code == 202 and again.json() == first.json()
    assert len(live_api.app.store.list_quarantine()) == 1
