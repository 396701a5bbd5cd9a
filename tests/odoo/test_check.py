"""`triage odoo check`: one JSON object, no writes, problems written for a person."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.odoo.conftest import FakeSettings
from tools.odoo.check import run_check
from tools.odoo.cli import odoo_check
from tools.odoo.config import OdooOptions, OdooTarget
from tools.odoo.errors import OdooError
from tools.odoo.gateway import OdooGateway
from tools.odoo.sandbox import SandboxServer


def record_count(server: SandboxServer) -> int:
    assert server.app is not None
    return sum(len(v) for v in server.app.emulator.state.records.values())


def test_check_community_sandbox_as_json(sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]) -> None:
    before = record_count(sandbox)
    code = odoo_check(FakeSettings(sandbox.url), as_json=True)
    out = capsys.readouterr().out
    report = json.loads(out)  # exactly one JSON object on stdout
    assert code == 0, report["problems"]
    assert report["server_version"] == "17.0-sandbox" and report["sandbox"] is True
    assert report["helpdesk"] == "oca" and report["approvals"] is False
    assert report["rights"]["helpdesk.ticket"] == {"create": True}
    assert report["rights"]["mail.activity"] == {"create": True}
    assert report["rights"]["approval.request"] == {"create": None}
    assert report["problems"] == []
    assert any("SANDBOX" in n for n in report["notes"])
    assert record_count(sandbox) == before  # nothing written


def test_check_enterprise_finds_approval_categories(enterprise: SandboxServer) -> None:
    report = run_check(FakeSettings(enterprise.url))
    assert report["ok"] and report["helpdesk"] == "enterprise" and report["approvals"] is True
    assert report["rights"]["approval.request"] == {"create": True}
    missing = run_check(FakeSettings(enterprise.url), OdooOptions(ODOO_APPROVAL_CATEGORIES="credit=Credit note"))
    assert not missing["ok"]
    assert any("Approval category 'Credit note'" in p for p in missing["problems"])


def test_check_limited_user_lists_missing_rights(sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]) -> None:
    code = odoo_check(FakeSettings(sandbox.url, user="limited", password="limited-pw-123"), as_json=True)
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert report["rights"]["helpdesk.ticket"] == {"create": False}
    assert any("may not create helpdesk.ticket" in p for p in report["problems"])


def test_check_missing_team_and_supervisor(sandbox: SandboxServer) -> None:
    options = OdooOptions(ODOO_HELPDESK_TEAM="Exceptions EU", ODOO_SUPERVISOR_LOGIN="boss")
    report = run_check(FakeSettings(sandbox.url), options)
    assert any("Helpdesk team 'Exceptions EU' not found" in p for p in report["problems"])
    assert any("Supervisor user 'boss' not found" in p for p in report["problems"])


def test_check_wrong_password_and_not_configured(sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]) -> None:
    code = odoo_check(FakeSettings(sandbox.url, password="wrong"), as_json=True)
    report = json.loads(capsys.readouterr().out)
    assert code == 2 and report["connected"] is False and report["error_code"] == "auth_failed"
    assert "ODOO_PASSWORD" in report["problems"][0] and "wrong" not in json.dumps(report["problems"])
    code = odoo_check(FakeSettings(None), as_json=True)
    report = json.loads(capsys.readouterr().out)
    assert code == 2 and report["configured"] is False and "ODOO_URL" in report["problems"][0]


def test_check_human_output(sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert odoo_check(FakeSettings(sandbox.url), as_json=False) == 0
    out = capsys.readouterr().out
    assert "SANDBOX" in out and "Odoo is ready" in out and "17.0-sandbox" in out


def test_check_and_dispatch_shape_on_19(tmp_path: Path) -> None:
    with SandboxServer(tmp_path / "h19", "enterprise", "19.0") as server:
        report = run_check(FakeSettings(server.url))
        assert report["ok"], report["problems"]
        assert report["version"] == 19 and report["server_version"] == "19.0-sandbox"
        assert report["rights"]["helpdesk.ticket"] == {"create": True}  # through has_access (no check_access_rights)
        gw = OdooGateway(OdooTarget.from_url(server.url, "sandbox", "admin", "admin"))
        gw.connect()
        assert gw.fieldmap.rights_method == "has_access" and "mobile" not in gw.fieldmap.partner_fields
        assert "mobile" not in gw.model_fields("res.partner")
        with pytest.raises(OdooError) as err:
            gw.execute_kw("helpdesk.ticket", "check_access_rights", ["create"], {"raise_exception": False})
        assert err.value.info.odoo_exception == "builtins.AttributeError"


def test_check_reports_a_missing_accounting_user(sandbox: SandboxServer) -> None:
    assert run_check(FakeSettings(sandbox.url))["accounting_user"] == "accounting"  # seeded: no problem
    report = run_check(FakeSettings(sandbox.url), OdooOptions(ODOO_ACCOUNTING_LOGIN="ap.clerk"))
    assert report["ok"] is False and report["accounting_user"] == "ap.clerk"
    [problem] = [p for p in report["problems"] if "ap.clerk" in p]
    assert problem.startswith("Accounting user 'ap.clerk' not found") and "ODOO_ACCOUNTING_LOGIN" in problem


def test_check_notes_a_user_that_cannot_read_stock(tmp_path: Path) -> None:
    with SandboxServer(tmp_path / "more", "community", "17.0", scenario="ops-more") as server:
        lena = run_check(FakeSettings(server.url, user="am.lena", password="am-lena-pw-123"))
        bot = run_check(FakeSettings(server.url, user="triage-bot", password="triage-bot-pw-123"))
    assert any("may not read stock.quant" in n for n in lena["notes"])
    assert not any("stock.quant" in n for n in bot["notes"])
# ---------------------------------------------------------------------- what a real Odoo needs (issue 13)


def _drop_email(server: SandboxServer, uid: int) -> None:
    assert server.app is not None
    state = server.app.emulator.state
    state.put("res.users", {**(state.get("res.users", uid) or {}), "email": False})


def test_check_reports_an_integration_user_without_email(sandbox: SandboxServer) -> None:
    report = run_check(FakeSettings(sandbox.url, user="limited", password="limited-pw-123"))
    assert report["user_email"] is False
    [problem] = [p for p in report["problems"] if "no e-mail address" in p]
    assert "'limited'" in problem and "Settings > Users" in problem and "triage outbox retry" in problem
    ok = run_check(FakeSettings(sandbox.url))
    assert ok["user_email"] is True and ok["ok"], ok["problems"]
    _drop_email(sandbox, 2)  # the admin loses its address: the check that said ok now says why not
    report = run_check(FakeSettings(sandbox.url))
    assert not report["ok"] and any("'admin' has no e-mail address" in p for p in report["problems"])


def test_check_missing_tags_and_account_managers_name_the_fix(sandbox: SandboxServer) -> None:
    options = OdooOptions(ODOO_CARRIER_TAGS="UPS,Nordfreight", ODOO_ACCOUNT_MANAGERS="admin,maria.am",
                          ODOO_TEAM_LEAD_LOGIN="lead.ops")
    report = run_check(FakeSettings(sandbox.url), options)
    assert report["missing_tags"] == {"reasons": [], "carriers": ["Nordfreight"]}
    assert any("Nordfreight" in p and "Helpdesk > Configuration > Tags" in p for p in report["problems"])
    assert any("maria.am, lead.ops" in p and "create them" in p for p in report["problems"])
    assert sandbox.app is not None
    state = sandbox.app.emulator.state
    customs = next(r for r in state.all("helpdesk.ticket.tag") if r["name"] == "customs_hold")
    state.delete("helpdesk.ticket.tag", customs["id"])
    report = run_check(FakeSettings(sandbox.url))
    assert report["missing_tags"]["reasons"] == ["customs_hold"]
    assert any("reason codes customs_hold" in p for p in report["problems"])


def test_check_warns_when_partner_tiers_cannot_be_read(sandbox: SandboxServer) -> None:
    assert run_check(FakeSettings(sandbox.url))["warnings"] == []
    report = run_check(FakeSettings(sandbox.url), OdooOptions(ODOO_TIER_PREFIX="Level:"))
    assert report["ok"]  # a warning, not a problem
    assert any("No partner tag starts with 'Level:'" in w for w in report["warnings"])
