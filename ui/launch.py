"""`triage ui [--port N]`: serve the review app with Streamlit on 127.0.0.1."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from agents.settings import Settings
from agents.terminal import out, print_demo_signins

if TYPE_CHECKING:
    from agents.app import App

APP = Path(__file__).resolve().parent / "app.py"
REPO = APP.parents[1]


def streamlit_command(port: int, address: str = "127.0.0.1") -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.address",
        address,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--global.developmentMode",
        "false",
        "--client.toolbarMode",
        "viewer",
    ]


def app_env(settings: Settings, port: int) -> dict[str, str]:
    """The environment the app runs with: the caller's, plus TRIAGE_HOME and the offline guards."""
    env = dict(os.environ)
    env["TRIAGE_HOME"] = str(settings.home)
    # links written into Odoo records point back at this app unless the deployment says otherwise
    env.setdefault("TRIAGE_UI_BASE_URL", f"http://127.0.0.1:{port}")
    for key, value in (
        ("HF_HUB_OFFLINE", "1"),
        ("TRANSFORMERS_OFFLINE", "1"),
        ("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", ""),
        ("ANONYMIZED_TELEMETRY", "False"),
    ):
        env.setdefault(key, value)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    return env


def announce(url: str, settings: Settings, demo: bool = False) -> None:
    """Print where the app is served (and, for the demo, its sign-ins, which the README lists too)."""
    out.print(f"Review app: [bold]{url}[/bold]  (TRIAGE_HOME {settings.home}; Ctrl+C stops it)")
    if demo:
        print_demo_signins()


def cmd_ui(args: argparse.Namespace, app: App) -> int:
    """Serve the app; `triage demo` calls this with its own args (command "demo") to list the sign-ins."""
    settings = app.settings
    port = int(getattr(args, "port", 8501) or 8501)
    _ = app.engine  # create or migrate the store before serving, so the first page load does not wait
    url = f"http://127.0.0.1:{port}"
    announce(url, settings, demo=getattr(args, "command", None) == "demo" or bool(getattr(args, "demo", False)))
    # Streamlit runs from the repo root so its own config (.streamlit/, secrets for OIDC) is found there.
    proc = subprocess.Popen(streamlit_command(port), env=app_env(settings, port), cwd=str(REPO))

    def _on_sigterm(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt  # stop Streamlit too: a terminated `triage ui` must not leave it running

    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        return 130
