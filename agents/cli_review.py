"""`triage review CASE --user U --accept|--reject WHY`: decide from a terminal (role from the user store)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from agents.terminal import out
from policies.roles import PermissionDenied

if TYPE_CHECKING:
    from agents.app import App


def cmd_review(args: argparse.Namespace, app: App) -> int:
    user = app.users.find(args.user)
    if user is None:
        out.print(f"[red]no user {args.user!r}; create one with `triage users add`")
        return 2
    if bool(args.accept) == bool(args.reject):
        out.print("[red]say either --accept or --reject WHY")
        return 2
    service = app.decisions
    try:
        state = service.accept(user, args.case_id) if args.accept else service.reject(user, args.case_id, args.reject)
    except PermissionDenied as exc:
        out.print(f"[red]refused: {exc}")
        return 3
    except ValueError as exc:
        out.print(f"[red]{exc}")
        return 2
    queued, approvals = app.actions.split_queued(state.outbox_ids)
    out.print(
        f"case {args.case_id}: {state.status}; queued {queued} item(s) for Odoo; "
        f"{approvals} approval(s) waiting for a supervisor"
    )
    return 0
