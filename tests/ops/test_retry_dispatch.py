"""After a fix, failed rows are sent again, and the case says what Odoo really has (sandbox over real HTTP).

The recorded failure: an integration user without an e-mail address creates the ticket, but Odoo refuses
its chatter note and its activity for someone else ("Unable to send message, please configure the
sender's email address."). The case's ticket exists, so the case is dispatched (with rows needing a
person), not "dispatch failed"; once the user has an address, `triage outbox retry` sends them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from agents.cli import main
from agents.settings import Settings
from agents.state import ProposedAction
from tests.conftest import REPO
from tests.odoo.conftest import activity_action, dispatch_case, proposal, ticket_action
from tests.ops.support import add_case, case_row
from tests.support.clock import FakeClock
from tools.odoo.sandbox import SandboxServer
from tools.store import outbox
from tools.store.db import make_engine, migrate
from tools.store.users import UserStore


@pytest.fixture
def sandbox(tmp_path: Path) -> Any:
    with SandboxServer(tmp_path / "sandbox-home", "community", "17.0") as server:
        yield server


@pytest.fixture
def store(settings: Settings, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("ODOO_URL", sandbox.url)
    monkeypatch.setenv("ODOO_DB", "sandbox")
    monkeypatch.setenv("ODOO_USER", "admin")
    monkeypatch.setenv("ODOO_PASSWORD", "admin")
    engine = make_engine(settings.store_url)
    migrate(engine)
    UserStore(engine, FakeClock()).upsert("admin", "admin", "a-long-password")
    yield engine
    engine.dispose()


def _set_email(server: SandboxServer, uid: int, email: str | bool) -> None:
    assert server.app is not None
    state = server.app.emulator.state
    state.put("res.users", {**(state.get("res.users", uid) or {}), "email": email})


def _records(server: SandboxServer, model: str) -> list[dict[str, Any]]:
    assert server.app is not None
    return list(server.app.emulator.state.all(model))


def note_action() -> ProposedAction:
    return ProposedAction(kind="draft_customer_update", title="Delay notice", detail="Your shipment is delayed.")


def test_sandbox_refuses_notes_and_activities_of_a_user_without_email_like_odoo(
    store: Engine, sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    _set_email(sandbox, 2, False)  # the integration user (admin here) has no e-mail address
    add_case(store, "c-1", status="approved", priority="P2")
    outbox.enqueue(
        store, dispatch_case("c-1"), proposal(ticket_action(), activity_action(), note_action()), now=datetime.now(UTC)
    )
    code = main(["dispatch", "--once"])
    capsys.readouterr()
    assert code == 1
    rows = {r.kind: r for r in outbox.rows_for_case(store, "c-1")}
    assert rows["ticket"].status == "sent"
    for kind in ("activity", "note"):
        assert rows[kind].status == "needs_person"
        error = rows[kind].last_error or ""
        assert error.startswith("[user_error]")
        assert "no e-mail address" in error and "triage outbox retry" in error
    case = case_row(store, "c-1")
    # the ticket exists in Odoo: the case is dispatched; the rows that wait for a person show in dispatch_status
    assert case["status"] == "dispatched" and case["dispatch_status"] == "needs_person"
    assert "no e-mail address" in str(case["dispatch_error"])

    _set_email(sandbox, 2, "triage-bot@example.com")  # the administrator's fix
    code = main(["outbox", "retry", "--all-failed", "--json", "--user", "admin"])
    assert code == 0 and json.loads(capsys.readouterr().out) == {"requeued": 2, "cases": ["c-1"]}
    assert main(["dispatch", "--once"]) == 0
    capsys.readouterr()
    assert {r.status for r in outbox.rows_for_case(store, "c-1")} == {"sent"}
    case = case_row(store, "c-1")
    assert (case["status"], case["dispatch_status"], case["dispatch_error"]) == ("dispatched", "sent", None)
    ticket_id = rows["ticket"].odoo_id
    assert len([a for a in _records(sandbox, "mail.activity") if a["res_id"] == ticket_id]) == 1
    # the note carries the approved customer update (here the action's text), once
    notes = [m for m in _records(sandbox, "mail.message")
             if m["res_id"] == ticket_id and "Your shipment is delayed." in m["body"]]
    assert len(notes) == 1


def test_an_activity_for_oneself_needs_no_email(sandbox: SandboxServer) -> None:
    """Recording e12: the limited user (no e-mail) created an activity assigned to itself."""
    from tests.odoo.conftest import gateway_for

    gw = gateway_for(sandbox)
    ticket = gw.create_ticket({"name": "t [triage:abcdef]", "description": "<p>[triage:abcdef]</p>", "team_id": 1})
    _set_email(sandbox, 2, False)
    gw2 = gateway_for(sandbox)
    gw2.created.add("helpdesk.ticket", ticket)
    from datetime import date

    assert gw2.create_activity("helpdesk.ticket", ticket, summary="self", note="<p>[triage:abcdef]</p>",
                               user_id=None, deadline=date(2026, 12, 3)) > 0
    from tools.odoo.errors import OdooError

    with pytest.raises(OdooError) as refused:
        gw2.create_activity("helpdesk.ticket", ticket, summary="other", note="<p>[triage:abcdef]</p>",
                            user_id=6, deadline=date(2026, 12, 3))
    assert refused.value.info.odoo_exception == "odoo.exceptions.UserError"
    with pytest.raises(OdooError) as posted:
        gw2.post_note("helpdesk.ticket", ticket, "<p>[triage:abcdef]</p>")
    assert posted.value.info.message == refused.value.info.message


def test_dispatch_prints_its_summary_when_stopped_by_sigterm(store: Engine, sandbox: SandboxServer,
                                                             settings: Settings) -> None:
    env = {**os.environ, "TRIAGE_HOME": str(settings.home), "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "agents.cli", "dispatch"], cwd=REPO, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        assert proc.stdout is not None
        seen = []
        for line in proc.stdout:  # wait until the loop runs (the line is printed just before it starts)
            seen.append(line)
            if "dispatching continuously" in line:
                break
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    output = "".join(seen) + rest
    assert "stopped by SIGTERM" in output and "sent 0" in output and "outbox now:" in output, output
    assert proc.returncode == 143
