"""What went wrong talking to Odoo, for code (transient or not) and for a person (what to do).

Every failure the gateway sees becomes one `OdooError` carrying an `ErrorInfo`: a short machine code
(for metrics and the outbox), whether a retry can help, and a message a person can act on. Messages
never contain passwords, and contain Odoo's own text only where it names what is wrong (a field,
a group, a model), never record contents.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import urllib.error
from dataclasses import dataclass
from typing import Any, Literal

ErrorCode = Literal[
    "not_configured",  # ODOO_URL / ODOO_DB / ODOO_USER / secret missing
    "unreachable",  # connection refused, DNS, network
    "timeout",  # no answer in time (the call may still have been committed)
    "connection_dropped",  # the server closed the connection without an answer
    "server_error",  # HTTP 5xx, bad gateway, a non-JSON answer
    "bad_endpoint",  # HTTP 4xx: the URL is not an Odoo JSON-RPC endpoint
    "auth_failed",  # wrong login/password/API key, or the password changed
    "wrong_database",  # ODOO_DB does not exist
    "access_denied",  # the user lacks rights (AccessError)
    "validation",  # Odoo rejected the values (ValidationError, ValueError, bad selection/field)
    "missing_record",  # a referenced record does not exist (MissingError)
    "missing_model",  # the model is not installed (UserError "Object x doesn't exist")
    "user_error",  # another UserError
    "missing_config",  # team, category, activity type ... not found in Odoo
    "refused",  # the gateway's allow-list refused the call (never sent)
    "retry_exhausted",  # transient failures went on too long
    "internal",  # anything else
]

TRANSIENT_CODES: frozenset[str] = frozenset({"unreachable", "timeout", "connection_dropped", "server_error"})


@dataclass(frozen=True)
class ErrorInfo:
    code: ErrorCode
    transient: bool
    message: str  # for a person: what happened and what to do
    odoo_exception: str | None = None  # e.g. "odoo.exceptions.AccessError"

    def as_text(self) -> str:
        """How the outbox stores it: "[code] message", parsed back by `parse_error_text`."""
        return f"[{self.code}] {self.message}"


def parse_error_text(text: str | None) -> tuple[str | None, str | None]:
    """Split a stored "[code] message" back into (code, message)."""
    if not text:
        return None, None
    if text.startswith("[") and "] " in text:
        code, _, message = text[1:].partition("] ")
        return code, message
    return None, text


class OdooError(Exception):
    """Any failure of an Odoo call, classified."""

    def __init__(self, info: ErrorInfo) -> None:
        super().__init__(info.message)
        self.info = info

    @property
    def transient(self) -> bool:
        return self.info.transient

    @property
    def code(self) -> str:
        return self.info.code


class WriteRefused(OdooError):
    """The allow-list refused a call: nothing was sent (DESIGN invariant 2)."""

    def __init__(self, message: str) -> None:
        super().__init__(ErrorInfo("refused", False, message))


class ConfigMissing(OdooError):
    def __init__(self, message: str) -> None:
        super().__init__(ErrorInfo("missing_config", False, message))


def _first_line(text: str, limit: int = 300) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line[:limit]


def _odoo_detail(message: str) -> str:
    """The informative part of an Odoo error message, without record data."""
    lines = [ln.strip() for ln in message.splitlines() if ln.strip()]
    keep = [ln for ln in lines if ln.startswith(("Model:", "Field:", "- ", "(Document type"))]
    return " ".join(keep)[:400]


def classify_rpc_error(info: dict[str, Any] | None, message: str = "") -> ErrorInfo:
    """An Odoo JSON-RPC error object (odoorpc's RPCError.info) -> ErrorInfo."""
    if not info:
        # odoorpc raises RPCError("Wrong login ID or password") with info=False when login returns false.
        if "login" in message.lower() or "password" in message.lower():
            return ErrorInfo(
                "auth_failed",
                False,
                "Odoo refused the login: check ODOO_USER and ODOO_PASSWORD (or ODOO_API_KEY) for this database.",
            )
        return ErrorInfo("internal", False, f"Odoo call failed: {_first_line(message)}")
    data = info.get("data") or {}
    name = str(data.get("name") or "")
    text = str(data.get("message") or info.get("message") or message or "")
    if name == "odoo.exceptions.AccessDenied":
        return ErrorInfo(
            "auth_failed",
            False,
            "Odoo answered 'Access Denied': the password or API key of ODOO_USER is wrong or was changed. "
            "Set the current one in ODOO_PASSWORD / ODOO_API_KEY, then re-queue the stopped actions.",
            name,
        )
    if name == "odoo.http.SessionExpiredException":
        return ErrorInfo("server_error", True, "Odoo session expired.", name)
    if name.startswith("psycopg2.") or name.startswith("psycopg."):
        if "does not exist" in text and "database" in text:
            return ErrorInfo(
                "wrong_database",
                False,
                "The Odoo database named in ODOO_DB does not exist on this server: check ODOO_DB.",
                name,
            )
        # Serialization failures, lost DB connections: the server-side transaction was rolled back.
        return ErrorInfo("server_error", True, f"Odoo's database had a temporary problem: {_first_line(text)}", name)
    if name == "odoo.exceptions.AccessError":
        detail = _first_line(text)
        groups = [ln.strip()[2:] for ln in text.splitlines() if ln.strip().startswith("- ") and "/" in ln]
        if groups:
            detail += "; allowed for: " + ", ".join(groups)
        return ErrorInfo(
            "access_denied",
            False,
            f"The Odoo user lacks the rights for this action ({detail}). Give ODOO_USER the groups listed in "
            "docs/ODOO.md (Helpdesk user, and Approvals user where Approvals is installed), then re-queue.",
            name,
        )
    if name == "odoo.exceptions.MissingError":
        return ErrorInfo(
            "missing_record",
            False,
            f"A record the action refers to no longer exists in Odoo ({_first_line(text.splitlines()[-1])}). "
            "Check the customer, team or ticket, then re-queue or drop the action.",
            name,
        )
    if name in ("odoo.exceptions.ValidationError", "builtins.ValueError", "builtins.TypeError"):
        detail = _odoo_detail(text) or _first_line(text)
        return ErrorInfo(
            "validation",
            False,
            f"Odoo rejected the values of this action ({detail}). The field mapping may not fit this Odoo's "
            "modules or version: run `triage odoo check`.",
            name,
        )
    if name == "odoo.exceptions.UserError":
        if "doesn't exist" in text and text.startswith("Object "):
            model = text.split()[1]
            return ErrorInfo(
                "missing_model",
                False,
                f"The Odoo model {model} is not installed on this server. Run `triage odoo check` to see which "
                "modules are detected.",
                name,
            )
        if "configure the sender's email address" in text:
            return ErrorInfo(
                "user_error",
                False,
                "Odoo refused the note or activity: the integration user has no e-mail address. Give the user an "
                "e-mail address in Odoo (Settings > Users), then `triage outbox retry --all-failed`.",
                name,
            )
        return ErrorInfo("user_error", False, f"Odoo refused the action: {_first_line(text)}", name)
    if name == "builtins.AttributeError":
        return ErrorInfo("validation", False, f"Odoo does not know this method: {_first_line(text)}", name)
    return ErrorInfo("internal", False, f"Odoo answered with an error {name or '(unnamed)'}: {_first_line(text)}", name)


def classify_exception(exc: BaseException) -> ErrorInfo:
    """Any exception raised while calling Odoo -> ErrorInfo."""
    if isinstance(exc, OdooError):
        return exc.info
    # odoorpc is imported lazily: keep this module importable on its own.
    try:
        import odoorpc.error as odoorpc_error
    except ImportError:  # pragma: no cover - odoorpc is a dependency
        odoorpc_error = None
    if odoorpc_error is not None and isinstance(exc, odoorpc_error.RPCError):
        return classify_rpc_error(exc.info if isinstance(exc.info, dict) else None, str(exc))
    if odoorpc_error is not None and isinstance(exc, odoorpc_error.InternalError):
        return ErrorInfo("internal", False, f"Odoo client error: {_first_line(str(exc))}")
    if isinstance(exc, urllib.error.HTTPError):
        status = exc.code
        if status >= 500 or status == 429:
            return ErrorInfo("server_error", True, f"Odoo (or a proxy in front of it) answered HTTP {status}.")
        return ErrorInfo(
            "bad_endpoint",
            False,
            f"Odoo answered HTTP {status}: ODOO_URL does not point at an Odoo server's JSON-RPC endpoint.",
        )
    if isinstance(exc, socket.timeout | TimeoutError):
        return ErrorInfo(
            "timeout",
            True,
            "Odoo did not answer in time (the record may exist already: a retry checks its marker before creating).",
        )
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        if isinstance(reason, socket.timeout | TimeoutError):
            return classify_exception(reason)
        if isinstance(reason, ssl.SSLError):
            return ErrorInfo("unreachable", False, f"TLS error talking to Odoo: {reason}. Check ODOO_URL.")
        if isinstance(reason, ConnectionError):
            return classify_exception(reason)
        return ErrorInfo("unreachable", True, f"Odoo is unreachable ({reason}).")
    if isinstance(
        exc, http.client.RemoteDisconnected | ConnectionResetError | ConnectionAbortedError | BrokenPipeError
    ):
        return ErrorInfo(
            "connection_dropped",
            True,
            "Odoo closed the connection without answering (a retry checks the marker, so no duplicate).",
        )
    if isinstance(exc, http.client.IncompleteRead | http.client.BadStatusLine):
        return ErrorInfo("connection_dropped", True, "Odoo's answer was cut off.")
    if isinstance(exc, ConnectionRefusedError):
        return ErrorInfo("unreachable", True, "Odoo refused the connection (is it running?).")
    if isinstance(exc, ConnectionError | OSError):
        return ErrorInfo("unreachable", True, f"Network error talking to Odoo ({type(exc).__name__}).")
    if isinstance(exc, json.JSONDecodeError | UnicodeDecodeError):
        return ErrorInfo("server_error", True, "Odoo answered with something that is not JSON (a proxy page?).")
    return ErrorInfo("internal", False, f"Unexpected error talking to Odoo: {type(exc).__name__}")


def wrap(exc: BaseException) -> OdooError:
    return exc if isinstance(exc, OdooError) else OdooError(classify_exception(exc))
