"""What the command-line entry points print with: rich consoles and the one progress bar style."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

console = Console(stderr=True)  # progress and messages for the person at the terminal
out = Console()  # results (tables, JSON) on standard output


def progress_bar(transient: bool = False) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=transient,
    )


def print_demo_signins() -> None:
    """The demo users and their passwords (local demo only; the README lists them too)."""
    from agents.user_service import DEMO_USERS

    table = Table(title="Demo sign-ins")
    for column in ("username", "role", "password"):
        table.add_column(column)
    for username, role, password in DEMO_USERS:
        table.add_row(username, role, password)
    out.print(table)
