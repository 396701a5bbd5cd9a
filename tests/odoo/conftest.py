"""Fixtures for the Odoo tests: the sandbox on a free localhost port (real HTTP), a migrated case
store, the recordings, and helpers to create cases and approved proposals."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert

from agents.state import ApprovalKind, Proposal, ProposedAction, Reference
from tools.odoo.config import OdooOptions, OdooTarget
from tools.odoo.gateway import OdooGateway
from tools.odoo.payloads import DispatchCase
from tools.odoo.sandbox import SandboxServer
from tools.store import schema as t
from tools.store.db import make_engine, migrate

REPO = Path(__file__).resolve().parents[2]
CAPTURES = Path(os.environ.get("TRIAGE_ODOO_CAPTURES", REPO.parent / "shared" / "odoo-captures"))


def captures_dir(name: str) -> Path:
    path = CAPTURES / name
    if not path.is_dir():
        if os.environ.get("CI"):  # CI has shared/ beside the clone: a missing recording is a failure there
            pytest.fail(f"recordings not found at {path} (set TRIAGE_ODOO_CAPTURES)")
        pytest.skip(f"recordings not found at {path} (set TRIAGE_ODOO_CAPTURES)")
    return path


def recording(name: str, label: str) -> list[dict[str, Any]]:
    """The recorded exchanges of one scenario step, in order."""
    folder = captures_dir(name)
    found = [json.loads(p.read_text()) for p in sorted(folder.glob("*.json")) if p.stem.split("_", 1)[1] == label]
    assert found, f"no recording {name}/{label}"
    return found


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxServer]:
    """Community (OCA helpdesk_mgmt) 17.0 sandbox, like the recorded servers."""
    with SandboxServer(tmp_path / "home", "community", "17.0") as server:
        yield server


@pytest.fixture
def sandbox18(tmp_path: Path) -> Iterator[SandboxServer]:
    with SandboxServer(tmp_path / "home18", "community", "18.0") as server:
        yield server


@pytest.fixture
def enterprise(tmp_path: Path) -> Iterator[SandboxServer]:
    with SandboxServer(tmp_path / "home-ee", "enterprise", "18.0") as server:
        yield server


def target_for(server: SandboxServer, login: str = "admin", secret: str = "admin", timeout: float = 10.0) -> OdooTarget:
    return OdooTarget.from_url(server.url, "sandbox", login, secret, timeout)


def gateway_for(
    server: SandboxServer, login: str = "admin", secret: str = "admin", timeout: float = 10.0, **kw: Any
) -> OdooGateway:
    return OdooGateway(target_for(server, login, secret, timeout), **kw)


class FakeSettings:
    """The ODOO_* part of agents.settings.Settings."""

    def __init__(
        self,
        url: str | None,
        db: str = "sandbox",
        user: str = "admin",
        password: str | None = "admin",
        home: Path | None = None,
    ) -> None:
        from pydantic import SecretStr

        self.odoo_url = url
        self.odoo_db = db
        self.odoo_user = user
        self.odoo_password = SecretStr(password) if password is not None else None
        self.odoo_api_key = None
        self.home = home or Path(".")


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    eng = make_engine(f"sqlite:///{tmp_path / 'cases.sqlite'}")
    migrate(eng)
    return eng


@pytest.fixture
def options() -> OdooOptions:
    return OdooOptions()


def add_case(
    engine: Engine,
    case_id: str,
    refs: list[Reference] | None = None,
    status: str = "approved",
    summary: str = "Storm closure at Hamburg hub delays 1Z999AA10123456784 by 2 days.",
) -> None:
    """A case row (and its raw message row, which the schema requires)."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(t.raw_messages).values(
                id=f"raw-{case_id}",
                channel="email",
                source="test",
                body="(raw)",
                payload={},
                fingerprint=case_id,
                created_at=now,
                purge_after=now,
            )
        )
        conn.execute(
            insert(t.cases).values(
                id=case_id,
                raw_id=f"raw-{case_id}",
                channel="email",
                status=status,
                summary=summary,
                refs=[r.model_dump(mode="json") for r in (refs or [])],
                reason="weather",
                priority="P2",
                carrier="UPS",
                created_at=now,
                updated_at=now,
            )
        )


TRACKING = Reference(kind="tracking", value="1Z999AA10123456784", start=0, end=18)


def dispatch_case(case_id: str, refs: list[Reference] | None = None, **kw: Any) -> DispatchCase:
    base: dict[str, Any] = {
        "case_id": case_id,
        "case_url": f"http://127.0.0.1:8501/?case={case_id}",
        "summary": "Storm closure at Hamburg hub delays the shipment by 2 days.",
        "reason": "weather",
        "evidence": "hub closed due to storm warning",
        "references": refs if refs is not None else [TRACKING],
        "redacted_text": "Dear <PERSON_1>, shipment 1Z999AA10123456784 is held at Hamburg hub (storm).",
        "carrier": "UPS Ground",
        "carrier_tag": "UPS",
        "customer_partner_id": 8,
        "priority": "P2",
    }
    base.update(kw)
    return DispatchCase(**base)


def proposal(*actions: ProposedAction, priority: str = "P2") -> Proposal:
    return Proposal(
        reason="weather",
        confidence=0.9,
        summary="Storm closure at Hamburg hub delays the shipment by 2 days.",
        priority=priority,  # type: ignore[arg-type]
        priority_explanation="gold customer, 2-day delay",
        actions=list(actions),
    )


def ticket_action() -> ProposedAction:
    return ProposedAction(kind="open_ticket", title="Delay: storm at Hamburg hub", detail="Inform the customer.")


def activity_action(assignee: str | None = None) -> ProposedAction:
    return ProposedAction(
        kind="schedule_activity",
        title="Call customer about delayed shipment",
        detail="Explain the 2-day delay.",
        assignee=assignee,
    )


def approval_action(kind: ApprovalKind = "expedite", amount: float | None = 120.0) -> ProposedAction:
    return ProposedAction(
        kind="request_approval",
        approval_kind=kind,
        role_required="supervisor",
        title="Expedite replacement by air",
        detail="Customer is gold tier.",
        amount=amount,
    )
