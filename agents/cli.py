"""`triage`: every command the product has. Thin: parses arguments, calls services, prints results."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table

from agents import cli_service
from agents.settings import load_settings
from agents.terminal import console, out, progress_bar

if TYPE_CHECKING:
    from agents.app import App


# ---------------------------------------------------------------------------- commands


def cmd_init(args: argparse.Namespace, app: App) -> int:
    _ = app.store.engine
    with progress_bar() as bar:
        task = bar.add_task("Seeding case memory", total=None)
        added = app.training.ensure_memory(on_progress=lambda i, n: bar.update(task, completed=i, total=n))
    home = app.settings.home
    console.print(f"TRIAGE_HOME {home}: store ready, memory holds {app.training.memory_size()} cases (+{added}).")
    return 0


def cmd_ingest(args: argparse.Namespace, app: App) -> int:
    from tools.ingest import read_inputs

    path = None if args.path == "-" else Path(args.path)
    if path is not None and not path.exists():
        console.print(f"[red]no such file or folder: {path}")
        return 2
    inputs = list(read_inputs(path, stdin=sys.stdin.buffer if path is None else None))
    with progress_bar(transient=args.json) as bar:
        task = bar.add_task("Ingesting", total=len(inputs))
        counts = app.ingest.ingest(inputs, on_item=lambda _src: bar.advance(task))
    if not args.no_triage and counts.new_case_ids:
        triage_cases(app, counts.new_case_ids, quiet=args.json)
        counts.settle_redaction_refusals(app.store.quarantined_cases(counts.new_case_ids))
    if args.json:
        out.print_json(json.dumps(counts.as_json()))
    else:
        table = Table(title="Ingest")
        for key in ("received", "cases", "duplicates", "quarantined"):
            table.add_column(key, justify="right")
        table.add_row(*(str(v) for v in counts.as_json().values()))
        out.print(table)
        if counts.quarantined:
            out.print("Quarantined inputs are listed by [bold]triage quarantine[/bold].")
    return 0


def triage_cases(app: App, case_ids: Sequence[str], quiet: bool = False) -> int:
    """Run cases through the graph up to human review; returns how many reached review."""
    reached = 0
    app.training.learn_queued()  # reviewed cases join the memory first: triage loads the model anyway
    with progress_bar(transient=quiet) as bar:
        task = bar.add_task("Triaging", total=len(case_ids))
        for case_id in case_ids:
            try:
                if app.runner.start(case_id) is not None:
                    reached += 1
            except Exception:  # one bad case must not stop the batch; it stays in its last status
                logging.getLogger(__name__).exception("triage failed for %s", case_id)
            bar.advance(task)
    return reached


def cmd_run(args: argparse.Namespace, app: App) -> int:
    pending = app.store.case_ids(["received", "redacted"])
    reached = triage_cases(app, pending)
    console.print(f"{reached} of {len(pending)} pending cases are now waiting for review.")
    return 0


def cmd_quarantine(args: argparse.Namespace, app: App) -> int:
    items = app.store.list_quarantine(None if args.all else "open")
    if args.json:
        out.print_json(
            json.dumps(
                [
                    {k: (str(v) if k == "created_at" else v) for k, v in item.__dict__.items()}
                    for item in items
                ]
            )
        )
        return 0
    table = Table(title=f"Quarantine ({len(items)})")
    for col in ("id", "source", "reason", "what was wrong", "size", "status"):
        table.add_column(col, overflow="fold")
    for item in items:
        table.add_row(item.id, item.source, item.reason, item.detail, str(item.size), item.status)
    out.print(table)
    if items:
        out.print("Fix the input and run [bold]triage reprocess ID --file FIXED[/bold] (or without --file to retry).")
    return 0


def cmd_reprocess(args: argparse.Namespace, app: App) -> int:
    fixed = Path(args.file).read_bytes() if args.file else None
    counts = app.ingest.reprocess(args.id, fixed)
    if counts.new_case_ids and not args.no_triage:
        triage_cases(app, counts.new_case_ids)
    out.print_json(json.dumps(counts.as_json()))
    return 0 if counts.quarantined == 0 else 1


def cmd_purge(args: argparse.Namespace, app: App) -> int:
    n = app.store.purge_raw(app.clock.now())
    days = app.settings.raw_retention_days
    console.print(f"Purged the raw text of {n} messages past their retention ({days} days).")
    return 0


def cmd_train(args: argparse.Namespace, app: App) -> int:
    app.training.ensure_memory()
    app.training.learn_queued()
    app.training.retrain()
    console.print(f"Local reasoner retrained on {app.training.memory_size()} cases in memory.")
    return 0


Command = Callable[[argparse.Namespace, "App"], int]


def _lazy(module: str, name: str) -> Command:
    """A command implemented in another module, imported only when it runs."""

    def run(args: argparse.Namespace, app: App) -> int:
        import importlib

        return int(getattr(importlib.import_module(module), name)(args, app))

    return run


# ---------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="triage", description="Exception triage assistant for logistics.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="create the store under TRIAGE_HOME, seed the memory, train the reasoner")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("ingest", help="ingest a file, a folder or stdin ('-')")
    p.add_argument("path")
    p.add_argument("--json", action="store_true", help="print one JSON object with the counts")
    p.add_argument("--no-triage", action="store_true", help="store and de-duplicate only; triage later with `run`")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("run", help="triage every stored case that has not reached review yet")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("quarantine", help="list quarantined inputs with the reason")
    p.add_argument("--all", action="store_true", help="include reprocessed ones")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_quarantine)

    p = sub.add_parser("reprocess", help="re-run a quarantined input, optionally replaced by a fixed file")
    p.add_argument("id")
    p.add_argument("--file", help="the fixed input to use instead of the stored bytes")
    p.add_argument("--no-triage", action="store_true")
    p.set_defaults(func=cmd_reprocess)

    p = sub.add_parser("purge", help="apply the raw-message retention rule now")
    p.set_defaults(func=cmd_purge)

    p = sub.add_parser("train", help="retrain the local reasoner on the case memory")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("review", help="decide a case from the command line")
    p.add_argument("case_id")
    p.add_argument("--user", required=True)
    p.add_argument("--accept", action="store_true")
    p.add_argument("--reject", metavar="WHY")
    p.set_defaults(func=_lazy("agents.cli_review", "cmd_review"))

    p = sub.add_parser("dispatch", help="send approved actions from the outbox to Odoo")
    p.add_argument("--once", action="store_true", help="one pass over due items, then exit")
    p.set_defaults(func=_lazy("agents.cli_odoo", "cmd_dispatch"))

    _add_ops_commands(sub)

    p = sub.add_parser("odoo", help="Odoo connection tools")
    odoo_sub = p.add_subparsers(dest="odoo_command", required=True)
    c = odoo_sub.add_parser("check", help="connect without writing; report version, modules, rights, problems")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=_lazy("agents.cli_odoo", "cmd_odoo_check"))

    p = sub.add_parser("odoo-sandbox", help="run the Odoo JSON-RPC sandbox (an emulator, not a real Odoo)")
    p.add_argument("--port", type=int, default=8069)
    p.add_argument("--edition", choices=["community", "enterprise"], default="community")
    p.set_defaults(func=_lazy("agents.cli_odoo", "cmd_odoo_sandbox"))

    p = sub.add_parser("users", help="manage local users")
    users_sub = p.add_subparsers(dest="users_command", required=True)
    c = users_sub.add_parser("add", help="create or update a user (password from TRIAGE_NEW_PASSWORD or a prompt)")
    c.add_argument("username")
    c.add_argument("--role", required=True, choices=["customer_service", "supervisor", "ml_owner", "admin"])
    c.set_defaults(func=_lazy("agents.cli_users", "cmd_users_add"))
    c = users_sub.add_parser("list", help="list users and roles")
    c.set_defaults(func=_lazy("agents.cli_users", "cmd_users_list"))

    p = sub.add_parser("ui", help="serve the review app on 127.0.0.1")
    p.add_argument("--port", type=int, default=8501)
    p.set_defaults(func=_lazy("ui.launch", "cmd_ui"))

    p = sub.add_parser("export-labels", help="export reviewed cases as labelled cases (dataset format)")
    p.add_argument("--out", required=True)
    p.add_argument("--user", required=True)
    p.set_defaults(func=_lazy("evals.export", "cmd_export"))

    p = sub.add_parser("eval", help="run the eval suite on labelled datasets")
    p.add_argument("--dataset", action="append", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--reasoner", choices=["local", "llm"], default=None)
    p.add_argument("--baseline")
    p.add_argument("--gates", default=None, help="gates file (default evals/gates.yaml)")
    p.set_defaults(func=_lazy("evals.cli", "cmd_eval"))

    p = sub.add_parser("bench", help="triage 1,000 messages on the local path and compare with the bare models")
    p.add_argument("-n", type=int, default=1000)
    p.add_argument("--json", action="store_true")
    p.add_argument("--stages", action="store_true", help="also time each stage of the pipeline (ms per message)")
    p.add_argument("--api", action="store_true", help="instead: the API's p95 to accept a signed message, 8 at a time")
    p.add_argument("--no-backlog", action="store_true", help="skip the backlog-in-batches figure")
    p.add_argument("--queue", type=int, nargs="?", const=100_000, default=None, metavar="N",
                   help="instead: the review queue's queries on N cases (default 100,000), new path vs old")
    p.add_argument("--reuse", action="store_true", help="with --queue: reuse the stores a previous run built")
    p.add_argument("--database", choices=("sqlite", "postgresql"), help="with --queue: only this database")
    p.set_defaults(func=_lazy("agents.bench", "cmd_bench"))

    p = sub.add_parser("demo", help="set up, ingest the sample inbox, dispatch, and serve the app")
    p.add_argument("--no-ui", action="store_true", help="stop after dispatch instead of serving the app")
    p.add_argument("--port", type=int, default=8501)
    p.set_defaults(func=_lazy("agents.demo", "cmd_demo"))

    cli_service.register(sub)  # serve, api-keys, sign
    p = sub.add_parser("worker", help="claim and triage waiting cases, dispatch to Odoo, until stopped")
    p.add_argument("--no-dispatch", action="store_true", help="do not run the Odoo dispatcher in this process")
    p.add_argument("--mailbox", action="store_true", help="also poll TRIAGE_IMAP_URL")
    p.add_argument("--metrics-port", type=int, default=None, help="serve this process's metrics on 127.0.0.1:N")
    p.add_argument("--batch-size", type=int, default=32, help="cases claimed (and batched) at a time")
    p.add_argument("--lease-seconds", type=float, default=None, help="a claim runs out after this (default 120)")
    p.add_argument("--idle-seconds", type=float, default=1.0, help="wait after a claim that found nothing")
    p.add_argument("--poll-seconds", type=float, default=30.0, help="mailbox poll interval (with --mailbox)")
    p.add_argument("--worker-id", default=None)
    p.set_defaults(func=_lazy("agents.cli_worker", "cmd_worker"))

    p = sub.add_parser("mailbox", help="poll the IMAP mailbox (TRIAGE_IMAP_URL) and ingest new e-mails")
    p.add_argument("--once", action="store_true", help="one poll, then exit")
    p.add_argument("--poll-seconds", type=float, default=30.0)
    p.set_defaults(func=_lazy("agents.cli_worker", "cmd_mailbox"))
    return parser


def _with_user(p: argparse.ArgumentParser) -> None:
    p.add_argument("--user", help="who you are (a local user; default TRIAGE_USER): the role comes from the user")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _add_ops_commands(sub: Any) -> None:
    """The operator's commands (agents/cli_ops.py): reconcile, cases, case, approvals, outbox."""
    ops = "agents.cli_ops"
    p = sub.add_parser("reconcile", help="one SLA reconciliation pass: escalate what breached (escalation.yaml)")
    p.add_argument("--json", action="store_true", help="counts per rule: checked, escalated, already_escalated, errors")
    p.set_defaults(func=_lazy(ops, "cmd_reconcile"))

    p = sub.add_parser("cases", help="list cases (redacted fields only)")
    p.add_argument("--status", help="one status (default: every open status)")
    p.add_argument("--priority", choices=["P1", "P2", "P3", "P4"])
    p.add_argument("--search", help="reference, subject, summary or case id")
    _with_user(p)
    p.set_defaults(func=_lazy(ops, "cmd_cases"))

    p = sub.add_parser("case", help="show one case (redacted fields only)")
    p.add_argument("case_id")
    _with_user(p)
    p.set_defaults(func=_lazy(ops, "cmd_case"))

    p = sub.add_parser("approvals", help="supervisor approvals")
    asub = p.add_subparsers(dest="approvals_command", required=True)
    c = asub.add_parser("list", help="approvals waiting for a supervisor")
    c.add_argument("--all", action="store_true", help="decided ones too")
    _with_user(c)
    c.set_defaults(func=_lazy(ops, "cmd_approvals_list"))
    for name in ("approve", "decline"):
        c = asub.add_parser(name, help=f"{name} an approval (supervisors)")
        c.add_argument("approval_id")
        c.add_argument("--comment", help="why (required to decline)")
        _with_user(c)
        c.set_defaults(func=_lazy(ops, f"cmd_approvals_{name}"))

    p = sub.add_parser("outbox", help="the outbox of Odoo actions")
    osub = p.add_subparsers(dest="outbox_command", required=True)
    c = osub.add_parser("list", help="outbox rows")
    c.add_argument("--failed", action="store_true", help="only rows that need a person")
    _with_user(c)
    c.set_defaults(func=_lazy(ops, "cmd_outbox_list"))
    c = osub.add_parser("retry", help="send failed rows again after a fix (admins)")
    c.add_argument("ids", nargs="*", metavar="ID")
    c.add_argument("--all-failed", action="store_true", help="every row that needs a person")
    _with_user(c)
    c.set_defaults(func=_lazy(ops, "cmd_outbox_retry"))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from agents.app import build_app

    # The process's one composition root: every command receives the App and uses its services.
    with build_app(load_settings()) as app:
        try:
            return int(args.func(args, app))
        except KeyboardInterrupt:
            return 130


if __name__ == "__main__":
    sys.exit(main())
