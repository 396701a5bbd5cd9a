"""Reviewed cases become labelled cases with their provenance; redacted text only."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select, update

from agents.review_service import ReviewService
from agents.settings import Settings
from agents.state import (
    AcceptDecision,
    EditDecision,
    InboundMessage,
    Proposal,
    ProposedAction,
    RedactedMessage,
    RejectDecision,
    User,
)
from evals.export import cmd_export, export_reviewed
from evals.harness import load_datasets
from policies.roles import PermissionDenied
from tests.support.clock import FakeClock
from tools.store import schema as t
from tools.store.cases import CaseStore, content_fingerprint

RAW_BODY = "Hi, this is Luis Ortega (+1 269-555-0176). Truck 4471 broke down, BOL 8812-3390 will be late."
RED_BODY = "Hi, this is <PERSON_1> (<PHONE_NUMBER_1>). Truck 4471 broke down, BOL 8812-3390 will be late."
ML = User("ml.kim", "ml_owner")


def _proposal(reason: str | None = "equipment_failure") -> Proposal:
    return Proposal(
        reason=reason,  # type: ignore[arg-type]
        confidence=0.81,
        summary="Truck breakdown delays BOL 8812-3390",
        priority="P3",
        priority_explanation="P3: equipment failure",
        actions=[ProposedAction(kind="open_ticket", title="Open a ticket")],
    )


def _case(store: CaseStore, clock: FakeClock, n: int, proposal: Proposal | None) -> str:
    message = InboundMessage(
        channel="email",
        source=f"test:{n}",
        message_id=f"<m{n}@carrier.example>",
        sender="luis.ortega@carrier.example",
        subject=f"Breakdown {n} - BOL 8812-3390",
        body=RAW_BODY + f" ({n})",
        received_at=clock.now(),
        context={"customer_tier": "gold"},
    )
    stored = store.add_message(message, content_fingerprint(message), clock.now(), timedelta(days=30))
    assert stored
    case_id = stored[0]
    redacted = RedactedMessage(
        channel="email",
        sender_domain="carrier.example",
        subject=message.subject,
        body=RED_BODY + f" ({n})",
        context={"customer_tier": "gold"},
    )
    store.save_triage(case_id, clock.now(), redacted, status="redacted")
    if proposal is not None:
        store.update_case(case_id, clock.now(), status="awaiting_review", proposal=proposal.model_dump(mode="json"))
    return case_id


@pytest.fixture
def reviewed(engine: Engine, store: CaseStore) -> dict[str, str]:
    """Cases in every state a queue holds; two of them exportable."""
    clock = FakeClock()
    review = ReviewService(engine, clock)
    ids: dict[str, str] = {}
    ids["edited"] = _case(store, clock, 1, _proposal())
    edit = EditDecision(
        reviewer="cs.anna",
        role="customer_service",
        decided_at=clock.now() + timedelta(minutes=5),
        reason="capacity_delay",
        priority="P2",
        actions=[
            ProposedAction(kind="open_ticket", title="Open a ticket"),
            ProposedAction(kind="request_approval", approval_kind="expedite", role_required="supervisor", title="x"),
        ],
        comment="carrier had no replacement driver",
    )
    review.record_decision(ids["edited"], _proposal(), edit)
    ids["dispatched"] = _case(store, clock, 2, _proposal())
    accept = AcceptDecision(reviewer="sup.omar", role="supervisor", decided_at=clock.now() + timedelta(minutes=1))
    review.record_decision(ids["dispatched"], _proposal(), accept)
    store.set_status(ids["dispatched"], "dispatched", clock.now())
    ids["rejected"] = _case(store, clock, 3, _proposal())
    reject = RejectDecision(reviewer="cs.anna", role="customer_service", decided_at=clock.now(), why="spam")
    review.record_decision(ids["rejected"], _proposal(), reject)
    ids["waiting"] = _case(store, clock, 4, _proposal())
    ids["abstained"] = _case(store, clock, 5, _proposal(reason=None))
    accept_none = AcceptDecision(reviewer="cs.anna", role="customer_service", decided_at=clock.now())
    review.record_decision(ids["abstained"], _proposal(reason=None), accept_none)
    ids["no_audit"] = _case(store, clock, 6, _proposal())  # approved without a decision: never exported
    store.set_status(ids["no_audit"], "approved", clock.now())
    return ids


def test_export_writes_reviewed_cases_with_provenance(engine: Engine, reviewed: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "labels" / "reviewed.jsonl"
    now = datetime(2026, 3, 3, 12, tzinfo=UTC)
    assert export_reviewed(engine, ML, out, now=now) == 2
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    by_case = {r["provenance"]["case_id"]: r for r in lines}
    assert set(by_case) == {reviewed["edited"], reviewed["dispatched"]}

    edited = by_case[reviewed["edited"]]
    assert edited["id"] == f"review-{reviewed['edited']}"
    assert edited["channel"] == "email" and edited["sender"] == "carrier.example"
    assert edited["body"].startswith(RED_BODY)
    assert edited["expected"]["reason"] == "capacity_delay"  # the human's answer, not the AI's
    assert edited["expected"]["priority"] == "P2"
    assert edited["expected"]["actions"] == ["open_ticket", "request_approval:expedite"]
    assert edited["context"] == {"customer_tier": "gold"}
    prov = edited["provenance"]
    assert prov["reviewer"] == "cs.anna" and prov["role"] == "customer_service" and prov["decision"] == "edit"
    assert prov["ai_reason"] == "equipment_failure" and prov["ai_priority"] == "P3"
    assert prov["diff"]["reason"] == {"ai": "equipment_failure", "human": "capacity_delay"}
    assert prov["decided_at"].startswith("2026-03-02T09:05") and prov["exported_at"] == "2026-03-03T12:00:00Z"
    assert prov["exported_by"] == "ml.kim" and prov["comment"] == "carrier had no replacement driver"

    dispatched = by_case[reviewed["dispatched"]]
    assert dispatched["expected"]["reason"] == "equipment_failure" and dispatched["provenance"]["decision"] == "accept"
    assert dispatched["provenance"]["role"] == "supervisor" and dispatched["provenance"]["diff"] == {}

    text = out.read_text(encoding="utf-8")
    for secret in ("Luis Ortega", "269-555-0176", "luis.ortega"):
        assert secret not in text  # the raw store is never read

    with engine.connect() as conn:
        rows = {r.case_id: r.exported_by for r in conn.execute(select(t.labelled_exports))}
    assert rows == {reviewed["edited"]: "ml.kim", reviewed["dispatched"]: "ml.kim"}

    # the export is itself a valid labelled dataset
    records = load_datasets([out])
    assert len(records) == 2


def test_a_second_export_appends_only_new_cases(engine: Engine, reviewed: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "reviewed.jsonl"
    assert export_reviewed(engine, ML, out) == 2
    assert export_reviewed(engine, ML, out) == 0
    with engine.begin() as conn:  # a reviewer decides the waiting case later
        conn.execute(
            insert(t.audit_log).values(
                case_id=reviewed["waiting"], actor="sup.omar", role="supervisor", event="decision", decision="accept",
                proposal=_proposal().model_dump(mode="json"), final=_proposal().model_dump(mode="json"), diff={},
                at=datetime(2026, 3, 4, tzinfo=UTC),
            )
        )  # fmt: skip
        conn.execute(update(t.cases).where(t.cases.c.id == reviewed["waiting"]).values(status="approved"))
    assert export_reviewed(engine, ML, out) == 1
    ids = [json.loads(line)["provenance"]["case_id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(ids) == 3 and ids[-1] == reviewed["waiting"]


@pytest.mark.parametrize("role", ["customer_service", "supervisor"])
def test_export_needs_the_labels_export_permission(
    engine: Engine, reviewed: dict[str, str], tmp_path: Path, role: str
) -> None:
    out = tmp_path / "x.jsonl"
    with pytest.raises(PermissionDenied, match=r"labels\.export"):
        export_reviewed(engine, User("someone", role), out)  # type: ignore[arg-type]  # roles from the table
    assert not out.exists()
    assert export_reviewed(engine, User("root", "admin"), out) == 2


def test_cmd_export_looks_up_the_user(settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from agents.app import build_app

    app = build_app(settings)
    engine = app.engine
    with engine.begin() as conn:
        conn.execute(
            insert(t.users),
            [
                {"username": "ml.kim", "password_hash": "x", "role": "ml_owner", "created_at": datetime.now(UTC)},
                {
                    "username": "cs.anna",
                    "password_hash": "x",
                    "role": "customer_service",
                    "created_at": datetime.now(UTC),
                },
            ],
        )
    out = tmp_path / "out.jsonl"
    assert cmd_export(argparse.Namespace(out=str(out), user="nobody"), app) == 2
    assert "no user 'nobody'" in capsys.readouterr().err
    assert cmd_export(argparse.Namespace(out=str(out), user="cs.anna"), app) == 2
    assert "may not labels.export" in capsys.readouterr().err
    assert cmd_export(argparse.Namespace(out=str(out), user="ml.kim"), app) == 0
    assert "Exported 0 reviewed cases" in capsys.readouterr().err
