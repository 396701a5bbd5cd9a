"""CLI entry functions for the `triage` console script (wired by agents.cli): each returns an exit code.

odoo_check(settings, as_json)   -> 0 all good, 1 problems found, 2 cannot connect / not configured
odoo_sandbox(settings, port, edition, version=None) -> runs the sandbox until Ctrl-C
dispatch(settings, engine, clock, once, on_outcome) -> 0 all sent, 1 some need a person, 2 Odoo unusable (run stopped)
This is the CLI layer: it prints with rich; the library code it calls only logs.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine

from agents.ports import Clock
from tools.odoo.check import run_check
from tools.odoo.config import OdooOptions, OdooTarget
from tools.odoo.dispatcher import dispatcher_for
from tools.odoo.errors import OdooError


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def odoo_check(settings: Any, as_json: bool) -> int:
    report = run_check(settings)
    code = 0 if report["ok"] else (2 if not report["connected"] else 1)
    console = _console()
    if as_json:
        console.out(json.dumps(report, sort_keys=True), highlight=False)
        return code
    title = "Odoo check" + (" [bold yellow](SANDBOX)[/]" if report["sandbox"] else "")
    table = Table(title=title, show_header=False)
    for key in ("url", "db", "user", "server_version", "helpdesk", "approvals", "carrier_tracking"):
        table.add_row(key, str(report.get(key)))
    for model, rights in report["rights"].items():
        allowed = rights.get("create")
        table.add_row(f"create {model}", {True: "yes", False: "[red]no[/]", None: "n/a"}[allowed])
    console.print(table)
    for note in report["notes"]:
        console.print(f"[cyan]note:[/] {note}")
    for warning in report.get("warnings", []):
        console.print(f"[yellow]warning:[/] {warning}")
    for problem in report["problems"]:
        console.print(f"[red]problem:[/] {problem}")
    if report["ok"]:
        console.print("[green]Odoo is ready for the product.[/]")
    return code


def odoo_sandbox(settings: Any, port: int, edition: str, version: str | None = None) -> int:
    """Run the sandbox in the foreground; version 17.0 / 18.0 / 19.0 (default TRIAGE_SANDBOX_VERSION or 17.0)."""
    from tools.odoo.sandbox import serve

    if edition not in ("community", "enterprise"):
        _console().print(f"[red]edition must be community or enterprise, not {edition!r}[/]")
        return 2
    version = version or os.environ.get("TRIAGE_SANDBOX_VERSION", "17.0")
    console = _console()
    console.print(
        f"[bold yellow]Odoo SANDBOX[/] (an emulator, not a real Odoo): {edition} {version} on http://127.0.0.1:{port}\n"
        f"  database 'sandbox', user admin / password admin (or API key sandbox-api-key)\n"
        f"  records kept in {settings.home / 'odoo-sandbox'}; Ctrl-C to stop"
    )
    try:
        serve(port, settings.home, edition, version=version)  # type: ignore[arg-type]
    except KeyboardInterrupt:
        console.print("sandbox stopped")
    except OSError as exc:
        console.print(f"[red]cannot listen on port {port}: {exc}[/]")
        return 2
    return 0


def dispatch(
    settings: Any, engine: Engine, clock: Clock, once: bool, on_outcome: Callable[[str], None] | None = None
) -> int:
    from tools.store import outbox

    console = _console()
    options = OdooOptions()
    try:
        target = OdooTarget.from_settings(settings, options)
    except OdooError as exc:
        console.print(f"[red]{exc.info.message}[/]")
        return 2
    if target is None:
        console.print("[red]No Odoo configured (ODOO_URL ...): nothing can be dispatched.[/]")
        return 2
    dispatcher = dispatcher_for(engine, target, clock, options, on_outcome=on_outcome)
    before = outbox.counts(engine)
    todo = before[outbox.PENDING] + before[outbox.SENDING]
    outcomes: dict[str, int] = {}
    with Progress(
        TextColumn("dispatch to Odoo"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("dispatch", total=todo or None, status="")

        def on_row(row: Any, outcome: str) -> None:
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            if outcome in ("sent", "needs_person"):
                progress.advance(task)
            progress.update(task, status=" ".join(f"{k}={v}" for k, v in sorted(outcomes.items())))

        stopped_by: list[str] = []
        with _stop_on_signals(stopped_by):
            if not once:
                console.print("dispatching continuously; stop with Ctrl-C or SIGTERM")
            report = dispatcher.run(until_idle=once, on_row=on_row, stop=lambda: bool(stopped_by))
    if stopped_by:
        console.print(f"stopped by {stopped_by[0]}; a row being sent is picked up again after its lease")
    after = outbox.counts(engine)
    console.print(
        f"sent {report.sent} (found already in Odoo: {report.found_existing}), retries {report.retried}, "
        f"need a person {report.needs_person}; outbox now: " + ", ".join(f"{k} {v}" for k, v in after.items())
    )
    if report.stopped is not None:
        console.print(f"[red]stopped: {report.stopped.message}[/]")
        return 2
    if stopped_by:
        return 130 if stopped_by[0] == "SIGINT" else 143
    return 1 if report.needs_person or after[outbox.NEEDS_PERSON] else 0


@contextlib.contextmanager
def _stop_on_signals(stopped_by: list[str]) -> Iterator[None]:
    """SIGTERM and SIGINT ask the loop to stop after the row in hand, so the summary is still printed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: Any) -> None:
        stopped_by.append(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
