"""The operator's command line, run through `triage`'s own parser over a real store: every command
with --json, and the refusals of the role checks (a customer-service user cannot approve)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from agents.cli import main
from agents.review_service import ReviewService
from agents.settings import Settings
from tests.odoo.conftest import approval_action, dispatch_case, proposal, ticket_action
from tests.ops.support import add_case, audit_events, case_row, claim_and_fail, outbox_row
from tests.support.clock import FakeClock
from tests.ui.conftest import TriagedHome, triaged, triaged_template  # noqa: F401  (fixtures)
from tools.store import outbox
from tools.store import schema as t
from tools.store.db import make_engine, migrate
from tools.store.users import UserStore

USERS = {"cs.anna": "customer_service", "sup.omar": "supervisor", "ml.kim": "ml_owner", "admin": "admin"}
PII = ("Luis Ortega", "269-555-0176", "luis@carrier.example")


@pytest.fixture
def store(settings: Settings) -> Any:
    engine = make_engine(settings.store_url)
    migrate(engine)
    users = UserStore(engine, FakeClock())
    for name, role in USERS.items():
        users.upsert(name, role, "a-long-password")
    yield engine
    engine.dispose()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    try:
        data = json.loads(captured.out) if "--json" in argv and captured.out.strip() else captured.out
    except json.JSONDecodeError:
        data = captured.out
    return code, data, captured.err


def test_cases_lists_with_filters_and_redacted_fields_only(store: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    now = datetime.now(UTC)
    add_case(store, "c-1", status="awaiting_review", priority="P2", sla_due=now - timedelta(hours=1))
    add_case(store, "c-2", status="awaiting_review", priority="P4", subject="Customs hold PO-55102",
             reason="customs_hold")
    add_case(store, "c-3", status="dispatched", priority="P2")
    code, rows, _ = run(capsys, "cases", "--json", "--user", "cs.anna")
    assert code == 0 and [r["id"] for r in rows] == ["c-1", "c-2"]  # open cases only, P2 before P4
    code, rows, _ = run(capsys, "cases", "--status", "awaiting_review", "--priority", "P2", "--json", "--user",
                        "cs.anna")
    assert code == 0 and [r["id"] for r in rows] == ["c-1"] and rows[0]["sla_breached"] is True
    code, rows, _ = run(capsys, "cases", "--status", "awaiting_review", "--search", "PO-55102", "--json",
                        "--user", "ml.kim")
    assert [r["id"] for r in rows] == ["c-2"]
    code, text, _ = run(capsys, "cases", "--status", "dispatched", "--user", "admin")
    assert code == 0 and "c-3" in text
    for pii in PII:
        assert pii not in text
    code, _, err = run(capsys, "cases", "--status", "nope", "--json", "--user", "admin")
    assert code == 2 and "unknown status" in err


def test_case_shows_redacted_fields_only(store: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    add_case(store, "c-1", status="awaiting_review")
    code, case, _ = run(capsys, "case", "c-1", "--json", "--user", "cs.anna")
    assert code == 0 and case["id"] == "c-1" and "<PERSON_1>" in case["body"]
    assert case["references"] == [{"kind": "tracking", "value": "1Z999AA10123456784"}]
    assert "raw_id" not in case and "erp" not in case and "redacted" not in case
    dumped = json.dumps(case)
    for pii in PII:
        assert pii not in dumped
    code, text, _ = run(capsys, "case", "c-1", "--user", "cs.anna")
    assert code == 0 and "1Z999AA10123456784" in text and not any(p in text for p in PII)
    assert run(capsys, "case", "c-missing", "--json", "--user", "cs.anna")[0] == 1


def test_unknown_or_missing_user_is_refused(store: Engine, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRIAGE_USER", raising=False)
    code, _, err = run(capsys, "cases", "--json")
    assert code == 2 and "--user" in err
    code, _, err = run(capsys, "cases", "--json", "--user", "mallory")
    assert code == 2 and "no user 'mallory'" in err
    monkeypatch.setenv("TRIAGE_USER", "cs.anna")
    assert run(capsys, "cases", "--json")[0] == 0


def _pending_approval(store: Engine, case_id: str = "c-appr") -> str:
    add_case(store, case_id, status="approved", priority="P2",
             approved=proposal(ticket_action(), approval_action()).model_dump(mode="json"))
    return ReviewService(store, FakeClock()).open_approval(case_id, approval_action(), requested_by="cs.anna")


def test_approvals_list_approve_and_decline(store: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    first = _pending_approval(store, "c-a1")
    second = _pending_approval(store, "c-a2")
    code, rows, _ = run(capsys, "approvals", "list", "--json", "--user", "cs.anna")
    assert code == 0 and [r["id"] for r in rows] == [first, second] and rows[0]["priority"] == "P2"

    code, result, _ = run(capsys, "approvals", "approve", first, "--comment", "gold customer", "--json",
                          "--user", "sup.omar")
    assert code == 0 and result["status"] == "approved" and len(result["outbox"]) == 2  # the ticket and the approval
    assert {r.kind for r in outbox.rows_for_case(store, "c-a1")} == {"ticket", "approval"}

    code, _, err = run(capsys, "approvals", "decline", second, "--json", "--user", "sup.omar")
    assert code == 2 and "needs a comment" in err
    code, result, _ = run(capsys, "approvals", "decline", second, "--comment", "too costly", "--json",
                          "--user", "sup.omar")
    assert code == 0 and result == {"approval": second, "status": "declined", "outbox": []}
    assert run(capsys, "approvals", "list", "--json", "--user", "sup.omar")[1] == []
    code, rows, _ = run(capsys, "approvals", "list", "--all", "--json", "--user", "sup.omar")
    assert {r["status"] for r in rows} == {"approved", "declined"}
    assert audit_events(store, "c-a2")[-1] == ("approval", "declined", "sup.omar", "supervisor")


@pytest.mark.parametrize("user", ["cs.anna", "ml.kim", "admin"])
def test_only_a_supervisor_can_approve(store: Engine, capsys: pytest.CaptureFixture[str], user: str) -> None:
    approval_id = _pending_approval(store)
    for verb in ("approve", "decline"):
        code, _, err = run(capsys, "approvals", verb, approval_id, "--comment", "x", "--json", "--user", user)
        assert code == 3 and "may not approval.decide" in err
    with store.connect() as conn:
        assert conn.execute(select(t.approvals.c.status)).scalar_one() == "pending"
    assert outbox.rows_for_case(store, "c-appr") == []
    assert audit_events(store, "c-appr") == []


def test_ml_owner_cannot_list_approvals(store: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    _pending_approval(store)
    code, _, err = run(capsys, "approvals", "list", "--json", "--user", "ml.kim")
    assert code == 3 and "may not approval.view" in err


def test_outbox_list_and_retry(store: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    now = datetime.now(UTC)
    add_case(store, "c-o", status="approved")
    outbox.enqueue(store, dispatch_case("c-o"), proposal(ticket_action()), now=now)
    add_case(store, "c-p", status="approved")
    outbox.enqueue(store, dispatch_case("c-p", refs=[]), proposal(ticket_action()), now=now)
    [failed, _other] = claim_and_fail(store, "[access_denied] give the user Helpdesk rights", now)
    outbox.requeue(store, row_ids=[_other], now=now)  # one of them is pending again

    code, rows, _ = run(capsys, "outbox", "list", "--json", "--user", "sup.omar")
    assert code == 0 and len(rows) == 2
    code, rows, _ = run(capsys, "outbox", "list", "--failed", "--json", "--user", "admin")
    assert [r["id"] for r in rows] == [failed] and rows[0]["last_error"].startswith("[access_denied]")
    code, text, _ = run(capsys, "outbox", "list", "--failed", "--user", "admin")
    assert "triage outbox retry" in text
    assert run(capsys, "outbox", "list", "--json", "--user", "cs.anna")[0] == 3

    for user in ("cs.anna", "sup.omar", "ml.kim"):
        code, _, err = run(capsys, "outbox", "retry", "--all-failed", "--json", "--user", user)
        assert code == 3 and "may not outbox.retry" in err
    assert outbox_row(store, failed).status == "needs_person"
    assert run(capsys, "outbox", "retry", "--json", "--user", "admin")[0] == 2  # neither IDs nor --all-failed
    code, _, err = run(capsys, "outbox", "retry", "obx_nope", "--json", "--user", "admin")
    assert code == 2 and "obx_nope" in err

    code, result, _ = run(capsys, "outbox", "retry", failed, "--json", "--user", "admin")
    case_id = outbox_row(store, failed).case_id
    assert code == 0 and result == {"requeued": 1, "cases": [case_id]}
    assert outbox_row(store, failed).status == "pending"
    assert ("outbox_retry", "requeued", "admin", "admin") in audit_events(store, case_id)
    code, result, _ = run(capsys, "outbox", "retry", "--all-failed", "--json", "--user", "admin")
    assert code == 1 and result == {"requeued": 0, "cases": []}  # nothing left to retry


def test_reconcile_json_counts_per_rule_and_a_second_run_changes_nothing(
    store: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    add_case(store, "c-late", status="awaiting_review", sla_due=datetime.now(UTC) - timedelta(hours=1))
    code, counts, _ = run(capsys, "reconcile", "--json")
    assert code == 0
    assert set(counts) == {"review_overdue", "approval_waiting", "outbox_needs_person", "ticket_unresolved"}
    assert counts["review_overdue"] == {"checked": 1, "escalated": 1, "already_escalated": 0, "errors": 0}
    assert counts["ticket_unresolved"] == {"checked": 0, "escalated": 0, "already_escalated": 0, "errors": 0}
    row = case_row(store, "c-late")
    code, counts, _ = run(capsys, "reconcile", "--json")
    assert counts["review_overdue"] == {"checked": 1, "escalated": 0, "already_escalated": 1, "errors": 0}
    assert case_row(store, "c-late") == row
    code, text, _ = run(capsys, "reconcile")
    assert code == 0 and "review_overdue" in text
    code, rows, _ = run(capsys, "cases", "--json", "--user", "cs.anna")
    assert rows[0]["escalation_rule"] == "review_overdue"


def test_review_reports_outbox_items_and_approvals_separately(
    triaged: TriagedHome, capsys: pytest.CaptureFixture[str]  # noqa: F811
) -> None:
    # "refused" proposes a reroute (a supervisor approval) besides the ticket and the customer actions
    code = main(["review", triaged.ids["refused"], "--user", "cs.anna", "--accept"])
    text = " ".join(capsys.readouterr().out.split())
    engine = triaged.app().engine
    rows = len(outbox.rows_for_case(engine, triaged.ids["refused"]))
    with engine.connect() as conn:
        approvals = len(conn.execute(select(t.approvals.c.id)).all())
    assert code == 0 and rows >= 1 and approvals == 1
    assert f"queued {rows} item(s) for Odoo; 1 approval(s) waiting for a supervisor" in text
