"""`triage users add|list`: local user management (passwords never on the command line)."""

from __future__ import annotations

import argparse
import getpass
import os

from rich.console import Console
from rich.table import Table

from agents.runtime import Runtime
from agents.settings import Settings
from ui.auth import UserStore

out = Console()


def cmd_users_add(args: argparse.Namespace, settings: Settings) -> int:
    password = os.environ.get("TRIAGE_NEW_PASSWORD") or getpass.getpass(f"Password for {args.username}: ")
    rt = Runtime(settings)
    try:
        UserStore(rt.engine, rt.clock).upsert(args.username, args.role, password)
    except ValueError as exc:
        out.print(f"[red]{exc}")
        return 2
    out.print(f"User {args.username} ({args.role}) saved.")
    return 0


def cmd_users_list(args: argparse.Namespace, settings: Settings) -> int:
    rt = Runtime(settings)
    table = Table(title="Users")
    table.add_column("username")
    table.add_column("role")
    for user in UserStore(rt.engine, rt.clock).list():
        table.add_row(user.username, user.role)
    out.print(table)
    return 0
