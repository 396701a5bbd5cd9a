"""The sandbox's HTTP side: a werkzeug WSGI app speaking Odoo's JSON-RPC, plus test-only admin routes.

Routes as on a real Odoo: POST /web/webclient/version_info, POST /jsonrpc, POST /web/database/list
(type=json routes: a non-JSON body -> HTTP 400 "Invalid JSON data", a GET or another content type ->
HTTP 400, an unknown route -> 404). Admin routes, only on the sandbox: GET /sandbox/health,
GET/POST /sandbox/faults, GET /sandbox/records/<model>.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Request, Response

from agents.ports import Clock
from tools.odoo.sandbox.faults import Fault, FaultPlan, FaultRule
from tools.odoo.sandbox.models import Edition
from tools.odoo.sandbox.orm import Emulator, OdooFault
from tools.odoo.sandbox.state import SandboxState

log = logging.getLogger(__name__)

JSON_ROUTES = ("/web/webclient/version_info", "/jsonrpc", "/web/database/list")
_BAD_TYPE = (
    "<!doctype html>\n<html lang=en>\n<title>400 Bad Request</title>\n<h1>Bad Request</h1>\n"
    "<p>Request inferred type is compatible with [&#39;http&#39;] but &#39;{path}&#39; is type=&#39;json&#39;.</p>\n"
)
_NOT_FOUND = (
    "<!DOCTYPE html>\n<html><head><title>Odoo (sandbox)</title></head><body><h1>404: Page not found</h1></body></html>"
)


def state_path(home: Path, edition: Edition, major: int) -> Path:
    return home / "odoo-sandbox" / f"{edition}-{major}.sqlite"


class SandboxApp:
    def __init__(self, emulator: Emulator, faults: FaultPlan | None = None) -> None:
        self.emulator = emulator
        self.faults = faults or FaultPlan()
        self.calls = 0  # JSON-RPC calls processed
        self.requests = 0  # HTTP requests received, of any kind (tests: "nothing was sent")
        self._count_lock = threading.Lock()

    # WSGI entry
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        with self._count_lock:
            self.requests += 1
        request = Request(environ)
        response = self.handle(request)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/sandbox/"):
            return self._admin(request)
        if path not in JSON_ROUTES:
            return Response(_NOT_FOUND, status=404, content_type="text/html; charset=utf-8")
        if request.method != "POST" or request.mimetype != "application/json":
            return Response(_BAD_TYPE.format(path=path), status=400, content_type="text/html; charset=utf-8")
        try:
            payload = json.loads(request.get_data(as_text=True) or "null")
        except ValueError:
            return Response("Invalid JSON data", status=400, content_type="text/html; charset=utf-8")
        if not isinstance(payload, dict):
            return Response("Invalid JSON data", status=400, content_type="text/html; charset=utf-8")
        rpc_id = payload.get("id")
        params = payload.get("params") or {}
        call = self._describe(path, params)
        fault = self.faults.pick(call)
        if fault and not fault.after_commit:
            early = self._fault_before(fault)
            if early is not None:
                return early
        body = self._process(path, params, rpc_id)
        if fault and fault.after_commit:
            late = self._fault_after(fault)
            if late is not None:
                return late
        response = Response(json.dumps(body), status=200, content_type="application/json; charset=utf-8")
        if path == "/web/webclient/version_info":
            response.set_cookie("session_id", "sandbox", httponly=True, max_age=604800)
        return response

    @staticmethod
    def _describe(path: str, params: dict[str, Any]) -> dict[str, str]:
        call = {"path": path, "service": str(params.get("service", "")), "rpc": str(params.get("method", ""))}
        args = params.get("args") or []
        if call["service"] == "object" and len(args) >= 5:
            call["model"] = str(args[3])
            call["method"] = str(args[4])
        else:
            call["method"] = call["rpc"]
        return call

    def _fault_before(self, fault: Fault) -> Response | None:
        if fault.action == "delay":
            time.sleep(fault.seconds)
            return None
        if fault.action == "http_error":
            return self._http_error(fault.status)
        if fault.action == "drop":
            raise ConnectionAbortedError("sandbox fault: connection dropped before processing")
        return None

    def _fault_after(self, fault: Fault) -> Response | None:
        if fault.action == "delay_after_commit":
            time.sleep(fault.seconds)
            return None
        if fault.action == "http_error_after_commit":
            return self._http_error(fault.status)
        if fault.action == "drop_after_commit":
            raise ConnectionAbortedError("sandbox fault: connection dropped after commit")
        return None

    @staticmethod
    def _http_error(status: int) -> Response:
        text = f"<html><body><h1>{status} Bad Gateway</h1><p>sandbox fault injection</p></body></html>"
        return Response(text, status=status, content_type="text/html; charset=utf-8")

    def _process(self, path: str, params: dict[str, Any], rpc_id: Any) -> dict[str, Any]:
        em = self.emulator
        with em.state.lock:
            self.calls += 1
            em.state.begin()
            try:
                if path == "/web/webclient/version_info":
                    result: Any = em.version_info()
                elif path == "/web/database/list":
                    result = [em.db]
                else:
                    result = em.dispatch(params.get("service"), params.get("method"), list(params.get("args") or []))
                em.state.commit()
                if result is None:  # as recorded (n06, n73): Odoo's answer to a method returning None has no "result"
                    return {"jsonrpc": "2.0", "id": rpc_id}
                return {"jsonrpc": "2.0", "id": rpc_id, "result": result}
            except OdooFault as fault:
                em.state.rollback()
                return {"jsonrpc": "2.0", "id": rpc_id, "error": fault.error_object()}
            except Exception as exc:  # an emulator bug: answer like Odoo does for an unexpected error
                em.state.rollback()
                log.exception("sandbox: unexpected error")
                unexpected = OdooFault(f"builtins.{type(exc).__name__}", str(exc))
                return {"jsonrpc": "2.0", "id": rpc_id, "error": unexpected.error_object()}

    # ------------------------------------------------------------------ admin (tests, demo)
    def _admin(self, request: Request) -> Response:
        path = request.path
        em = self.emulator
        if path == "/sandbox/health":
            return _json({"ok": True, "sandbox": True, "edition": em.edition, "version": em.major, "calls": self.calls})
        if path == "/sandbox/faults":
            if request.method == "POST":
                data = request.get_json(force=True, silent=True) or {}
                rules = [FaultRule.from_dict(r) for r in data.get("rules", [])]
                self.faults.replace(rules, data.get("seed"))
            return _json(self.faults.summary())
        if path.startswith("/sandbox/records/"):
            model = path.rsplit("/", 1)[-1]
            with em.state.lock:
                return _json(sorted(em.state.all(model), key=lambda r: r["id"]))
        raise NotFound()


def _json(data: Any) -> Response:
    return Response(json.dumps(data), status=200, content_type="application/json")


def make_app(
    home: Path | None,
    edition: Edition = "community",
    major: int = 17,
    db: str = "sandbox",
    faults: FaultPlan | None = None,
    clock: Clock | None = None,
    scenario: str = "ops",
) -> SandboxApp:
    """A sandbox app; its records live in home/odoo-sandbox/<edition>-<major>.sqlite (None: in memory)."""
    state = SandboxState(state_path(home, edition, major) if home is not None else None)
    return SandboxApp(Emulator(state, edition, major, db, clock, scenario), faults)
