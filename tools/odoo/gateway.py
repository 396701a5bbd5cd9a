"""The Odoo gateway: one authenticated odoorpc session behind the allow-list.

It speaks JSON-RPC exactly as the recordings in shared/odoo-captures show odoorpc 0.10.1 doing it:
`/web/webclient/version_info`, `common.login`, `res.users.context_get`, then model calls through
`odoo.env[model]` (a `fields_get` on first use, then `execute_kw` with the user context) and raw
`execute`/`execute_kw` where the recordings show those (XML-id lookup, access-right probes).

Every call passes `AllowList.check_call` first, and the HTTP opener handed to odoorpc checks every
request body again, so nothing outside DESIGN invariant 2 can leave the process.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tools.odoo.allowlist import AllowList, CreatedRecords, guarded_opener
from tools.odoo.config import OdooTarget
from tools.odoo.editions import FieldMap, Helpdesk, field_map, helpdesk_from_modules, major_from_version
from tools.odoo.errors import ErrorInfo, OdooError, wrap

log = logging.getLogger(__name__)

DETECT_MODULES = ["helpdesk", "helpdesk_mgmt", "approvals", "base_tier_validation", "delivery"]
_quiet_lock = threading.Lock()
_quieted = False


class _DropRpcTraces(logging.Filter):
    """odoorpc logs whole request bodies at DEBUG: they hold the password (execute args) and record data."""

    def filter(self, record: logging.LogRecord) -> bool:
        return False


def _quiet_odoorpc_logs() -> None:
    global _quieted
    with _quiet_lock:
        if not _quieted:
            logging.getLogger("odoorpc.rpc.jsonrpclib").addFilter(_DropRpcTraces())
            _quieted = True


@dataclass
class ServerInfo:
    server_version: str
    server_serie: str
    major: int
    sandbox: bool
    uid: int = 0
    modules: dict[str, str] = field(default_factory=dict)  # installed module -> version
    helpdesk: Helpdesk = "none"
    approvals: bool = False
    carrier_tracking: bool = False  # `delivery` installed: stock.picking.carrier_tracking_ref exists


class OdooGateway:
    """Connects lazily; not thread-safe (one gateway per worker)."""

    def __init__(
        self,
        target: OdooTarget,
        *,
        created: CreatedRecords | None = None,
        read_only: bool = False,
    ) -> None:
        self.target = target
        self.allowlist = AllowList(created, read_only=read_only)
        self._odoo: Any = None
        self.info: ServerInfo | None = None
        self.fields: FieldMap | None = None
        self._cache: dict[tuple[Any, ...], Any] = {}

    # ------------------------------------------------------------------ connection
    @property
    def created(self) -> CreatedRecords:
        return self.allowlist.created

    @property
    def odoo(self) -> Any:
        """The underlying odoorpc.ODOO (its opener still enforces the allow-list)."""
        if self._odoo is None:
            self.connect()
        return self._odoo

    def connect(self) -> ServerInfo:
        """version_info, login, context_get (as recorded), then module detection."""
        import odoorpc
        from odoorpc.rpc import jsonrpclib

        _quiet_odoorpc_logs()
        t = self.target
        opener = guarded_opener(self.allowlist)
        try:
            proxy = jsonrpclib.ProxyJSON(t.host, t.port, t.timeout_s, ssl=t.protocol == "jsonrpc+ssl", opener=opener)
            answer = proxy("/web/webclient/version_info")
            if answer.get("error"):
                raise odoorpc.error.RPCError(answer["error"]["data"]["message"], answer["error"])
            version = answer["result"]
            odoo = odoorpc.ODOO(
                t.host,
                protocol=t.protocol,
                port=t.port,
                timeout=t.timeout_s,
                version=version["server_version"],
                opener=opener,
            )
            odoo.login(t.db, t.login, t.secret.get_secret_value())
        except Exception as exc:
            raise wrap(exc) from None
        self._odoo = odoo
        server_version = str(version.get("server_version", ""))
        self.info = ServerInfo(
            server_version=server_version,
            server_serie=str(version.get("server_serie", "")),
            major=major_from_version(server_version),
            sandbox=bool(version.get("sandbox")) or "sandbox" in server_version,
            uid=int(odoo.env.uid),
        )
        self._detect_modules()
        log.info(
            "odoo connected: %s %s helpdesk=%s approvals=%s%s",
            t.url,
            server_version,
            self.info.helpdesk,
            self.info.approvals,
            " (sandbox)" if self.info.sandbox else "",
        )
        return self.info

    def ensure_connected(self) -> ServerInfo:
        if self.info is None or self._odoo is None:
            return self.connect()
        return self.info

    def close(self) -> None:
        self._odoo = None
        self.info = None
        self._cache.clear()

    def _detect_modules(self) -> None:
        assert self.info is not None
        rows = self.search_read(
            "ir.module.module",
            [["name", "in", DETECT_MODULES], ["state", "=", "installed"]],
            ["name", "latest_version"],
        )
        modules = {r["name"]: r.get("latest_version") or "" for r in rows}
        self.info.modules = modules
        self.info.helpdesk = helpdesk_from_modules(set(modules))
        self.info.approvals = "approvals" in modules
        self.info.carrier_tracking = "delivery" in modules
        self.fields = field_map(self.info.helpdesk, self.info.major)

    @property
    def fieldmap(self) -> FieldMap:
        self.ensure_connected()
        assert self.fields is not None
        return self.fields

    # ------------------------------------------------------------------ low level
    def call(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        """A model method through odoo.env (fields_get on first use, user context added), allow-listed."""
        self.allowlist.check_call(model, method, list(args), kwargs)
        odoo = self.odoo
        try:
            return getattr(odoo.env[model], method)(*args, **kwargs)
        except Exception as exc:
            raise wrap(exc) from None

    def execute_kw(self, model: str, method: str, args: list[Any], kwargs: dict[str, Any] | None = None) -> Any:
        """Raw execute_kw (no fields_get, no added context), allow-listed."""
        self.allowlist.check_call(model, method, args, kwargs or {})
        odoo = self.odoo
        try:
            return odoo.execute_kw(model, method, args, kwargs or {})
        except Exception as exc:
            raise wrap(exc) from None

    def execute(self, model: str, method: str, *args: Any) -> Any:
        """Raw execute, allow-listed."""
        self.allowlist.check_call(model, method, list(args), {})
        odoo = self.odoo
        try:
            return odoo.execute(model, method, *args)
        except Exception as exc:
            raise wrap(exc) from None

    # ------------------------------------------------------------------ reads
    def search_read(self, model: str, domain: list[Any], fields: list[str], **kwargs: Any) -> list[dict[str, Any]]:
        return list(self.call(model, "search_read", domain, fields, **kwargs))

    def read(self, model: str, ids: list[int], fields: list[str]) -> list[dict[str, Any]]:
        return list(self.call(model, "read", ids, fields))

    def search(self, model: str, domain: list[Any], **kwargs: Any) -> list[int]:
        return list(self.call(model, "search", domain, **kwargs))

    def model_fields(self, model: str) -> set[str]:
        """Field names of a model (from the fields_get odoorpc does on first use)."""
        odoo = self.odoo
        try:
            return set(odoo.env[model]._columns)
        except Exception as exc:
            raise wrap(exc) from None

    def can(self, model: str, operation: str) -> bool | None:
        """Model-level access right of the connected user; None when the model does not exist."""
        fm = self.fieldmap
        try:
            if fm.rights_method == "has_access":
                return bool(self.execute_kw(model, "has_access", [[], operation], {}))
            return bool(self.execute_kw(model, "check_access_rights", [operation], {"raise_exception": False}))
        except OdooError as exc:
            if exc.code == "missing_model":
                return None
            if exc.code == "validation" and fm.rights_method == "check_access_rights":
                # a 19 without check_access_rights: fall back to has_access
                return bool(self.execute_kw(model, "has_access", [[], operation], {}))
            raise

    def _cached(self, key: tuple[Any, ...], load: Any) -> Any:
        if key not in self._cache:
            self._cache[key] = load()
        return self._cache[key]

    def team_id(self, name: str) -> int | None:
        model = self.fieldmap.team_model

        def load() -> int | None:
            rows = self.search_read(model, [["name", "=", name]], ["name"])
            return int(rows[0]["id"]) if rows else None

        return self._cached(("team", name), load)

    def tag_ids(self, names: Iterable[str]) -> list[int]:
        wanted = sorted({n for n in names if n})
        if not wanted:
            return []
        model = self.fieldmap.tag_model
        missing = [n for n in wanted if ("tag", n) not in self._cache]
        if missing:
            rows = self.search_read(model, [["name", "in", missing]], ["name"])
            found = {r["name"]: int(r["id"]) for r in rows}
            for n in missing:
                self._cache[("tag", n)] = found.get(n)
        return sorted({self._cache[("tag", n)] for n in wanted if self._cache[("tag", n)]})

    def user_id(self, login: str) -> int | None:
        def load() -> int | None:
            rows = self.search_read("res.users", [["login", "=", login]], ["login"])
            return int(rows[0]["id"]) if rows else None

        return self._cached(("user", login), load)

    def account_manager(self, partner_id: int) -> int | None:
        """The salesperson (res.partner.user_id) of the partner or of its company."""

        def load() -> int | None:
            rows = self.read("res.partner", [partner_id], ["user_id", "commercial_partner_id"])
            if not rows:
                return None
            user = rows[0].get("user_id")
            if user:
                return int(user[0] if isinstance(user, list) else user)
            company = rows[0].get("commercial_partner_id")
            company_id = int(company[0] if isinstance(company, list) else company) if company else None
            if company_id and company_id != partner_id:
                return self.account_manager(company_id)
            return None

        return self._cached(("account_manager", partner_id), load)

    def model_id(self, model: str) -> int | None:
        """ir.model id of a model (as recorded: ir.model search); None when the user may not read ir.model."""

        def load() -> int | None:
            try:
                ids = self.search("ir.model", [["model", "=", model]])
            except OdooError as exc:
                if exc.code == "access_denied":
                    return None
                raise
            return int(ids[0]) if ids else None

        found = self._cached(("ir.model", model), load)
        if found:
            self.allowlist.model_ids[int(found)] = model
        return found

    def xmlid(self, module: str, name: str) -> int | None:
        def load() -> int | None:
            try:
                result = self.execute("ir.model.data", "check_object_reference", module, name, True)
            except OdooError as exc:
                if exc.code in ("validation", "access_denied", "missing_record"):
                    return None
                raise
            return int(result[1]) if result and result[1] else None

        return self._cached(("xmlid", module, name), load)

    def approval_category_id(self, name: str) -> int | None:
        def load() -> int | None:
            rows = self.search_read(self.fieldmap.approval_category_model, [["name", "=", name]], ["name"])
            return int(rows[0]["id"]) if rows else None

        return self._cached(("approval.category", name), load)

    # ------------------------------------------------------------------ marker searches
    def _verify(self, model: str, rows: list[dict[str, Any]], marker: str, shown: str, other: str) -> list[int]:
        """Exact, case-sensitive marker check: ilike treats _ and % as wildcards and ignores case."""
        hits = [int(r["id"]) for r in rows if marker in str(r.get(shown) or "")]
        rest = [int(r["id"]) for r in rows if int(r["id"]) not in hits]
        if rest:
            for r in self.read(model, rest, [other]):
                if marker in str(r.get(other) or ""):
                    hits.append(int(r["id"]))
        for record_id in hits:
            self.created.add(model, record_id)
        return sorted(hits)

    def find_ticket(self, marker: str) -> list[int]:
        fm = self.fieldmap
        rows = self.search_read(
            fm.ticket_model,
            ["|", ["name", "ilike", marker], ["description", "ilike", marker]],
            [fm.ticket_number_field, "name"],
        )
        return self._verify(fm.ticket_model, rows, marker, "name", "description")

    def find_approval(self, marker: str) -> list[dict[str, Any]]:
        fm = self.fieldmap
        rows = self.search_read(
            fm.approval_model,
            ["|", ["name", "ilike", marker], ["reason", "ilike", marker]],
            ["name", fm.approval_status_field],
        )
        ids = set(self._verify(fm.approval_model, rows, marker, "name", "reason"))
        return sorted((r for r in rows if int(r["id"]) in ids), key=lambda r: int(r["id"]))

    def find_activity(self, res_model: str, res_id: int, marker: str) -> list[int]:
        rows = self.search_read(
            "mail.activity",
            [["res_model", "=", res_model], ["res_id", "=", res_id], ["note", "ilike", marker]],
            ["note"],
        )
        return sorted(int(r["id"]) for r in rows if marker in str(r.get("note") or ""))

    def find_message(self, res_model: str, res_id: int, marker: str) -> list[int]:
        rows = self.search_read(
            "mail.message",
            [["model", "=", res_model], ["res_id", "=", res_id], ["body", "ilike", marker]],
            ["body"],
        )
        return sorted(int(r["id"]) for r in rows if marker in str(r.get("body") or ""))

    # ------------------------------------------------------------------ the allow-listed writes
    def create_ticket(self, vals: dict[str, Any]) -> int:
        model = self.fieldmap.ticket_model
        record_id = int(self.call(model, "create", vals))
        self.created.add(model, record_id)
        return record_id

    def create_approval(self, vals: dict[str, Any]) -> int:
        model = self.fieldmap.approval_model
        record_id = int(self.call(model, "create", vals))
        self.created.add(model, record_id)
        return record_id

    def submit_approval(self, record_id: int) -> None:
        fm = self.fieldmap
        self.call(fm.approval_model, fm.approval_submit_method, [record_id])

    def create_activity(
        self,
        res_model: str,
        res_id: int,
        *,
        summary: str,
        note: str,
        user_id: int | None,
        deadline: date,
        activity_type_id: int | None = None,
    ) -> int:
        vals: dict[str, Any] = {}
        res_model_id = self.model_id(res_model)
        if res_model_id:
            vals["res_model_id"] = res_model_id
        vals["res_id"] = res_id
        if activity_type_id:
            vals["activity_type_id"] = activity_type_id
        if user_id:
            vals["user_id"] = user_id
        vals["summary"] = summary
        vals["note"] = note
        vals["date_deadline"] = deadline.isoformat()
        if res_model_id:
            return int(self.call("mail.activity", "create", vals))
        # The user may not read ir.model: let Odoo resolve the model from the context, as its web client does.
        context = dict(self.odoo.env.context, default_res_model=res_model, default_res_id=res_id)
        return int(self.call("mail.activity", "create", vals, context=context))

    def post_note(self, res_model: str, res_id: int, body: str) -> int:
        return int(
            self.call(
                res_model, "message_post", [res_id], body=body, message_type="comment", subtype_xmlid="mail.mt_note"
            )
        )

    # ------------------------------------------------------------------ guards used by callers


def not_configured(message: str) -> OdooError:
    return OdooError(ErrorInfo("not_configured", False, message))
