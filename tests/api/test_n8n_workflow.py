"""What docs/n8n/carrier-to-triage.json sends, computed the way its expressions compute it, is accepted.

Each expression of the workflow's signing path is looked up in `EXPRESSIONS`, its Python twin; an expression
this test does not know fails the test, so the workflow cannot drift away from what is checked here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tests.api.conftest import SECRET_A, LiveApi

WORKFLOW = Path(__file__).parents[2] / "docs" / "n8n" / "carrier-to-triage.json"
# TRIAGE_N8N_SIGNING_KEY in n8n is the key itself; TRIAGE_WEBHOOK_SECRETS holds whsec_ + its base64.
SIGNING_KEY = base64.b64decode(SECRET_A.removeprefix("whsec_")).decode("ascii")


def js_stringify(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)  # JSON.stringify, no indent


EXPRESSIONS: dict[str, Callable[[dict[str, Any], dict[str, Any]], str]] = {
    "={{ JSON.stringify($json.body) }}": lambda j, ctx: js_stringify(j["body"]),
    "={{ 'n8n_' + ($json.body.event_id || ($execution.id + '_' + $itemIndex)) }}":
        lambda j, ctx: "n8n_" + (j["body"].get("event_id") or f"{ctx['execution_id']}_0"),
    "={{ String(Math.floor(Date.now() / 1000)) }}": lambda j, ctx: str(ctx["now"]),
    "={{ $json.webhook_id + '.' + $json.timestamp + '.' + $json.payload }}":
        lambda j, ctx: f"{j['webhook_id']}.{j['timestamp']}.{j['payload']}",
}


def nodes() -> dict[str, dict[str, Any]]:
    return {n["name"]: n for n in json.loads(WORKFLOW.read_text())["nodes"]}


def run_set_node(node: dict[str, Any], item: dict[str, Any], ctx: dict[str, Any]) -> dict[str, Any]:
    params = node["parameters"]
    out = dict(item) if params.get("includeOtherFields") else {}
    for assignment in params["assignments"]["assignments"]:
        expression = assignment["value"]
        assert expression in EXPRESSIONS, f"{node['name']}: unknown expression {expression}"
        out[assignment["name"]] = EXPRESSIONS[expression](item, ctx)
    return out


def render(template: str, item: dict[str, Any]) -> str:
    """An n8n parameter: a literal, or '=' + text with {{ $json.field }} placeholders."""
    if not template.startswith("="):
        return template
    rest = re.sub(r"\{\{ \$json\.(\w+) \}\}", lambda m: str(item[m.group(1)]), template[1:])
    assert "{{" not in rest, f"unknown placeholder in {template}"
    return rest


def what_the_workflow_sends(event: dict[str, Any], now: int) -> tuple[str, dict[str, str], bytes]:
    graph = nodes()
    ctx = {"now": now, "execution_id": "1"}
    item = run_set_node(graph["Body, id and timestamp"], {"body": event}, ctx)
    item = run_set_node(graph["Signing string"], item, ctx)

    crypto = graph["Sign (HMAC-SHA256)"]["parameters"]
    assert (crypto["action"], crypto["type"], crypto["encoding"]) == ("hmac", "SHA256", "base64")
    assert crypto["value"] == "={{ $json.to_sign }}"
    assert crypto["secret"] == "={{ $env.TRIAGE_N8N_SIGNING_KEY }}"
    # n8n's Crypto node: createHmac(type, secret).update(value).digest(encoding), secret and value as UTF-8
    digest = hmac.new(SIGNING_KEY.encode(), item["to_sign"].encode(), hashlib.sha256).digest()
    item[crypto["dataPropertyName"]] = base64.b64encode(digest).decode()

    post = graph["POST to triage"]["parameters"]
    assert post["method"] == "POST" and post["url"].endswith("/v1/messages") and post["contentType"] == "raw"
    headers = {h["name"]: render(h["value"], item) for h in post["headerParameters"]["parameters"]}
    headers["Content-Type"] = post["rawContentType"]
    return post["url"], headers, render(post["body"], item).encode("utf-8")


def test_the_workflow_is_wired_trigger_to_post() -> None:
    workflow = json.loads(WORKFLOW.read_text())
    links = {src: [c["node"] for c in out["main"][0]] for src, out in workflow["connections"].items()}
    assert links["Carrier webhook"] == ["Body, id and timestamp"]
    assert links["Manual run (sample event)"] == ["Sample carrier event"]
    assert links["Signing string"] == ["Sign (HMAC-SHA256)"] and links["Sign (HMAC-SHA256)"] == ["POST to triage"]
    assert workflow["id"] and {n["type"] for n in workflow["nodes"]} >= {
        "n8n-nodes-base.webhook", "n8n-nodes-base.crypto", "n8n-nodes-base.httpRequest"
    }


def test_what_the_n8n_workflow_sends_is_accepted(live_api: LiveApi) -> None:
    event = {"text": "Trailer 4471 broke down on the A7 near Lyon; BOL 8812-3390 moves to tomorrow — désolé.",
             "event_id": "EV-20260302-0001", "carrier": "Example Freight", "tracking_number": "8812-3390"}
    _url, headers, body = what_the_workflow_sends(event, live_api.now)

    r = httpx.post(f"{live_api.url}/v1/messages", content=body, headers=headers, timeout=30)

    assert r.status_code == 202, r.text
    assert headers["X-Integration"] == "n8n" and headers["webhook-id"] == "n8n_EV-20260302-0001"
    assert live_api.case(r.json()["case_id"])["integration"] == "n8n"


def test_a_carrier_retry_through_the_workflow_is_the_same_webhook_id(live_api: LiveApi) -> None:
    event = {"text": "Customs hold on container MSKU 1234567: commercial invoice missing", "event_id": "EV-9"}
    _url, headers, body = what_the_workflow_sends(event, live_api.now)
    first = httpx.post(f"{live_api.url}/v1/messages", content=body, headers=headers, timeout=30)
    live_api.clock.advance(seconds=90)
    _url, headers, body = what_the_workflow_sends(event, live_api.now)
    again = httpx.post(f"{live_api.url}/v1/messages", content=body, headers=headers, timeout=30)

    assert first.status_code == 202
    assert again.status_code == 200 and again.json() == {
        "status": "duplicate", "case_id": first.json()["case_id"], "matched_by": "webhook_id"
    }
