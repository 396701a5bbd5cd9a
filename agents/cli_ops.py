"""The operator's commands: `triage reconcile`, `cases`, `case`, `approvals`, `outbox`.

`register(sub)` adds them to the `triage` parser (one line in agents/cli.py). Each command builds its
collaborators in one place (`_build`), checks the user's role in the service layer (the same checks
as the UI) and prints a table, or JSON with `--json`. The user comes from `--user` (or TRIAGE_USER)
and is looked up in the local user store (`triage users add`), which gives the role.

Exit codes: 0 done, 1 something needs attention (errors, nothing found), 2 bad input or unknown
user, 3 refused by the role check.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table

from agents.review_service import User
from agents.settings import Settings
from policies.roles import PermissionDenied

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, sort_keys=True, default=str) + "\n")
    sys.stdout.flush()


def _table(title: str, columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
    table = Table(title=title)
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
    out.print(table)


# ---------------------------------------------------------------------------- composition


@dataclass
class _Ops:
    service: Any  # OperatorService
    user: User | None


def _build(settings: Settings, username: str | None, with_decisions: bool = False) -> _Ops:
    """The one place these commands build their collaborators."""
    from agents.runtime import Runtime
    from agents.services.operator import OperatorService
    from ui.auth import role_of

    rt = Runtime(settings)
    decide: Callable[[User, str, bool, str], list[str]] | None = None
    if with_decisions:
        from agents.decision_service import DecisionService

        decide = DecisionService(rt).decide_approval
    user = None
    if username:
        role = role_of(rt.engine, username)
        user = User(username, role) if role else None
    return _Ops(OperatorService(rt.engine, rt.clock, decide), user)


def _user_name(args: argparse.Namespace) -> str | None:
    return getattr(args, "user", None) or os.environ.get("TRIAGE_USER") or None


def _checked(run: Callable[[argparse.Namespace, Settings], int], with_decisions: bool = False) -> Callable[..., int]:
    """Resolve the user, run the command, turn refusals and bad input into exit codes."""

    def wrapped(args: argparse.Namespace, settings: Settings) -> int:
        name = _user_name(args)
        if not name:
            err.print("[red]say who you are: --user U (or TRIAGE_USER); roles come from `triage users add`")
            return 2
        ops = _build(settings, name, with_decisions)
        if ops.user is None:
            err.print(f"[red]no user {name!r}; create one with `triage users add`")
            return 2
        args._ops = ops
        try:
            return run(args, settings)
        except PermissionDenied as exc:
            err.print(f"[red]refused: {exc}")
            return 3
        except (ValueError, KeyError) as exc:
            err.print(f"[red]{exc.args[0] if exc.args else exc}")
            return 2

    return wrapped


# ---------------------------------------------------------------------------- reconcile


def cmd_reconcile(args: argparse.Namespace, settings: Settings) -> int:
    from agents.services.reconcile import build_reconcile_service

    report = build_reconcile_service(settings).run_once()
    if args.json:
        _print_json({k: v.as_json() for k, v in report.rules.items()})
    else:
        rows = [{"rule": k, **v.as_json()} for k, v in report.rules.items()]
        _table("Reconcile", ["rule", "checked", "escalated", "already_escalated", "errors"], rows)
        for note in report.notes:
            err.print(f"[yellow]note:[/] {note}")
    return 1 if report.errors else 0


# ---------------------------------------------------------------------------- cases


def cmd_cases(args: argparse.Namespace, settings: Settings) -> int:
    ops: _Ops = args._ops
    assert ops.user is not None
    rows = ops.service.cases(ops.user, status=args.status, priority=args.priority, search=args.search or "")
    if args.json:
        _print_json(rows)
        return 0
    for r in rows:
        r["SLA"] = "BREACHED" if r["sla_breached"] else ""
    _table(f"Cases ({len(rows)})", ["id", "status", "priority", "reason", "age", "SLA", "escalation_rule",
                                    "assignee", "subject"], rows)
    return 0


def cmd_case(args: argparse.Namespace, settings: Settings) -> int:
    ops: _Ops = args._ops
    assert ops.user is not None
    case = ops.service.case(ops.user, args.case_id)
    if case is None:
        err.print(f"[red]no case {args.case_id!r}")
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


# ---------------------------------------------------------------------------- approvals


def cmd_approvals_list(args: argparse.Namespace, settings: Settings) -> int:
    ops: _Ops = args._ops
    assert ops.user is not None
    rows = ops.service.approvals(ops.user, None if args.all else "pending")
    if args.json:
        _print_json(rows)
        return 0
    _table(f"Approvals ({len(rows)})", ["id", "case_id", "approval_kind", "amount", "priority", "status",
                                        "requested_by", "created_at"], rows)
    return 0


def _decide(approve: bool) -> Callable[[argparse.Namespace, Settings], int]:
    def run(args: argparse.Namespace, settings: Settings) -> int:
        ops: _Ops = args._ops
        assert ops.user is not None
        queued = ops.service.decide_approval(ops.user, args.approval_id, approve, args.comment or "")
        result = {"approval": args.approval_id, "status": "approved" if approve else "declined", "outbox": queued}
        if args.json:
            _print_json(result)
        else:
            what = f"; queued {len(queued)} item(s) for Odoo" if approve else ""
            out.print(f"approval {args.approval_id}: {result['status']}{what}")
        return 0

    return run


# ---------------------------------------------------------------------------- outbox


def cmd_outbox_list(args: argparse.Namespace, settings: Settings) -> int:
    ops: _Ops = args._ops
    assert ops.user is not None
    rows = ops.service.outbox_rows(ops.user, failed_only=args.failed)
    if args.json:
        _print_json(rows)
        return 0
    _table(f"Outbox ({len(rows)})", ["id", "case_id", "kind", "status", "attempts", "last_error", "odoo_model",
                                     "odoo_id"], rows)
    if any(r["status"] == "needs_person" for r in rows):
        out.print("After fixing the cause: [bold]triage outbox retry ID[/bold] or [bold]--all-failed[/bold].")
    return 0


def cmd_outbox_retry(args: argparse.Namespace, settings: Settings) -> int:
    ops: _Ops = args._ops
    assert ops.user is not None
    if bool(args.ids) == bool(args.all_failed):
        err.print("[red]say either the row IDs or --all-failed")
        return 2
    result = ops.service.retry(ops.user, row_ids=args.ids or None, all_failed=args.all_failed)
    if args.json:
        _print_json(result.as_json())
    else:
        out.print(
            f"re-queued {result.requeued} row(s) of {len(result.case_ids)} case(s); "
            "the dispatcher sends them on its next pass (`triage dispatch --once`, or the worker)."
        )
    return 0 if result.requeued else 1


# ---------------------------------------------------------------------------- parser


def _with_user(p: argparse.ArgumentParser) -> None:
    p.add_argument("--user", help="who you are (a local user; default TRIAGE_USER): the role comes from the user")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")


def register(sub: Any) -> None:
    """Add the operator's commands to `triage`'s subparsers."""
    p = sub.add_parser("reconcile", help="one SLA reconciliation pass: escalate what breached (escalation.yaml)")
    p.add_argument("--json", action="store_true", help="counts per rule: checked, escalated, already_escalated, errors")
    p.set_defaults(func=cmd_reconcile)

    p = sub.add_parser("cases", help="list cases (redacted fields only)")
    p.add_argument("--status", help="one status (default: every open status)")
    p.add_argument("--priority", choices=["P1", "P2", "P3", "P4"])
    p.add_argument("--search", help="reference, subject, summary or case id")
    _with_user(p)
    p.set_defaults(func=_checked(cmd_cases))

    p = sub.add_parser("case", help="show one case (redacted fields only)")
    p.add_argument("case_id")
    _with_user(p)
    p.set_defaults(func=_checked(cmd_case))

    p = sub.add_parser("approvals", help="supervisor approvals")
    asub = p.add_subparsers(dest="approvals_command", required=True)
    c = asub.add_parser("list", help="approvals waiting for a supervisor")
    c.add_argument("--all", action="store_true", help="decided ones too")
    _with_user(c)
    c.set_defaults(func=_checked(cmd_approvals_list))
    for name, approve in (("approve", True), ("decline", False)):
        c = asub.add_parser(name, help=f"{name} an approval (supervisors)")
        c.add_argument("approval_id")
        c.add_argument("--comment", help="why (required to decline)")
        _with_user(c)
        c.set_defaults(func=_checked(_decide(approve), with_decisions=True))

    p = sub.add_parser("outbox", help="the outbox of Odoo actions")
    osub = p.add_subparsers(dest="outbox_command", required=True)
    c = osub.add_parser("list", help="outbox rows")
    c.add_argument("--failed", action="store_true", help="only rows that need a person")
    _with_user(c)
    c.set_defaults(func=_checked(cmd_outbox_list))
    c = osub.add_parser("retry", help="send failed rows again after a fix (admins)")
    c.add_argument("ids", nargs="*", metavar="ID")
    c.add_argument("--all-failed", action="store_true", help="every row that needs a person")
    _with_user(c)
    c.set_defaults(func=_checked(cmd_outbox_retry))
