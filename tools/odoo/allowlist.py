"""DESIGN invariant 2: the only writes the product may make in Odoo.

Allowed: create `helpdesk.ticket`; create and submit (`action_confirm`) `approval.request`; create
`mail.activity`; `message_post` (an internal note) on records the product created. Reads are free.
Everything else is refused *before* a request leaves the process: the gateway checks each call, and
the HTTP opener it hands to odoorpc checks every JSON-RPC body again, so even code that reaches
around the gateway (`gateway.odoo.env[...]`) cannot write.

Created records must carry the product's idempotency marker, and nested x2many commands that would
create or change other records (`(0, 0, {...})`, `(1, id, {...})`, `(2, id)`...) are refused.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.request
from collections.abc import Callable, Iterable
from typing import Any

from tools.odoo.errors import WriteRefused

MARKER_RE = re.compile(r"\[triage:[0-9a-f]{6,64}\]")  # the product writes 24; recordings show 6

# Methods that only read. Anything not here and not in WRITE_RULES is refused.
READ_METHODS: frozenset[str] = frozenset(
    {
        "search",
        "search_read",
        "search_count",
        "read",
        "read_group",
        "fields_get",
        "name_search",
        "name_get",
        "default_get",
        "check_access_rights",
        "has_access",
        "check_object_reference",  # ir.model.data: resolve an XML id
        "context_get",  # res.users, called by odoorpc at login
    }
)
# Methods that look like reads but are not: refuse even if someone adds them to READ_METHODS by mistake.
_NEVER = frozenset({"write", "unlink", "copy", "create", "toggle_active", "action_archive", "action_unarchive"})

CREATE_MODELS: dict[str, tuple[str, ...]] = {
    # model -> fields one of which must carry the marker
    "helpdesk.ticket": ("name", "description"),
    "approval.request": ("name", "reason"),
    "mail.activity": ("note", "summary"),
}
# Records on which `message_post` / `action_confirm` may be called: only those the product created.
NOTE_MODELS = frozenset({"helpdesk.ticket", "approval.request"})
SUBMIT_METHODS = {"approval.request": frozenset({"action_confirm"})}
ACTIVITY_TARGET_MODELS = frozenset({"helpdesk.ticket", "approval.request"})

ALLOWED_PATHS = frozenset({"/web/webclient/version_info", "/jsonrpc"})
ALLOWED_SERVICE_METHODS = {
    "common": frozenset({"login", "version", "authenticate"}),
    "db": frozenset({"list", "server_version"}),
    "object": frozenset({"execute", "execute_kw"}),
}

# Only these x2many commands may appear in created values: link existing records, never create or edit.
_LINK_COMMANDS = frozenset({4, 6})


class CreatedRecords:
    """The Odoo records the product created (and so may post notes on / submit / attach activities to).

    Filled by the gateway as it creates or finds records by marker; `lookup` (e.g. the outbox) answers
    for records created by an earlier process.
    """

    def __init__(self, lookup: Callable[[str, int], bool] | None = None) -> None:
        self._known: set[tuple[str, int]] = set()
        self._lookup = lookup
        self._lock = threading.Lock()

    def add(self, model: str, record_id: int) -> None:
        with self._lock:
            self._known.add((model, int(record_id)))

    def __contains__(self, item: tuple[str, int]) -> bool:
        model, record_id = item
        with self._lock:
            if (model, int(record_id)) in self._known:
                return True
        if self._lookup is not None and self._lookup(model, int(record_id)):
            self.add(model, record_id)
            return True
        return False


class AllowList:
    """Checks one call (model, method, args, kwargs) against invariant 2; raises WriteRefused."""

    def __init__(self, created: CreatedRecords | None = None, *, read_only: bool = False) -> None:
        self.created = created if created is not None else CreatedRecords()
        self.read_only = read_only
        # ir.model ids learnt by the gateway (mail.activity's res_model_id is an id, not a name).
        self.model_ids: dict[int, str] = {}

    # ------------------------------------------------------------------ calls
    def check_call(self, model: str, method: str, args: list[Any] | tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        if not isinstance(model, str) or not isinstance(method, str):
            raise WriteRefused("refused: malformed call")
        if method.startswith("_"):
            raise WriteRefused(f"refused: private method {model}.{method}")
        if method in READ_METHODS and method not in _NEVER:
            return
        if self.read_only:
            raise WriteRefused(f"refused: {model}.{method} (this connection is read-only)")
        if method == "create" and model in CREATE_MODELS:
            self._check_create(model, args, kwargs)
            return
        if method == "message_post" and model in NOTE_MODELS:
            self._check_message_post(model, args, kwargs)
            return
        if method in SUBMIT_METHODS.get(model, ()):
            self._check_ours(model, _ids_arg(args, model, method))
            return
        raise WriteRefused(
            f"refused: {model}.{method} is not on the allow-list (create helpdesk.ticket, create/submit "
            "approval.request, create mail.activity, message_post on records the product created)"
        )

    def _check_create(self, model: str, args: Any, kwargs: dict[str, Any]) -> None:
        vals_list = args[0] if args else kwargs.get("vals_list", kwargs.get("vals"))
        if isinstance(vals_list, dict):
            vals_list = [vals_list]
        if not isinstance(vals_list, list) or not vals_list or not all(isinstance(v, dict) for v in vals_list):
            raise WriteRefused(f"refused: {model}.create without values")
        for vals in vals_list:
            _check_no_nested_writes(model, vals)
            marker_fields = CREATE_MODELS[model]
            if not any(isinstance(vals.get(f), str) and MARKER_RE.search(vals[f]) for f in marker_fields):
                raise WriteRefused(
                    f"refused: {model}.create without the product's idempotency marker in {' or '.join(marker_fields)}"
                )
            if model == "mail.activity":
                self._check_activity_target(vals, kwargs)

    def _check_activity_target(self, vals: dict[str, Any], kwargs: dict[str, Any]) -> None:
        res_id = vals.get("res_id")
        res_model: str | None = None
        if "res_model_id" in vals:
            res_model = self.model_ids.get(vals["res_model_id"]) if isinstance(vals["res_model_id"], int) else None
        else:
            context = kwargs.get("context") or {}
            res_model = context.get("default_res_model") if isinstance(context, dict) else None
        if res_model not in ACTIVITY_TARGET_MODELS or not isinstance(res_id, int):
            raise WriteRefused("refused: mail.activity.create must target a ticket or approval the product created")
        self._check_ours(res_model, [res_id])

    def _check_message_post(self, model: str, args: Any, kwargs: dict[str, Any]) -> None:
        self._check_ours(model, _ids_arg(args, model, "message_post"))
        if kwargs.get("message_type", "comment") != "comment" or kwargs.get("subtype_xmlid") != "mail.mt_note":
            raise WriteRefused("refused: message_post must be an internal note (message_type comment, mail.mt_note)")
        if kwargs.get("partner_ids") or kwargs.get("attachment_ids") or kwargs.get("attachments"):
            raise WriteRefused("refused: message_post may not notify partners or attach files")
        if not MARKER_RE.search(str(kwargs.get("body") or "")):
            raise WriteRefused("refused: message_post without the product's idempotency marker in the body")

    def _check_ours(self, model: str, ids: Iterable[Any]) -> None:
        ids = list(ids)
        if not ids:
            raise WriteRefused(f"refused: {model} call without record ids")
        for record_id in ids:
            if not isinstance(record_id, int) or (model, record_id) not in self.created:
                raise WriteRefused(f"refused: {model}({record_id}) was not created by the product")

    # ------------------------------------------------------------------ wire level
    def check_jsonrpc(self, path: str, body: bytes | None) -> None:
        """Check one HTTP request as odoorpc is about to send it."""
        clean_path = path.split("?", 1)[0]
        if clean_path not in ALLOWED_PATHS:
            raise WriteRefused(f"refused: request to {clean_path} (only JSON-RPC /jsonrpc and version_info)")
        if clean_path != "/jsonrpc":
            return
        try:
            payload = json.loads(body or b"{}")
        except ValueError as exc:
            raise WriteRefused("refused: request body is not JSON") from exc
        params = payload.get("params") or {}
        service, method, args = params.get("service"), params.get("method"), params.get("args") or []
        if not isinstance(service, str) or method not in ALLOWED_SERVICE_METHODS.get(service, frozenset()):
            raise WriteRefused(f"refused: JSON-RPC {service}.{method}")
        if service != "object":
            return
        if len(args) < 5:
            raise WriteRefused("refused: malformed object call")
        model, obj_method = args[3], args[4]
        if method == "execute_kw":
            call_args = args[5] if len(args) > 5 else []
            call_kwargs = args[6] if len(args) > 6 else {}
        else:
            call_args, call_kwargs = list(args[5:]), {}
        if not isinstance(call_args, list) or not isinstance(call_kwargs, dict):
            raise WriteRefused("refused: malformed object call")
        self.check_call(model, obj_method, call_args, call_kwargs)


def _ids_arg(args: Any, model: str, method: str) -> list[Any]:
    if not args:
        raise WriteRefused(f"refused: {model}.{method} without record ids")
    ids = args[0]
    return ids if isinstance(ids, list) else [ids]


def _check_no_nested_writes(model: str, vals: dict[str, Any]) -> None:
    for field, value in vals.items():
        if isinstance(value, list) and value and all(isinstance(c, list | tuple) for c in value):
            for command in value:
                if not command or command[0] not in _LINK_COMMANDS:
                    raise WriteRefused(
                        f"refused: {model}.create with a nested write in {field} (only links to existing records)"
                    )
                if command[0] == 6 and (len(command) < 3 or not isinstance(command[2], list)):
                    raise WriteRefused(f"refused: malformed link command in {model}.{field}")
        elif isinstance(value, dict):
            raise WriteRefused(f"refused: {model}.create with a nested value in {field}")


class GuardHandler(urllib.request.BaseHandler):
    """urllib pre-processor: refuses a request before any byte is sent (the last line of defence)."""

    handler_order = 100  # before the cookie processor and the HTTP handlers

    def __init__(self, allowlist: AllowList) -> None:
        self.allowlist = allowlist

    def http_request(self, req: urllib.request.Request) -> urllib.request.Request:
        data = req.data if isinstance(req.data, bytes) else None
        self.allowlist.check_jsonrpc(req.selector, data)
        return req

    https_request = http_request


def guarded_opener(allowlist: AllowList) -> urllib.request.OpenerDirector:
    """The opener odoorpc uses: a cookie jar (as odoorpc's default) behind the allow-list guard."""
    from http.cookiejar import CookieJar

    return urllib.request.build_opener(GuardHandler(allowlist), urllib.request.HTTPCookieProcessor(CookieJar()))
