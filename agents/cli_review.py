"""`triage review CASE --user U --accept|--reject WHY`: decide from a terminal (role from the user store)."""

from __future__ import annotations

import argparse
from typing import Any

from rich.console import Console

from agents.decision_service import DecisionService
from agents.review_service import User
from agents.runtime import Runtime
from agents.settings import Settings
from policies.roles import PermissionDenied

out = Console()


def cmd_review(args: argparse.Namespace, settings: Settings) -> int:
    from ui.auth import UserStore

    rt = Runtime(settings)
    record = next((u for u in UserStore(rt.engine, rt.clock).list() if u.username == args.user), None)
    if record is None:
        out.print(f"[red]no user {args.user!r}; create one with `triage users add`")
        return 2
    user = User(record.username, record.role)
    if bool(args.accept) == bool(args.reject):
        out.print("[red]say either --accept or --reject WHY")
        return 2
    service = DecisionService(rt)
    try:
        state = service.accept(user, args.case_id) if args.accept else service.reject(user, args.case_id, args.reject)
    except PermissionDenied as exc:
        out.print(f"[red]refused: {exc}")
        return 3
    except ValueError as exc:
        out.print(f"[red]{exc}")
        return 2
    queued, approvals = split_queued(rt.engine, state.outbox_ids)
    out.print(
        f"case {args.case_id}: {state.status}; queued {queued} item(s) for Odoo; "
        f"{approvals} approval(s) waiting for a supervisor"
    )
    return 0


def split_queued(engine: Any, ids: list[str]) -> tuple[int, int]:
    """(outbox rows, supervisor approvals) among the ids a decision queued: they are different things."""
    from sqlalchemy import func, select

    from tools.store import schema as t

    if not ids:
        return 0, 0
    with engine.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(t.outbox).where(t.outbox.c.id.in_(ids))).scalar_one()
        approvals = conn.execute(
            select(func.count()).select_from(t.approvals).where(t.approvals.c.id.in_(ids))
        ).scalar_one()
    return int(rows), int(approvals)
