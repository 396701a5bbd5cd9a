"""Odoo sandbox: a JSON-RPC emulator faithful to shared/odoo-captures, for the demo and the tests.

`serve(port, home, edition)` runs it in the foreground (`triage odoo-sandbox`); `SandboxServer` runs
it in a thread on a free localhost port (tests). It labels itself a sandbox everywhere it shows:
server_version "17.0-sandbox", `"sandbox": true` in version_info, and in `triage odoo check`.
Credentials: admin/admin (or API key "sandbox-api-key"), database "sandbox".
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Literal

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from agents.ports import Clock
from tools.odoo.sandbox.app import SandboxApp, make_app, state_path
from tools.odoo.sandbox.faults import FaultPlan

__all__ = ["DEFAULT_DB", "SandboxServer", "make_app", "serve", "state_path"]

log = logging.getLogger(__name__)
DEFAULT_DB = "sandbox"
FAULTS_ENV = "TRIAGE_SANDBOX_FAULTS"
Edition = Literal["community", "enterprise"]


class _QuietHandler(WSGIRequestHandler):
    """No access log line per request (thousands in the fault tests); errors go to logging at debug."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None

    def log(self, type: str, message: str, *args: object) -> None:
        log.debug("sandbox http %s: " + message, type, *args)


def _major(version: str | int) -> int:
    return int(str(version).split(".", 1)[0])


class SandboxServer:
    """The sandbox on a localhost port in a background thread (port 0: a free one)."""

    def __init__(
        self,
        home: Path | None,
        edition: Edition = "community",
        version: str | int = "17.0",
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        db: str = DEFAULT_DB,
        faults: FaultPlan | None = None,
        clock: Clock | None = None,
        scenario: str = "ops",
    ) -> None:
        self.home = home
        self.scenario = scenario  # "ops": the -ops recordings' state; "ops-more": + S00002 and Reno DC stock
        self.edition: Edition = edition
        self.major = _major(version)
        self.host = host
        self.port = port
        self.db = db
        self.faults = faults or FaultPlan.from_json(os.environ.get(FAULTS_ENV))
        self.clock = clock
        self.app: SandboxApp | None = None
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> SandboxServer:
        if self.app is None:
            self.app = make_app(self.home, self.edition, self.major, self.db, self.faults, self.clock, self.scenario)
        self._server = make_server(self.host, self.port, self.app, threaded=True, request_handler=_QuietHandler)
        self._server.daemon_threads = True  # type: ignore[attr-defined]
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="odoo-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening (connections are then refused); `start()` again resumes with the same records."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def close(self) -> None:
        self.stop()
        if self.app is not None:
            self.app.emulator.state.close()
            self.app = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def serve(
    port: int,
    home: Path,
    edition: Edition = "community",
    *,
    version: str | int = "17.0",
    host: str = "127.0.0.1",
    db: str = DEFAULT_DB,
    scenario: str = "ops-more",
) -> None:
    """Run the sandbox in the foreground until interrupted (the demo's scenario by default)."""
    app = make_app(
        home, edition, _major(version), db, FaultPlan.from_json(os.environ.get(FAULTS_ENV)), scenario=scenario
    )
    server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
    log.info("odoo sandbox (%s %s) on http://%s:%d db=%s", edition, version, host, server.server_port, db)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        app.emulator.state.close()
