"""`triage users add|list`: local user management (passwords never on the command line)."""

from __future__ import annotations

import argparse
import getpass
import os
from typing import TYPE_CHECKING

from rich.table import Table

from agents.terminal import out

if TYPE_CHECKING:
    from agents.app import App


def cmd_users_add(args: argparse.Namespace, app: App) -> int:
    password = os.environ.get("TRIAGE_NEW_PASSWORD") or getpass.getpass(f"Password for {args.username}: ")
    try:
        app.users.save_without_check(args.username, args.role, password)
    except ValueError as exc:
        out.print(f"[red]{exc}")
        return 2
    out.print(f"User {args.username} ({args.role}) saved.")
    return 0


def cmd_users_list(args: argparse.Namespace, app: App) -> int:
    table = Table(title="Users")
    table.add_column("username")
    table.add_column("role")
    for user in app.users.store.list():
        table.add_row(user.username, user.role)
    out.print(table)
    return 0
