"""Portal events: docs/PORTAL_SCHEMA.md, one object, lists, JSON Lines, and every way to get it wrong."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from tests.ingest.builders import parse, parse_err, parse_ok

SRC = "inbox/portal/event.json"

EVENT: dict[str, Any] = {
    "event_id": "FX-EVT-20260302-0098812",
    "portal": "ShipTrack",
    "carrier": "FedEx",
    "tracking_number": "789400331274",
    "status_code": "AT7:AO",
    "status_description": "Weather delay",
    "location": "Memphis, TN",
    "event_time": "2026-03-02T05:14:00-06:00",
    "eta": "2026-03-04",
    "reference": "PO-77120",
    "text": "Ice storm at MEM hub, all outbound flights cancelled.",
    "context": {"customer_tier": "gold", "order_value": 18250.0, "goods": ["laptops"]},
}


def dump(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, indent=2).encode("utf-8")


def test_one_event_maps_to_message() -> None:
    m = parse_ok(SRC, dump(EVENT))
    assert m.channel == "portal"
    assert m.source == SRC
    assert m.message_id == "FX-EVT-20260302-0098812"
    assert m.sender == "ShipTrack"
    assert m.subject == "AT7:AO Weather delay"
    assert m.body == "Ice storm at MEM hub, all outbound flights cancelled."
    assert m.received_at == datetime(2026, 3, 2, 11, 14, tzinfo=UTC)
    assert m.structured == {
        "carrier": "FedEx",
        "tracking_number": "789400331274",
        "status_code": "AT7:AO",
        "status_description": "Weather delay",
        "location": "Memphis, TN",
        "event_time": "2026-03-02T05:14:00-06:00",
        "eta": "2026-03-04",
        "reference": "PO-77120",
    }
    assert m.context == {"customer_tier": "gold", "order_value": 18250.0, "goods": ["laptops"]}


def test_minimal_event_and_nulls() -> None:
    m = parse_ok(SRC, dump({"text": "Delivered to neighbour", "carrier": None, "event_time": "2026-01-29T11:38:00"}))
    assert m.body == "Delivered to neighbour"
    assert m.message_id is None and m.sender is None and m.subject is None
    assert m.received_at == datetime(2026, 1, 29, 11, 38, tzinfo=UTC)  # no zone: read as UTC
    assert m.structured == {"event_time": "2026-01-29T11:38:00"}


def test_subject_from_code_or_description_alone() -> None:
    assert parse_ok(SRC, dump({"text": "x", "status_code": "DEX08"})).subject == "DEX08"
    assert parse_ok(SRC, dump({"text": "x", "status_description": "Recipient not in"})).subject == "Recipient not in"


def test_empty_text_uses_status_description() -> None:
    m = parse_ok(SRC, dump({"text": "", "status_code": "NH", "status_description": "Consignee not home"}))
    assert m.body == "Consignee not home"


def test_unknown_keys_are_kept_as_strings() -> None:
    m = parse_ok(SRC, dump({"text": "x", "pieces": 6, "weight": {"kg": 1200}, "hazmat": False, "note": "fragile"}))
    assert m.structured == {"pieces": "6", "weight": '{"kg": 1200}', "hazmat": "false", "note": "fragile"}


def test_json_list_yields_one_outcome_per_item_with_its_own_bytes() -> None:
    second = {**EVENT, "event_id": "E2", "text": "Second event"}
    outcomes = parse("inbox/portal/feed.json", dump([EVENT, {"event_id": 7, "text": "bad"}, second]))
    assert [o.source for o in outcomes] == [
        "inbox/portal/feed.json#0",
        "inbox/portal/feed.json#1",
        "inbox/portal/feed.json#2",
    ]
    assert outcomes[0].message is not None and outcomes[0].message.message_id == EVENT["event_id"]
    assert (
        outcomes[1].error is not None
        and outcomes[1].error.code == "schema"
        and "'event_id'" in outcomes[1].error.detail
    )
    assert outcomes[2].message is not None and outcomes[2].message.body == "Second event"
    # Each item's bytes are that item alone, and replay alone to the same result.
    assert json.loads(outcomes[1].data) == {"event_id": 7, "text": "bad"}
    replay = parse_ok("inbox/portal/feed.json", outcomes[2].data)
    assert replay.message_id == "E2" and replay.body == "Second event"


def test_jsonl_with_a_bad_line() -> None:
    lines = [json.dumps(EVENT), "", '{"text": "ok 2", "event_id": "E2"}', '{"text": "broken', json.dumps({"text": 5})]
    outcomes = parse("inbox/portal/feed.jsonl", "\n".join(lines).encode())
    assert [o.source.rsplit("#", 1)[1] for o in outcomes] == ["0", "1", "2", "3"]
    assert [o.error.code if o.error else "ok" for o in outcomes] == ["ok", "ok", "not_json", "schema"]
    bad = outcomes[2]
    assert bad.error is not None and "line 4" in bad.error.detail and "column" in bad.error.detail
    assert "inbox/portal/feed.jsonl#2" in bad.error.detail
    assert bad.data == b'{"text": "broken'
    assert outcomes[3].error is not None and "key 'text'" in outcomes[3].error.detail


def test_invalid_json_names_line_and_column() -> None:
    code, detail = parse_err(SRC, b'{\n  "text": "Zugestellt",\n  "event_time": "2026-07-08T10:1')
    assert code == "not_json"
    assert "line 3, column 17" in detail


def test_several_objects_in_a_json_file_hint_at_jsonl() -> None:
    code, detail = parse_err(SRC, b'{"text": "a"}\n{"text": "b"}\n')
    assert code == "not_json" and ".jsonl" in detail


def test_wrong_types_name_the_key() -> None:
    cases = {
        "event_id": 12345,
        "tracking_number": 789400331274,
        "text": None,
        "context": ["gold"],
        "eta": False,
    }
    for key, value in cases.items():
        code, detail = parse_err(SRC, dump({**EVENT, key: value}))
        assert code == "schema", key
        assert f"'{key}'" in detail, detail


def test_missing_text_and_bad_dates() -> None:
    code, detail = parse_err(SRC, dump({"event_id": "x"}))
    assert code == "schema" and "required key 'text' is missing" in detail
    code, detail = parse_err(SRC, dump({"text": "   "}))
    assert code == "schema" and "status_description" in detail
    code, detail = parse_err(SRC, dump({"text": "x", "event_time": "yesterday 5pm"}))
    assert code == "schema" and "'event_time'" in detail and "ISO 8601" in detail
    code, detail = parse_err(SRC, dump({"text": "x", "eta": "next week"}))
    assert code == "schema" and "'eta'" in detail


def test_not_an_object() -> None:
    code, detail = parse_err(SRC, b"42")
    assert code == "schema" and "expected a JSON object, got a number" in detail
    code, detail = parse_err(SRC, b"[]")
    assert code == "empty" and "empty JSON list" in detail


def test_latin1_json_is_still_read() -> None:
    m = parse_ok(SRC, '{"text": "Empfänger nicht angetroffen"}'.encode("latin-1"))
    assert m.body == "Empfänger nicht angetroffen"


def test_lone_surrogates_from_json_escapes_are_replaced() -> None:
    m = parse_ok(SRC, b'{"text": "Truck late \\ud800", "context": {"k\\udc80": "\\udfff"}, "extra": "\\ud801"}')
    assert m.body == "Truck late ?"
    assert m.context == {"k?": "?"}
    assert m.structured == {"extra": "?"}
    m.model_dump_json()  # storable: no lone surrogates left anywhere
