"""`triage review CASE --user U --accept|--reject WHY`: decide from a terminal (role from the user store)."""

from __future__ import annotations

import argparse

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
    out.print(f"case {args.case_id}: {state.status}; queued {len(state.outbox_ids)} item(s)")
    return 0
