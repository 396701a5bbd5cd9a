"""The operator's commands: `triage reconcile`, `cases`, `case`, `approvals`, `outbox`.

Each is `cmd_x(args, app)` and uses the App's services: `app.reconciler` and `app.operator`, which
check the user's role against `policies/roles.yaml` (the same checks as the UI). The user comes from
`--user` (or TRIAGE_USER) and is looked up in the local user store (`triage users add`), which gives
the role. Output is a table, or JSON with `--json`.

Exit codes: 0 done, 1 something needs attention (errors, nothing found), 2 bad input or unknown
user, 3 refused by the role check.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from rich.table import Table

from agents.state import User
from agents.terminal import console, out
from policies.roles import PermissionDenied

if TYPE_CHECKING:
    from agents.app import App

Run = Callable[[argparse.Namespace, "App", User], int]


def _print_json(data: Any) -> None:
    out.print_json(json.dumps(data, sort_keys=True, default=str))


def _table(title: str, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
    table = Table(title=title)
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
    out.print(table)


def _as_user(run: Run, args: argparse.Namespace, app: App) -> int:
    """Resolve the user, run the command, turn refusals and bad input into exit codes."""
    name = getattr(args, "user", None) or os.environ.get("TRIAGE_USER") or None
    if not name:
        console.print("[red]say who you are: --user U (or TRIAGE_USER); roles come from `triage users add`")
        return 2
    user = app.users.find(name)
    if user is None:
        console.print(f"[red]no user {name!r}; create one with `triage users add`")
        return 2
    try:
        return run(args, app, user)
    except PermissionDenied as exc:
        console.print(f"[red]refused: {exc}")
        return 3
    except (ValueError, KeyError, LookupError) as exc:
        console.print(f"[red]{exc.args[0] if exc.args else exc}")
        return 2


# ---------------------------------------------------------------------------- reconcile


def cmd_reconcile(args: argparse.Namespace, app: App) -> int:
    """One pass (the host's operator runs it; the worker runs the same `run_once`)."""
    report = app.reconciler.run_once()
    if args.json:
        _print_json({k: v.as_json() for k, v in report.rules.items()})
    else:
        rows = [{"rule": k, **v.as_json()} for k, v in report.rules.items()]
        _table("Reconcile", ["rule", "checked", "escalated", "already_escalated", "errors"], rows)
        for note in report.notes:
            console.print(f"[yellow]note:[/] {note}")
    return 1 if report.errors else 0


# ---------------------------------------------------------------------------- cases


def _cases(args: argparse.Namespace, app: App, user: User) -> int:
    rows = app.operator.cases(user, status=args.status, priority=args.priority, search=args.search or "")
    if args.json:
        _print_json(rows)
        return 0
    for r in rows:
        r["SLA"] = "BREACHED" if r["sla_breached"] else ""
    columns = ["id", "status", "priority", "reason", "age", "SLA", "escalation_rule", "assignee", "subject"]
    _table(f"Cases ({len(rows)})", columns, rows)
    return 0


def cmd_cases(args: argparse.Namespace, app: App) -> int:
    return _as_user(_cases, args, app)


def _case(args: argparse.Namespace, app: App, user: User) -> int:
    case = app.operator.case(user, args.case_id)
    if case is None:
        console.print(f"[red]no case {args.case_id!r}")
        return 1
    if args.json:
        _print_json(case)
        return 0
    table = Table(title=f"Case {case['id']}", show_header=False)
    for key, value in case.items():
        if key in ("approvals", "outbox", "references"):
            continue
        table.add_row(key, "" if value is None else str(value))
    table.add_row("references", ", ".join(f"{r['kind']}: {r['value']}" for r in case["references"]))
    out.print(table)
    if case["approvals"]:
        _table("Approvals", ["id", "approval_kind", "status", "amount", "decided_by"], case["approvals"])
    if case["outbox"]:
        _table("Outbox", ["id", "kind", "status", "attempts", "last_error", "odoo_model", "odoo_id"], case["outbox"])
    return 0


def cmd_case(args: argparse.Namespace, app: App) -> int:
    return _as_user(_case, args, app)


# ---------------------------------------------------------------------------- approvals


def _approvals_list(args: argparse.Namespace, app: App, user: User) -> int:
    rows = app.operator.approvals(user, None if args.all else "pending")
    if args.json:
        _print_json(rows)
        return 0
    columns = ["id", "case_id", "approval_kind", "amount", "priority", "status", "requested_by", "created_at"]
    _table(f"Approvals ({len(rows)})", columns, rows)
    return 0


def cmd_approvals_list(args: argparse.Namespace, app: App) -> int:
    return _as_user(_approvals_list, args, app)


def _decide(approve: bool) -> Run:
    def run(args: argparse.Namespace, app: App, user: User) -> int:
        queued = app.operator.decide_approval(user, args.approval_id, approve, args.comment or "")
        result = {"approval": args.approval_id, "status": "approved" if approve else "declined", "outbox": queued}
        if args.json:
            _print_json(result)
        else:
            what = f"; queued {len(queued)} item(s) for Odoo" if approve else ""
            out.print(f"approval {args.approval_id}: {result['status']}{what}")
        return 0

    return run


def cmd_approvals_approve(args: argparse.Namespace, app: App) -> int:
    return _as_user(_decide(True), args, app)


def cmd_approvals_decline(args: argparse.Namespace, app: App) -> int:
    return _as_user(_decide(False), args, app)


# ---------------------------------------------------------------------------- outbox


def _outbox_list(args: argparse.Namespace, app: App, user: User) -> int:
    rows = app.operator.outbox_rows(user, failed_only=args.failed)
    if args.json:
        _print_json(rows)
        return 0
    columns = ["id", "case_id", "kind", "status", "attempts", "last_error", "odoo_model", "odoo_id"]
    _table(f"Outbox ({len(rows)})", columns, rows)
    if any(r["status"] == "needs_person" for r in rows):
        out.print("After fixing the cause: [bold]triage outbox retry ID[/bold] or [bold]--all-failed[/bold].")
    return 0


def cmd_outbox_list(args: argparse.Namespace, app: App) -> int:
    return _as_user(_outbox_list, args, app)


def _outbox_retry(args: argparse.Namespace, app: App, user: User) -> int:
    if bool(args.ids) == bool(args.all_failed):
        console.print("[red]say either the row IDs or --all-failed")
        return 2
    result = app.operator.retry(user, row_ids=args.ids or None, all_failed=args.all_failed)
    if args.json:
        _print_json(result.as_json())
    else:
        out.print(
            f"re-queued {result.requeued} row(s) of {len(result.case_ids)} case(s); "
            "the dispatcher sends them on its next pass (`triage dispatch --once`, or the worker)."
        )
    return 0 if result.requeued else 1


def cmd_outbox_retry(args: argparse.Namespace, app: App) -> int:
    return _as_user(_outbox_retry, args, app)
