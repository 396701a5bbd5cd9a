"""Contract: the sandbox answers the recorded requests as the recorded Odoo 17 and 18 servers did.

The "-ops" recordings are replayed in order against a fresh sandbox seeded like those databases
(their set-up steps are skipped: the seed is their result). Results are compared exactly, except
what no two servers share (timestamps, server_version, ids of chatter messages and followers);
errors by exception name and message.
"""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest

from tests.odoo.conftest import captures_dir
from tools.odoo.sandbox import SandboxServer

DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
# Set-up steps (their result is the seed) and steps whose state the seed does not have on purpose.
SKIP_PREFIXES = ("c02_", "s0", "s1", "s2", "i0")
SKIP_LABELS = {
    "r01_detect_installed_modules",  # before `delivery` was installed; the seed has it installed
    "r02_detect_installed_modules_state_filter",
    "r04_picking_by_tracking_ref_without_delivery_module",
}
VOLATILE_KEYS = {
    "message_ids",
    "message_follower_ids",
    "message_partner_ids",
    "activity_ids",
    "server_version",
    "server_version_info",
    "category_id",
}
# ids of chatter messages and activities (Odoo makes some the recordings do not show): compared by type
VOLATILE_RESULTS = {"message_post", "activity_schedule"}
OPS = [("odoo17-ops", "odoo17ops", "17.0"), ("odoo18-ops", "odoo18ops", "18.0")]


class RecordingClock:
    """The clock of a replay: the `Date` header of the exchange being replayed (what "today" was for the
    recorded server), shifted by `offset` to show what depends on it."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.at = datetime(2026, 11, 22, tzinfo=UTC)  # the README's recording date, until a header says
        self.offset = offset

    def now(self) -> datetime:
        return self.at + self.offset

    def follow(self, exchange: dict[str, Any]) -> None:
        date = exchange["response"].get("headers", {}).get("Date")
        if date:
            self.at = parsedate_to_datetime(date).astimezone(UTC)


def normalise(value: Any) -> Any:
    if isinstance(value, str) and DATETIME.match(value):
        return "<datetime>"
    if isinstance(value, dict):
        return {k: ("<volatile>" if k in VOLATILE_KEYS else normalise(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    return value


def normalise_message(text: str) -> str:
    return re.sub(r"Records: \[\d+\]", "Records: [N]", text)


def post(server: SandboxServer, exchange: dict[str, Any]) -> tuple[int, str]:
    req = exchange["request"]
    body = req["body"]
    data = body if isinstance(body, str) else json.dumps(body)
    headers = {k: v for k, v in req["headers"].items() if k in ("Content-Type",)}
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request(req["method"], req["path"], body=data.encode() if req["method"] == "POST" else None, headers=headers)
    resp = conn.getresponse()
    text = resp.read().decode()
    conn.close()
    return resp.status, text


def compare(exchange: dict[str, Any], status: int, text: str) -> list[str]:
    label = exchange["label"]
    recorded = exchange["response"]
    problems: list[str] = []
    if status != recorded["status"]:
        return [f"{label}: HTTP {status} != recorded {recorded['status']}"]
    if status != 200:
        if recorded["body"] == "Invalid JSON data" and text != "Invalid JSON data":
            problems.append(f"{label}: body {text!r}")
        return problems
    got = json.loads(text)
    want = recorded["body"]
    if "error" in want:
        if "error" not in got:
            return [f"{label}: answered a result, recorded an error {want['error']['data']['name']}"]
        for key in ("name", "message", "arguments"):
            a, b = got["error"]["data"][key], want["error"]["data"][key]
            if key != "name":
                a, b = normalise_message(json.dumps(a)), normalise_message(json.dumps(b))
            if a != b:
                problems.append(f"{label}: error {key}:\n  sandbox:  {a}\n  recorded: {b}")
        if got["error"]["code"] != want["error"]["code"] or got["error"]["message"] != want["error"]["message"]:
            problems.append(f"{label}: error code/message differ")
        return problems
    if "result" not in want and "error" not in want:  # Odoo leaves "result" out of a None answer (n06, n73)
        return (
            []
            if "result" not in got and "error" not in got
            else [f"{label}: answered {text[:200]}, recorded no result"]
        )
    if "result" not in got:
        return [f"{label}: answered an error {got['error']['data']['message'][:200]}, recorded a result"]
    params = exchange["request"]["body"].get("params", {})
    args = params.get("args") or []
    method = args[4] if params.get("service") == "object" and len(args) > 4 else params.get("method")
    a, b = got["result"], want["result"]
    if method == "fields_get":
        for field, desc in b.items():
            if field not in a:
                continue  # the sandbox models only the fields the product and the recordings use
            for attr in ("type", "relation", "required", "selection"):
                if (field, attr) == ("res_model", "selection"):
                    continue  # Odoo lists its installed mail.thread models here; the sandbox its own
                if attr in desc and a[field].get(attr) != desc[attr]:
                    problems.append(f"{label}: fields_get {field}.{attr}: {a[field].get(attr)!r} != {desc[attr]!r}")
        return problems
    model = args[3] if params.get("service") == "object" and len(args) > 3 else None
    if method in VOLATILE_RESULTS or (model == "mail.activity" and method == "create"):
        if type(a) is not type(b):
            problems.append(f"{label}: result type {type(a).__name__} != {type(b).__name__}")
        return problems
    if exchange["request"]["path"] == "/web/webclient/version_info" or method == "version":
        if a.get("server_serie") != b.get("server_serie") or a.get("protocol_version") != b.get("protocol_version"):
            problems.append(f"{label}: version {a} != {b}")
        return problems
    if normalise(a) != normalise(b):
        sandbox, recorded = json.dumps(normalise(a))[:700], json.dumps(normalise(b))[:700]
        problems.append(f"{label}: result\n  sandbox:  {sandbox}\n  recorded: {recorded}")
    return problems


def ops_step(label: str) -> bool:
    """An exchange of the -ops recordings the replay sends (their set-up steps are the seed)."""
    return not ((label.startswith(SKIP_PREFIXES) and not label.startswith(("s30", "s31"))) or label in SKIP_LABELS)


def replay(
    server: SandboxServer, clock: RecordingClock, folder: str, step: Callable[[str], bool]
) -> tuple[list[str], list[str]]:
    """Send the recorded exchanges of `folder` that `step` selects, in order, with the clock following their
    dates; the labels sent and every difference from the recorded answers."""
    replayed: list[str] = []
    problems: list[str] = []
    for path in sorted(captures_dir(folder).glob("*.json")):
        exchange = json.loads(path.read_text())
        if not step(exchange["label"]):
            continue
        clock.follow(exchange)
        status, text = post(server, exchange)
        problems += compare(exchange, status, text)
        replayed.append(exchange["label"])
    return replayed, problems


def replay_ops(tmp_path: Path, folder: str, db: str, version: str, clock: RecordingClock) -> tuple[int, list[str]]:
    """Replay the ops recordings in order against a fresh sandbox whose clock follows their dates."""
    with SandboxServer(tmp_path / "home", "community", version, db=db, clock=clock) as server:
        replayed, problems = replay(server, clock, folder, ops_step)
    return len(replayed), problems


@pytest.mark.parametrize(("folder", "db", "version"), OPS, ids=["17", "18"])
def test_sandbox_answers_the_ops_recordings(tmp_path: Path, folder: str, db: str, version: str) -> None:
    replayed, problems = replay_ops(tmp_path, folder, db, version, RecordingClock())
    assert replayed > 100
    assert not problems, f"{len(problems)} of {replayed} exchanges differ:\n" + "\n".join(problems)


@pytest.mark.parametrize(("folder", "db", "version"), OPS, ids=["17", "18"])
def test_replay_depends_on_the_given_clock_not_the_machines(tmp_path: Path, folder: str, db: str, version: str) -> None:
    """A year past the recordings, the only answers that change are the activity states, which Odoo
    computes from "today": so the sandbox takes today from its clock and nothing from the machine."""
    _, problems = replay_ops(tmp_path, folder, db, version, RecordingClock(offset=timedelta(days=365)))
    changed = sorted({p.split(":", 1)[0] for p in problems})
    assert changed == ["w08_mail_activity_read_back", "w16_ticket_read_activity_ids_and_message_ids"]
    assert all('"overdue"' in p for p in problems)


BASIC = [
    "02_db_list",
    "03_common_version",
    "04_login_wrong_password",
    "05_login_wrong_db",
    "06_login_admin",
    "40_validation_error_missing_required",
    "41_validation_error_bad_selection",
    "42_nonexistent_model",
    "43_nonexistent_model_env_fields_get",
    "44_nonexistent_method",
    "45_private_method",
    "46_missing_record_read",
    "47_missing_record_write",
    "48_invalid_field_in_domain",
    "49_unknown_field_in_create",
    "50_bad_m2o_id_create",
    "67_execute_wrong_password_after_login",
    "68_jsonrpc_unknown_service",
    "90_raw_malformed_json",
    "91_raw_unknown_json_route",
    "92_raw_get_jsonrpc",
    "93_raw_execute_kw_bad_uid",
    "94_raw_jsonrpc_no_content_type",
    "95_raw_common_authenticate",
    "96_raw_web_database_list",
]


@pytest.mark.parametrize(("folder", "version"), [("odoo17", "17.0"), ("odoo18", "18.0")])
def test_sandbox_answers_protocol_and_error_recordings(tmp_path: Path, folder: str, version: str) -> None:
    problems: list[str] = []
    with SandboxServer(tmp_path / "home", "community", version, db=folder) as server:
        for path in sorted(captures_dir(folder).glob("*.json")):
            exchange = json.loads(path.read_text())
            if exchange["label"] not in BASIC:
                continue
            status, text = post(server, exchange)
            problems += compare(exchange, status, text)
    assert not problems, "\n".join(problems)
