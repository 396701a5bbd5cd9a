"""`triage demo`: the whole product on the embedded defaults, from an empty TRIAGE_HOME.

Seeds the memory, creates the demo users, starts the Odoo sandbox (unless ODOO_URL points at a real
Odoo), ingests and triages `data/inbox`, then serves the review app with one `triage worker` beside it,
which triages what arrives later and sends every decision made in the app to Odoo.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr
from rich.console import Console
from rich.table import Table

from agents.settings import Settings

if TYPE_CHECKING:
    from agents.app import App

log = logging.getLogger(__name__)
INBOX = Path(__file__).parents[1] / "data" / "inbox"
SANDBOX_ENV = {"ODOO_DB": "sandbox", "ODOO_USER": "admin", "ODOO_PASSWORD": "admin"}


def cmd_demo(args: argparse.Namespace, app: App) -> int:
    from agents.app import build_app
    from agents.cli import triage_cases
    from agents.terminal import console, out, print_demo_signins, progress_bar
    from tools.ingest import read_inputs

    console.rule("[bold]Exception triage demo")
    sandbox = None
    settings = app.settings
    if not settings.odoo_url:
        from tools.odoo.sandbox import SandboxServer

        sandbox = SandboxServer(settings.home, "community", port=_free_port(8069), scenario="ops-more").start()
        os.environ.update({"ODOO_URL": sandbox.url, **SANDBOX_ENV})
        settings = Settings()
        console.print(f"[yellow]Odoo SANDBOX[/] (an emulator, not a real Odoo) at {sandbox.url}")
        # The settings now name the sandbox: the demo's root is built for them (the command's one is
        # untouched: nothing in it was built yet).
        app = build_app(settings)
    console.print(f"TRIAGE_HOME = {settings.home}")
    with progress_bar() as bar:
        task = bar.add_task("Seeding case memory (redacting past cases)", total=None)
        app.training.ensure_memory(on_progress=lambda i, n: bar.update(task, completed=i, total=n))
    console.print(f"Case memory: {app.training.memory_size()} past cases; local reasoner trained.")
    app.users.ensure_demo_users()

    inputs = list(read_inputs(INBOX))
    with progress_bar() as bar:
        task = bar.add_task(f"Ingesting {INBOX.name}/", total=len(inputs))
        counts = app.ingest.ingest(inputs, on_item=lambda _s: bar.advance(task))
    triage_cases(app, counts.new_case_ids)

    table = Table(title="What the demo did")
    for key in ("received", "cases", "duplicates", "quarantined"):
        table.add_column(key, justify="right")
    table.add_row(*(str(v) for v in counts.as_json().values()))
    out.print(table)
    _print_queue(app, out)

    url = f"http://127.0.0.1:{args.port}"
    print_demo_signins()
    if args.no_ui:
        _dispatch_once(app)
        if sandbox:
            sandbox.close()
        return 0
    out.print(f"[bold green]Review app: {url}[/]  (Ctrl-C stops the app, the dispatcher and the sandbox)")
    env = {**os.environ, "TRIAGE_HOME": str(settings.home), "TRIAGE_UI_BASE_URL": url}
    ui = subprocess.Popen([sys.executable, "-m", "agents.cli", "ui", "--port", str(args.port)], env=env)
    # one worker beside the app: triages what the API accepts and dispatches what reviewers decide
    worker = subprocess.Popen([sys.executable, "-m", "agents.cli", "worker"], env=env)
    api = _start_api(app, env, out)
    try:
        while ui.poll() is None:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        ui.terminate()
        api.terminate()
        worker.terminate()  # SIGTERM: it finishes the case in hand and prints its summary
        worker.wait(timeout=60)
        if sandbox:
            sandbox.close()
    return 0


# Demo only (the key is in the repo); real secrets come from TRIAGE_WEBHOOK_SECRETS in the environment.
DEMO_WEBHOOK_SECRETS = "demo=whsec_ZGVtby1zaWduaW5nLWtleS1ub3QtZm9yLXByb2R1Y3Rpb24="
API_SAMPLE = Path(__file__).parents[1] / "data" / "api" / "sample_event.json"


def _start_api(app: App, env: dict[str, str], out: Console) -> subprocess.Popen[bytes]:
    """`triage serve` next to the UI, with a demo integration, and a signed curl that posts a sample to it."""
    from agents.cli_service import signed_curl

    env.setdefault("TRIAGE_WEBHOOK_SECRETS", DEMO_WEBHOOK_SECRETS)
    port = _free_port(8080)
    api = subprocess.Popen([sys.executable, "-m", "agents.cli", "serve", "--port", str(port)], env=env)
    signing = app.settings.model_copy(update={"webhook_secrets": SecretStr(env["TRIAGE_WEBHOOK_SECRETS"])})
    integration = env["TRIAGE_WEBHOOK_SECRETS"].split("=", 1)[0]
    url = f"http://127.0.0.1:{port}/v1/messages"
    out.print(f"[bold green]Ingest API: http://127.0.0.1:{port}[/]  (OpenAPI at /openapi.json)")
    out.print("Paste this to post a signed sample message (signed now, valid 5 minutes); its case reaches the "
              "review queue within seconds:")
    curl = signed_curl(signing, API_SAMPLE, integration, url, now=app.clock.now())
    out.print(curl, soft_wrap=True, highlight=False, markup=False)
    out.print(f"Later, sign afresh: .venv/bin/triage sign data/api/sample_event.json --integration {integration} "
              f"--url {url} | sh   (with TRIAGE_WEBHOOK_SECRETS={env['TRIAGE_WEBHOOK_SECRETS']})",
              soft_wrap=True, highlight=False, markup=False)
    return api


def _print_queue(app: App, out: Console) -> None:
    from sqlalchemy import select

    from tools.store import schema as t

    with app.engine.connect() as conn:
        rows = conn.execute(select(t.cases.c.priority, t.cases.c.reason, t.cases.c.status)).all()
    by_priority = Counter(r.priority or "-" for r in rows)
    by_reason = Counter(r.reason or "needs classification" for r in rows)
    table = Table(title="Review queue")
    table.add_column("priority")
    table.add_column("cases", justify="right")
    for prio in ("P1", "P2", "P3", "P4"):
        table.add_row(prio, str(by_priority.get(prio, 0)))
    out.print(table)
    reasons = Table(title="By reason")
    reasons.add_column("reason")
    reasons.add_column("cases", justify="right")
    for reason, n in by_reason.most_common():
        reasons.add_row(reason, str(n))
    out.print(reasons)


def _dispatch_once(app: App) -> None:
    """One dispatcher pass (`--no-ui`); with the app, the worker beside it dispatches."""
    from tools.odoo.cli import dispatch

    dispatch(app.settings, app.engine, app.clock, once=True)


def _free_port(preferred: int) -> int:
    import socket

    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])
