"""The sandbox itself: labelling, editions, persistence under TRIAGE_HOME, fault injection, the CLI."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.odoo.conftest import REPO, gateway_for
from tools.odoo.errors import OdooError
from tools.odoo.payloads import marker_for
from tools.odoo.sandbox import SandboxServer
from tools.odoo.sandbox.faults import FaultPlan, FaultRule

M = marker_for("sandbox-test:ticket")


def rpc(server: SandboxServer, path: str, params: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params, "id": 1}).encode()
    req = urllib.request.Request(server.url + path, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as resp:
        return json.loads(resp.read())


def test_labelled_as_sandbox(sandbox: SandboxServer) -> None:
    info = rpc(sandbox, "/web/webclient/version_info", {})["result"]
    assert info["server_version"] == "17.0-sandbox" and info["sandbox"] is True and info["server_serie"] == "17.0"
    gw = gateway_for(sandbox)
    assert gw.connect().sandbox is True


def test_community_has_no_approvals_enterprise_has_them(sandbox: SandboxServer, enterprise: SandboxServer) -> None:
    community = gateway_for(sandbox)
    info = community.connect()
    assert info.helpdesk == "oca" and info.approvals is False
    with pytest.raises(OdooError) as err:
        community.search("approval.request", [])
    assert err.value.code == "missing_model"
    assert err.value.info.odoo_exception == "odoo.exceptions.UserError"

    ee = gateway_for(enterprise)
    info = ee.connect()
    assert info.helpdesk == "enterprise" and info.approvals is True and info.major == 18
    assert ee.fieldmap.team_model == "helpdesk.team" and ee.fieldmap.ticket_number_field == "ticket_ref"
    category = ee.approval_category_id("Credit")
    assert category
    rid = ee.create_approval({"name": f"Credit {M}", "category_id": category, "reason": f"<p>{M}</p>", "amount": 50.0})
    assert ee.find_approval(M)[0]["request_status"] == "new"
    ee.submit_approval(rid)
    assert ee.find_approval(M)[0]["request_status"] == "pending"


def test_records_survive_a_restart_under_triage_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with SandboxServer(home, "community", "17.0") as server:
        ticket = gateway_for(server).create_ticket({"name": f"x {M}", "description": f"<p>{M}</p>", "team_id": 1})
    assert (home / "odoo-sandbox" / "community-17.sqlite").is_file()
    with SandboxServer(home, "community", "17.0") as server:
        gw = gateway_for(server)
        assert gw.find_ticket(M) == [ticket]
        again = gw.create_ticket({"name": f"y {marker_for('other')}", "description": "<p>z</p>", "team_id": 1})
        assert again == ticket + 1
        number = gw.read("helpdesk.ticket", [again], ["number"])[0]["number"]
        assert number == f"HT{again:05d}"


def test_seed_matches_the_ops_recordings(sandbox18: SandboxServer) -> None:
    gw = gateway_for(sandbox18)
    picking = gw.search_read("stock.picking", [["carrier_tracking_ref", "=", "1Z999AA10123456784"]], ["name", "origin"])
    assert picking == [{"id": 1, "name": "WH/OUT/00001", "origin": "S00001 - NW-PO-88213"}]  # 18's origin format
    assert gw.search_read("stock.picking", [["origin", "=", "S00001"]], ["name"]) == []  # as recorded (r06, x02)
    assert [p["name"] for p in gw.search_read("stock.picking", [["purchase_id.name", "=", "P00001"]], ["name"])] == [
        "WH/IN/00001"
    ]
    assert gw.team_id("Logistics exceptions") == 1
    users = {u["login"]: u["id"] for u in gw.search_read("res.users", [], ["login"])}
    assert users == {"admin": 2, "supervisor": 6, "limited": 7, "accounting": 20}  # accounting: not recorded


def test_like_does_not_escape_wildcards_as_recorded(sandbox: SandboxServer) -> None:
    gw = gateway_for(sandbox)
    gw.create_ticket({"name": "Delay [triage:abc123]", "description": "<p>x</p>"})
    found = gw.search_read("helpdesk.ticket", [["name", "ilike", "[triage:abc12_]"]], ["number"])
    assert len(found) == 1  # `_` matched "3" (x10)
    assert gw.search_read("helpdesk.ticket", [["name", "ilike", "[TRIAGE:ABC123]"]], ["number"])
    assert not gw.search_read("helpdesk.ticket", [["name", "like", "[TRIAGE:ABC123]"]], ["number"])


def test_fault_http_error_before_commit_creates_nothing(sandbox: SandboxServer) -> None:
    assert sandbox.app is not None
    sandbox.app.faults.replace([FaultRule("http_error", {"model": "helpdesk.ticket", "method": "create"}, times=1)])
    gw = gateway_for(sandbox)
    with pytest.raises(OdooError) as err:
        gw.create_ticket({"name": f"x {M}", "description": "<p>y</p>"})
    assert err.value.code == "server_error" and err.value.transient
    assert gw.find_ticket(M) == []


@pytest.mark.parametrize("action", ["delay_after_commit", "drop_after_commit", "http_error_after_commit"])
def test_fault_after_commit_keeps_the_record(sandbox: SandboxServer, action: str) -> None:
    assert sandbox.app is not None
    sandbox.app.faults.replace(
        [FaultRule(action, {"model": "helpdesk.ticket", "method": "create"}, seconds=1.0, times=1)]
    )
    gw = gateway_for(sandbox, timeout=0.4)
    gw.connect()
    with pytest.raises(OdooError) as err:
        gw.create_ticket({"name": f"x {M}", "description": f"<p>{M}</p>"})
    assert err.value.transient
    assert (
        err.value.code
        == {
            "delay_after_commit": "timeout",
            "drop_after_commit": "connection_dropped",
            "http_error_after_commit": "server_error",
        }[action]
    )
    time.sleep(0.7 if action == "delay_after_commit" else 0)
    assert len(gateway_for(sandbox).find_ticket(M)) == 1  # committed although the caller saw a failure
    assert sandbox.app.faults.summary()["fired"] == {action: 1}


def test_stopped_sandbox_refuses_connections_and_resumes(sandbox: SandboxServer) -> None:
    gw = gateway_for(sandbox)
    gw.connect()
    sandbox.stop()
    with pytest.raises(OdooError) as err:
        gw.search("res.partner", [])
    assert err.value.code == "unreachable" and err.value.transient
    sandbox.start()
    assert gw.search("res.partner", [["id", "=", 7]]) == [7]


def test_faults_from_the_environment_and_admin_route(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "TRIAGE_SANDBOX_FAULTS",
        json.dumps([{"action": "http_error", "status": 503, "match": {"path": "/web/webclient/version_info"}}]),
    )
    with SandboxServer(None, "community", "17.0") as server:
        with pytest.raises(urllib.error.HTTPError) as err:
            rpc(server, "/web/webclient/version_info", {})
        assert err.value.code == 503
        admin = urllib.request.Request(
            server.url + "/sandbox/faults",
            data=json.dumps({"rules": []}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(admin, timeout=5) as resp:
            assert json.loads(resp.read())["rules"] == 0
        assert rpc(server, "/web/webclient/version_info", {})["result"]["sandbox"] is True


def test_fault_plan_probability_and_times_are_deterministic() -> None:
    plan = FaultPlan([FaultRule("drop", {"method": "create"}, probability=0.5, times=3)], seed=7)
    fired = [plan.pick({"method": "create"}) is not None for _ in range(20)]
    assert sum(fired) == 3
    again = FaultPlan([FaultRule("drop", {"method": "create"}, probability=0.5, times=3)], seed=7)
    assert [again.pick({"method": "create"}) is not None for _ in range(20)] == fired
    assert plan.pick({"method": "read"}) is None


def test_protocol_errors(sandbox: SandboxServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", sandbox.port, timeout=5)
    conn.request("POST", "/jsonrpc", body=b"{bad json", headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    assert resp.status == 400 and resp.read() == b"Invalid JSON data"
    conn.request("GET", "/jsonrpc")
    resp = conn.getresponse()
    assert resp.status == 400 and b"type=&#39;json&#39;" in resp.read()
    conn.request("POST", "/web/no_such_route", body=b"{}", headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    assert resp.status == 404
    resp.read()
    answer = rpc(
        sandbox,
        "/jsonrpc",
        {"service": "object", "method": "execute_kw", "args": ["sandbox", 2, "WRONG", "res.partner", "search", [[]]]},
    )
    assert answer["error"]["data"]["name"] == "odoo.exceptions.AccessDenied"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_cli_odoo_sandbox_serves_until_stopped(tmp_path: Path) -> None:
    port = _free_port()
    code = (
        "import sys; from pathlib import Path; from tools.odoo.cli import odoo_sandbox\n"
        "class S: home = Path(sys.argv[1])\n"
        f"sys.exit(odoo_sandbox(S(), {port}, 'enterprise'))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/sandbox/health", timeout=1) as resp:
                    health = json.loads(resp.read())
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        assert health == {"ok": True, "sandbox": True, "edition": "enterprise", "version": 17, "calls": 0}
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert "Odoo SANDBOX" in out and "admin" in out
    assert (tmp_path / "odoo-sandbox" / "enterprise-17.sqlite").is_file()


def test_activity_state_rule_against_a_fixed_today() -> None:
    from datetime import date

    from tools.odoo.sandbox.orm import activity_state

    today = date(2026, 11, 24)
    assert activity_state("2026-11-23", today) == "overdue"
    assert activity_state("2026-11-24", today) == "today"
    assert activity_state("2026-11-25", today) == "planned"
    assert activity_state(False, today) == "today"  # no deadline: Odoo's default is today


MARKER = marker_for("clock-test:ticket")


def test_sandbox_activity_state_follows_its_clock(tmp_path: Path) -> None:
    from datetime import UTC, date, datetime

    from tests.support.clock import FakeClock

    clock = FakeClock(datetime(2026, 11, 22, 9, tzinfo=UTC))
    with SandboxServer(None, "community", "17.0", clock=clock) as server:
        gw = gateway_for(server)
        ticket = gw.create_ticket({"name": f"clock {MARKER}", "description": f"<p>{MARKER}</p>", "team_id": 1})
        act = gw.create_activity(
            "helpdesk.ticket", ticket, summary="s", note=f"<p>{MARKER}</p>", user_id=2, deadline=date(2026, 11, 24)
        )
        states = []
        for day in (22, 24, 25):
            clock.current = datetime(2026, 11, day, 12, tzinfo=UTC)
            states.append(gw.read("mail.activity", [act], ["state"])[0]["state"])
    assert states == ["planned", "today", "overdue"]
