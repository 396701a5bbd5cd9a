"""The Odoo behaviour the sandbox emulates: services, authentication, access rights, model methods.

Answers and error objects follow the recordings (17.0 / 18.0 with OCA helpdesk_mgmt): result shapes
(many2one as [id, display_name], `read` of a missing id returning [], `create` of a list returning a
list, `activity_schedule` returning the string "mail.activity(2,)"), and errors with Odoo's exception
names and messages (ValidationError for a missing required field, ValueError for a bad selection or
field, MissingError, AccessError for rights and private methods, UserError for a missing model,
AccessDenied for a wrong password, psycopg2.OperationalError for a wrong database).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from agents.clock import SystemClock
from agents.ports import Clock
from tools.odoo.sandbox.domain import DomainError, Evaluator
from tools.odoo.sandbox.models import Edition, ModelSpec, build_models, fields_get
from tools.odoo.sandbox.seed import bridge_to_ops_more, ops_more_result, seed, stamp
from tools.odoo.sandbox.state import SandboxState
from tools.odoo.sandbox.stock import StockMethods

ADMIN_UID = 2


class OdooFault(Exception):
    """An error Odoo would answer with: name (e.g. odoo.exceptions.AccessError) and message."""

    def __init__(self, name: str, message: str, *, code: int = 200, http_message: str = "Odoo Server Error") -> None:
        super().__init__(message)
        self.name = name
        self.message = message
        self.code = code
        self.http_message = http_message

    def error_object(self) -> dict[str, Any]:
        short = self.name.split(".", 1)[1] if self.name.startswith("builtins.") else self.name
        lines = [ln for ln in self.message.splitlines() if ln.strip()]
        if self.name == "builtins.KeyError":
            last = f"KeyError: {self.message!r}"
        elif len(lines) <= 1:
            last = f"{short}: {self.message.strip()}"
        else:
            last = lines[-1]
        return {
            "code": self.code,
            "message": self.http_message,
            "data": {
                "name": self.name,
                "debug": "Traceback (most recent call last):\n  ... (server frames omitted)\n" + last,
                "message": self.message,
                "arguments": [self.message],
                "context": {},
            },
        }


def user_error(msg: str) -> OdooFault:
    return OdooFault("odoo.exceptions.UserError", msg)


def access_error(msg: str) -> OdooFault:
    return OdooFault("odoo.exceptions.AccessError", msg)


def missing(model: str, rid: Any, uid: int) -> OdooFault:
    return OdooFault(
        "odoo.exceptions.MissingError",
        f"Record does not exist or has been deleted.\n(Record: {model}({rid},), User: {uid})",
    )


def activity_state(deadline: Any, today: date) -> str:
    """Odoo's rule for mail.activity `state` (and a record's `activity_state`): the deadline against the
    user's today (users here have no time zone, so UTC). A missing deadline counts as today."""
    day = date.fromisoformat(str(deadline)[:10]) if deadline else today
    return "overdue" if day < today else "today" if day == today else "planned"


def value_error(msg: str) -> OdooFault:
    return OdooFault("builtins.ValueError", msg)


# Groups Odoo names in its ACL errors, per model (what the recordings show).
GROUPS = {
    "helpdesk.ticket": {
        "create": ["Helpdesk/Helpdesk Manager", "Helpdesk/User", "Helpdesk/User: Personal tickets"],
        "unlink": ["Helpdesk/Helpdesk Manager"],
    },
    "stock.picking": {
        "*": [
            "Inventory/Administrator",
            "Inventory/User",
            "Invoicing/Invoicing",
            "Purchase/Administrator",
            "Purchase/User",
            "Sales/Administrator",
            "Sales/User: Own Documents Only",
            "Technical/Show Accounting Features - Readonly",
            "User types/Portal",
        ],
    },
    "stock.location": {"create": ["Inventory/Administrator"]},  # n32: a stock user creating a warehouse
    # not recorded (no recorded user lacks them): the stock groups, in the recorded message format
    "stock.quant": {"*": ["Inventory/Administrator", "Inventory/User"]},
    "stock.warehouse": {"*": ["Inventory/Administrator", "Inventory/User"]},
    "ir.model": {"*": ["Administration/Access Rights"]},
    "res.company": {"*": ["Administration/Access Rights"]},
}
VERB = {"read": "access", "create": "create", "write": "modify", "unlink": "delete"}

_LIMITED_READ = {
    "res.partner",
    "res.users",
    "res.company",
    "res.country",
    "res.currency",
    "res.partner.category",
    "ir.module.module",
    "ir.model.data",
    "mail.activity.type",
    "mail.activity",
    "mail.message",
    "mail.followers",
    "helpdesk.ticket",
    "helpdesk.ticket.team",
    "helpdesk.ticket.tag",
    "helpdesk.ticket.stage",
    "helpdesk.ticket.category",
    "helpdesk.team",
    "helpdesk.tag",
    "helpdesk.stage",
    "product.product",
}
_SUPERVISOR_WRITE = {
    "helpdesk.ticket",
    "helpdesk.ticket.team",
    "helpdesk.ticket.tag",
    "helpdesk.ticket.category",
    "helpdesk.ticket.stage",
    "helpdesk.team",
    "helpdesk.tag",
    "helpdesk.stage",
    "mail.activity",
    "mail.message",
    "mail.followers",
    "approval.request",
    "stock.picking",
    "res.partner",
}


# The recorded `triage-bot` (n28-n32): Inventory/User + Sales/User + Purchase/User.
_STOCK_USER_READ = _LIMITED_READ | {
    "stock.picking",
    "stock.move",
    "stock.quant",
    "stock.warehouse",
    "stock.location",
    "uom.uom",
    "sale.order",
    "purchase.order",
    "delivery.carrier",
    "crm.team",
}
_STOCK_USER_CREATE = {"stock.quant", "stock.warehouse", "mail.activity", "mail.message", "mail.followers"}
# A sales-only user (not recorded): transfers and orders readable, quants and warehouses not.
_SALES_USER_READ = _STOCK_USER_READ - {"stock.quant", "stock.warehouse", "stock.location"}
STOCK_USERS = {"triage-bot"}
SALES_USERS = {"am.lena"}


class Emulator(StockMethods):
    def __init__(
        self,
        state: SandboxState,
        edition: Edition = "community",
        major: int = 17,
        db: str = "sandbox",
        clock: Clock | None = None,
        scenario: str = "ops",
    ) -> None:
        self.state = state
        self.edition = edition
        self.major = major
        self.db = db
        # "Today" for activity states and deadlines, and the time of write stamps: the real clock in the
        # demo, a test's clock in tests, the recordings' own date when they are replayed.
        self.clock: Clock = clock or SystemClock()
        self.context: dict[str, Any] = {}  # the context of the call being answered (under the state lock)
        self.models: dict[str, ModelSpec] = build_models(edition, major)
        self.evaluator = Evaluator(self.models, state.get, self._ancestors, self._value)
        if state.empty:
            seed(state, edition, major, self.models, at=self.clock.now())
            if scenario == "ops-more":  # the operating scenario: S00002 and replacement stock in Reno DC
                bridge_to_ops_more(state, major, at=self.clock.now())
                ops_more_result(state, major, at=self.clock.now())
            elif scenario != "ops":
                raise ValueError(f"unknown sandbox scenario {scenario!r} (ops | ops-more)")

    # ------------------------------------------------------------------ services
    def version_info(self) -> dict[str, Any]:
        return {
            "server_version": f"{self.major}.0-sandbox",
            "server_version_info": [self.major, 0, 0, "final", 0, "sandbox"],
            "server_serie": f"{self.major}.0",
            "protocol_version": 1,
            "sandbox": True,
            "edition": self.edition,
        }

    def dispatch(self, service: Any, method: Any, args: list[Any]) -> Any:
        if service == "db":
            if method == "list":
                return [self.db]
            if method == "server_version":
                return self.version_info()["server_version"]
            raise access_error("Database management is disabled in the sandbox.")
        if service == "common":
            if method == "version":
                return {k: v for k, v in self.version_info().items() if k != "edition"}
            if method in ("login", "authenticate"):
                return self._login(*args[:3]) or False
            raise OdooFault("builtins.AttributeError", f"The method '{method}' does not exist")
        if service == "object":
            if method not in ("execute", "execute_kw"):
                raise OdooFault("builtins.AttributeError", f"The method '{method}' does not exist")
            db, uid, password, model, obj_method = args[:5]
            self._check_db(db)
            self._authenticate(uid, password)
            if method == "execute_kw":
                call_args = args[5] if len(args) > 5 else []
                call_kwargs = args[6] if len(args) > 6 else {}
            else:
                call_args, call_kwargs = list(args[5:]), {}
            return self.call(int(uid), model, obj_method, list(call_args or []), dict(call_kwargs or {}))
        raise OdooFault("builtins.KeyError", str(service))

    def _check_db(self, db: Any) -> None:
        if db != self.db:
            raise OdooFault(
                "psycopg2.OperationalError",
                f'connection to server at "127.0.0.1", port 5432 failed: FATAL:  database "{db}" does not exist\n',
            )

    def _login(self, db: Any, login: Any, password: Any) -> int | None:
        self._check_db(db)
        user = next((u for u in self.state.all("res.users") if u["login"] == login and u.get("active", True)), None)
        if user is None:
            return None
        return int(user["id"]) if self._secret_ok(user["login"], password) else None

    def _secret_ok(self, login: str, secret: Any) -> bool:
        passwords = self.state.meta.get("passwords", {})
        keys = self.state.meta.get("api_keys", {})
        return bool(secret) and (passwords.get(login) == secret or keys.get(secret) == login)

    def _authenticate(self, uid: Any, password: Any) -> None:
        user = self.state.get("res.users", uid) if isinstance(uid, int) else None
        if user is None:
            raise missing("res.users", uid, uid if isinstance(uid, int) else 0)
        if not self._secret_ok(user["login"], password):
            raise OdooFault("odoo.exceptions.AccessDenied", "Access Denied")

    def login_of(self, uid: int) -> str:
        user = self.state.get("res.users", uid)
        return str(user["login"]) if user else ""

    # ------------------------------------------------------------------ access rights
    def _acl(self, uid: int, model: str, op: str) -> bool:
        login = self.login_of(uid)
        if uid == ADMIN_UID or login == "admin":
            return True
        if login == "supervisor":
            if model == "ir.model":
                return False
            return op == "read" or model in _SUPERVISOR_WRITE
        if login in STOCK_USERS:
            return model in _STOCK_USER_READ if op == "read" else op == "create" and model in _STOCK_USER_CREATE
        if login in SALES_USERS:
            if op == "read":
                return model in _SALES_USER_READ
            return model in ("mail.activity", "mail.message", "mail.followers") and op == "create"
        # any other user: an internal user without app rights (the recorded `limited`)
        if op == "read":
            return model in _LIMITED_READ
        return model in ("mail.activity", "mail.message", "mail.followers") and op == "create"

    def _acl_message(self, model: str, op: str) -> str:
        groups = GROUPS.get(model, {})
        names = groups.get(op) or groups.get("*") or ["Administration/Settings"]
        # the accounting group was renamed between 17 ("Billing") and 18 ("Invoicing")
        names = [n.replace("Invoicing/Invoicing", "Invoicing/Billing") if self.major <= 17 else n for n in names]
        desc = self.models[model].description
        listing = "".join(f"\n\t- {g}" for g in names)
        return (
            f"You are not allowed to {VERB.get(op, op)} '{desc}' ({model}) records.\n\n"
            f"This operation is allowed for the following groups:{listing}\n\n"
            "Contact your administrator to request access if necessary."
        )

    def check_acl(self, uid: int, model: str, op: str) -> None:
        if not self._acl(uid, model, op):
            # with no access at all, Odoo reports the read right first (recorded e13: a write -> "access")
            shown = "read" if op in ("write", "unlink") and not self._acl(uid, model, "read") else op
            raise access_error(self._acl_message(model, shown))

    def _restricted(self, uid: int, model: str) -> bool:
        """Record rules: a user without helpdesk rights sees only the tickets they follow."""
        return model == "helpdesk.ticket" and self.login_of(uid) not in ("admin", "supervisor") and uid != ADMIN_UID

    def _follows(self, uid: int, model: str, rid: int) -> bool:
        user = self.state.get("res.users", uid)
        return user is not None and user["partner_id"] in self._followers(model, rid)

    def _rule_error(self, uid: int, model: str, op: str) -> OdooFault:
        user = self.state.get("res.users", uid) or {}
        desc = self.models[model].description
        return access_error(
            "Uh-oh! Looks like you have stumbled upon some top-secret records.\n\n"
            f"Sorry, {user.get('name')} (id={uid}) doesn't have '{op}' access to:\n- {desc} ({model})\n\n"
            "If you really, really need access, perhaps you can win over your friendly administrator with a batch "
            "of freshly baked cookies."
        )

    def _security_error(self, uid: int, desc: str, op: str, rid: int) -> OdooFault:
        head = (
            "The requested operation cannot be completed due to security restrictions. Please contact your "
            "system administrator.\n\n"
        )
        if self.major >= 18:
            return access_error(f"{head}(Document type: {desc}, Operation: {op})\n\nRecords: [{rid}], User: {uid}")
        return access_error(f"{head}(Document type: {desc}, Operation: {op}) - (Records: [{rid}], User: {uid})")

    # ------------------------------------------------------------------ model calls
    def call(self, uid: int, model: str, method: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        if model not in self.models:
            raise user_error(f"Object {model} doesn't exist")
        if method.startswith("_"):
            label = f"'{model}.{method}'" if self.major >= 18 else method
            raise access_error(f"Private methods (such as {label}) cannot be called remotely.")
        kwargs = {k: v for k, v in kwargs.items() if k != "context"} | {"_context": kwargs.get("context") or {}}
        self.context = dict(kwargs["_context"]) if isinstance(kwargs["_context"], dict) else {}
        handler = getattr(self, f"m_{method}", None)
        spec = self.models[model]
        allowed = handler is not None and self._method_exists(spec, method)
        if not allowed:
            text = (
                f"The method '{model}.{method}' does not exist"
                if self.major >= 18
                else f"The method '{method}' does not exist on the model '{model}'"
            )
            raise OdooFault("builtins.AttributeError", text)
        assert handler is not None
        try:
            return handler(uid, model, *args, **kwargs)
        except TypeError as exc:
            raise OdooFault("builtins.TypeError", str(exc)) from None

    def _method_exists(self, spec: ModelSpec, method: str) -> bool:
        specific = {
            "context_get": spec.name == "res.users",
            "check_object_reference": spec.name == "ir.model.data",
            "action_confirm": spec.name == "approval.request",
            "message_post": spec.has_mail,
            "activity_schedule": spec.has_mail,
            "has_access": self.major >= 18,
            "check_access_rights": self.major <= 18,  # deprecated in 18, gone in 19
            "name_get": self.major <= 17,
            "action_apply_inventory": spec.name == "stock.quant",
            "action_clear_inventory_quantity": spec.name == "stock.quant",
        }
        return specific.get(method, True)

    # reads ------------------------------------------------------------
    def m_fields_get(
        self,
        uid: int,
        model: str,
        allfields: list[str] | None = None,
        attributes: list[str] | None = None,
        _context: Any = None,
    ) -> dict[str, Any]:
        return fields_get(self.models[model], self.major, allfields, attributes)

    def m_search(
        self,
        uid: int,
        model: str,
        domain: list[Any] | None = None,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        count: bool = False,
        _context: Any = None,
    ) -> Any:
        ids = self._search(uid, model, domain or [], offset, limit, order)
        return len(ids) if count else ids

    def m_search_count(
        self, uid: int, model: str, domain: list[Any] | None = None, limit: int | None = None, _context: Any = None
    ) -> int:
        return len(self._search(uid, model, domain or [], 0, limit, None))

    def m_search_read(
        self,
        uid: int,
        model: str,
        domain: list[Any] | None = None,
        fields: list[str] | None = None,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        _context: Any = None,
    ) -> list[dict[str, Any]]:
        ids = self._search(uid, model, domain or [], offset, limit, order)
        return self._read(uid, model, ids, fields, "_classic_read", check=False)

    def m_read(
        self,
        uid: int,
        model: str,
        ids: Any = None,
        fields: list[str] | None = None,
        load: str = "_classic_read",
        _context: Any = None,
    ) -> list[dict[str, Any]]:
        ids = [ids] if isinstance(ids, int) else list(ids or [])
        return self._read(uid, model, ids, fields, load, check=True)

    def m_name_search(
        self,
        uid: int,
        model: str,
        name: str = "",
        args: list[Any] | None = None,
        operator: str = "ilike",
        limit: int = 100,
        _context: Any = None,
    ) -> list[list[Any]]:
        spec = self.models[model]
        domain = list(args or [])
        if name:
            domain = [*(["&"] if domain else []), *domain, [spec.rec_name, operator, name]]
        ids = self._search(uid, model, domain, 0, limit, None)
        return [[rid, self._display(model, self.state.get(model, rid) or {})] for rid in ids]

    def m_name_get(self, uid: int, model: str, ids: list[int], _context: Any = None) -> list[list[Any]]:
        self.check_acl(uid, model, "read")
        return [[rid, self._display(model, rec)] for rid in ids if (rec := self.state.get(model, rid))]

    def m_default_get(self, uid: int, model: str, fields: list[str], _context: Any = None) -> dict[str, Any]:
        spec = self.models[model]
        return {f: spec.fields[f].default for f in fields if f in spec.fields and spec.fields[f].default is not None}

    def m_check_access_rights(
        self, uid: int, model: str, operation: str, raise_exception: bool = True, _context: Any = None
    ) -> bool:
        if self._acl(uid, model, operation):
            return True
        if raise_exception:
            raise access_error(self._acl_message(model, operation))
        return False

    def m_has_access(self, uid: int, model: str, ids: list[int], operation: str, _context: Any = None) -> bool:
        if not self._acl(uid, model, operation):
            return False
        if ids and self._restricted(uid, model):
            return all(self._follows(uid, model, rid) for rid in ids)
        return True

    def m_context_get(self, uid: int, model: str, _context: Any = None) -> dict[str, Any]:
        return {"lang": "en_US", "tz": False, "uid": uid}

    def m_check_object_reference(
        self, uid: int, model: str, module: str, xml_id: str, raise_on_access_error: bool = False, _context: Any = None
    ) -> list[Any]:
        for rec in self.state.all("ir.model.data"):
            if rec["module"] == module and rec["name"] == xml_id:
                return [rec["model"], rec["res_id"]]
        raise value_error(f"External ID not found in the system: {module}.{xml_id}")

    # writes -----------------------------------------------------------
    def m_create(self, uid: int, model: str, vals_list: Any = None, _context: Any = None) -> Any:
        self.check_acl(uid, model, "create")
        if isinstance(vals_list, dict):
            return self._create(uid, model, vals_list, _context or {})
        if not isinstance(vals_list, list):
            raise value_error("create() expects a dict or a list of dicts")
        return [self._create(uid, model, vals, _context or {}) for vals in vals_list]

    def m_write(self, uid: int, model: str, ids: Any, vals: dict[str, Any], _context: Any = None) -> bool:
        self.check_acl(uid, model, "write")
        ids = [ids] if isinstance(ids, int) else list(ids)
        for rid in ids:
            if self.state.get(model, rid) is None:
                raise missing(model, rid, uid)
        for rid in ids:
            values = dict(vals)
            if model == "res.users" and "password" in values:
                login = self.state.get(model, rid)["login"]
                self.state.set_meta(
                    "passwords", {**self.state.meta.get("passwords", {}), login: values.pop("password")}
                )
            if values:
                self.state.update(
                    model,
                    rid,
                    self._convert(uid, model, values, creating=False) | {"write_date": stamp(self.clock.now())},
                )
        return True

    def m_unlink(self, uid: int, model: str, ids: Any, _context: Any = None) -> bool:
        self.check_acl(uid, model, "unlink")
        for rid in [ids] if isinstance(ids, int) else list(ids):
            self.state.delete(model, rid)
        return True

    def m_message_post(
        self,
        uid: int,
        model: str,
        ids: Any,
        body: str = "",
        message_type: str = "notification",
        subtype_xmlid: str | None = None,
        email_from: str | None = None,
        _context: Any = None,
        **extra: Any,
    ) -> int:
        ids = [ids] if isinstance(ids, int) else list(ids)
        rid = ids[0]
        record = self.state.get(model, rid)
        if record is None:
            raise missing(model, rid, uid)
        user = self.state.get("res.users", uid) or {}
        if not email_from and not user.get("email"):
            raise user_error("Unable to send message, please configure the sender's email address.")
        if self._restricted(uid, model) and not self._follows(uid, model, rid):
            next_id = self.state.sequences.get("mail.message", 1)
            raise self._security_error(uid, "Message", "create", next_id)
        return self._add_message(model, rid, body, message_type, subtype_xmlid, user.get("partner_id"))

    def m_activity_schedule(
        self,
        uid: int,
        model: str,
        ids: Any,
        act_type_xmlid: str = "",
        date_deadline: str | None = None,
        summary: str = "",
        note: str = "",
        user_id: int | None = None,
        _context: Any = None,
    ) -> str:
        ids = [ids] if isinstance(ids, int) else list(ids)
        type_id = None
        if act_type_xmlid and "." in act_type_xmlid:
            module, name = act_type_xmlid.split(".", 1)
            type_id = self.m_check_object_reference(uid, "ir.model.data", module, name)[1]
        model_id = self._ir_model_id(model)
        created = []
        for rid in ids:
            vals = {
                "res_model_id": model_id,
                "res_id": rid,
                "activity_type_id": type_id,
                "summary": summary,
                "note": note,
                "date_deadline": date_deadline or self.clock.now().date().isoformat(),
                "user_id": user_id or uid,
            }
            created.append(self._create(uid, "mail.activity", vals, {}))
        return f"mail.activity({','.join(str(i) for i in created)},)"

    def m_action_confirm(self, uid: int, model: str, ids: Any, _context: Any = None) -> None:
        self.check_acl(uid, model, "write")
        for rid in [ids] if isinstance(ids, int) else list(ids):
            rec = self.state.get(model, rid)
            if rec is None:
                raise missing(model, rid, uid)
            if rec.get("request_status") not in ("new", False, None):
                raise user_error("You can only submit a request that has not been submitted yet.")
            self.state.update(model, rid, {"request_status": "pending", "write_date": stamp(self.clock.now())})
        return None

    # ------------------------------------------------------------------ internals: create
    def _ir_model_id(self, model: str) -> int | None:
        return next((int(r["id"]) for r in self.state.all("ir.model") if r["model"] == model), None)

    def _convert(self, uid: int, model: str, vals: dict[str, Any], *, creating: bool) -> dict[str, Any]:
        spec = self.models[model]
        out: dict[str, Any] = {}
        for name, value in vals.items():
            f = spec.fields.get(name)
            if f is None:
                raise value_error(f"Invalid field {name!r} on model {model!r}")
            if f.type == "many2one":
                if value and self.state.get(f.relation or "", int(value)) is None:
                    raise missing(f.relation or "", value, uid)
                out[name] = int(value) if value else False
            elif f.type in ("one2many", "many2many"):
                out[name] = self._commands(uid, model, name, f.relation or "", value, [] if creating else None)
            elif f.type == "selection" and value is not False and value is not None:
                allowed = {k for k, _ in (f.selection or ())}
                if allowed and value not in allowed:
                    raise value_error(f"Wrong value for {model}.{name}: {value!r}")
                out[name] = value
            else:
                out[name] = value
        return out

    def _commands(
        self, uid: int, model: str, field: str, relation: str, value: Any, current: list[int] | None
    ) -> list[int]:
        ids = list(current or [])
        if not value:
            return ids
        for cmd in value:
            if isinstance(cmd, int):  # a bare list of ids
                ids.append(cmd)
                continue
            op = cmd[0]
            if op == 6:
                ids = [int(i) for i in cmd[2]]
            elif op == 4:
                ids.append(int(cmd[1]))
            elif op == 3:
                ids = [i for i in ids if i != cmd[1]]
            elif op == 5:
                ids = []
            elif op == 0:
                ids.append(self._create(uid, relation, dict(cmd[2]), {}))
            else:
                raise value_error(f"Unsupported command {op} for {model}.{field}")
        for rid in ids:
            if self.state.get(relation, rid) is None:
                raise missing(relation, rid, uid)
        return sorted(set(ids), key=ids.index)

    def _required_error(self, model: str, field: str) -> OdooFault:
        spec = self.models[model]
        f = spec.fields[field]
        return OdooFault(
            "odoo.exceptions.ValidationError",
            "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n"
            "- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"
            f"Model: {spec.description} ({model})\nField: {f.string} ({field})\n",
        )

    def _create(self, uid: int, model: str, vals: dict[str, Any], context: dict[str, Any]) -> int:
        spec = self.models[model]
        vals = dict(vals)
        for key, value in (context or {}).items():
            if key.startswith("default_") and key[8:] not in vals:
                vals[key[8:]] = value
        if model == "mail.activity" and "res_model" in vals and "res_model_id" not in vals:
            vals["res_model_id"] = self._ir_model_id(str(vals.pop("res_model")))
        special = self.stock_create(uid, model, vals, context or {})
        if special is not None:
            return special
        converted = self._convert(uid, model, vals, creating=True)
        now = stamp(self.clock.now())
        record: dict[str, Any] = {"id": 0, "create_date": now, "write_date": now, "create_uid": uid}
        for name, f in spec.fields.items():
            if name in ("display_name", "create_date", "write_date", "create_uid") or not f.store:
                continue
            if f.type in ("one2many",):
                continue
            record[name] = f.default if f.default is not None else ([] if f.type == "many2many" else False)
        record.update(converted)
        self._model_defaults(uid, model, record)
        for name, f in spec.fields.items():
            if f.required and f.store and record.get(name) in (False, None, "") and name not in ("create_uid",):
                raise self._required_error(model, name)
        if model == "mail.activity":
            self._activity_checks(uid, record)
        record["id"] = self.state.next_id(model)
        self.state.put(model, record)
        self._after_create(uid, model, record)
        return int(record["id"])

    def _model_defaults(self, uid: int, model: str, record: dict[str, Any]) -> None:
        if model == "helpdesk.ticket":
            record["user_id"] = record.get("user_id") or uid  # default_get / auto-assign to the calling user
            record["stage_id"] = record.get("stage_id") or 1
            record["company_id"] = record.get("company_id") or 1
            seq = int(self.state.meta.get("ticket_seq", 0)) + 1
            self.state.set_meta("ticket_seq", seq)
            if self.edition == "community":
                record["number"] = f"HT{seq:05d}"
            else:
                record["ticket_ref"] = str(seq)
        elif model == "approval.request":
            record["request_owner_id"] = record.get("request_owner_id") or uid
            record["request_status"] = record.get("request_status") or "new"
            record["company_id"] = record.get("company_id") or 1
        elif model == "mail.activity":
            record["user_id"] = record.get("user_id") or uid
            ir_model = self.state.get("ir.model", record.get("res_model_id") or 0)
            record["res_model"] = ir_model["model"] if ir_model else False

    def _activity_checks(self, uid: int, record: dict[str, Any]) -> None:
        res_model = record.get("res_model")
        rid = record.get("res_id")
        if not res_model or res_model not in self.models:
            raise missing("ir.model", record.get("res_model_id"), uid)
        target = self.state.get(res_model, int(rid or 0))
        if target is None:
            raise missing(res_model, rid, uid)
        if self._restricted(uid, res_model) and not self._follows(uid, res_model, int(rid or 0)):
            if self.major >= 18:
                raise self._security_error(uid, "Activity", "create", self.state.sequences.get("mail.activity", 1))
            raise self._rule_error(uid, "mail.activity", "create")
        record["res_name"] = self._display(res_model, target)
        # Assigning to someone else notifies them (mail.activity._action_assign_notify -> message_notify),
        # which needs the author's e-mail: Odoo raises the same UserError as message_post (recording e06).
        # An activity for oneself sends nothing and works without an e-mail (recording e12).
        if record.get("user_id") and int(record["user_id"]) != uid:
            creator = self.state.get("res.users", uid) or {}
            if not creator.get("email"):
                raise user_error("Unable to send message, please configure the sender's email address.")

    def _after_create(self, uid: int, model: str, record: dict[str, Any]) -> None:
        spec = self.models[model]
        if spec.has_mail:
            user = self.state.get("res.users", uid)
            if user:
                self._subscribe(model, int(record["id"]), user["partner_id"])
            self._add_message(
                model, int(record["id"]), "", "notification", "mail.mt_note", user.get("partner_id") if user else False
            )
        if model == "mail.activity" and record.get("user_id"):
            assignee = self.state.get("res.users", record["user_id"])
            if assignee:
                self._subscribe(record["res_model"], int(record["res_id"]), assignee["partner_id"])

    def _subscribe(self, model: str, rid: int, partner_id: int) -> None:
        if partner_id in self._followers(model, rid):
            return
        fid = self.state.next_id("mail.followers")
        self.state.put("mail.followers", {"id": fid, "res_model": model, "res_id": rid, "partner_id": partner_id})

    def _followers(self, model: str, rid: int) -> list[int]:
        return [
            f["partner_id"] for f in self.state.all("mail.followers") if f["res_model"] == model and f["res_id"] == rid
        ]

    def _add_message(self, model: str, rid: int, body: str, message_type: str, subtype: str | None, author: Any) -> int:
        mid = self.state.next_id("mail.message")
        now = stamp(self.clock.now())
        self.state.put(
            "mail.message",
            {
                "id": mid,
                "model": model,
                "res_id": rid,
                "body": body or "",
                "message_type": message_type,
                "subtype_xmlid": subtype or False,
                "author_id": author or False,
                "email_from": False,
                "date": now,
                "create_date": now,
                "write_date": now,
                "create_uid": ADMIN_UID,
            },
        )
        return mid

    # ------------------------------------------------------------------ internals: search and read
    def _search(
        self, uid: int, model: str, domain: list[Any], offset: int, limit: int | None, order: str | None
    ) -> list[int]:
        self.check_acl(uid, model, "read")
        try:
            self.evaluator.check(model, domain)
        except DomainError as exc:
            raise value_error(str(exc)) from None
        spec = self.models[model]
        active_in_domain = any(
            isinstance(leaf, list | tuple) and str(leaf[0]).split(".")[0] == "active" for leaf in domain
        )
        records = self._prefilter(model, domain, self.state.all(model))
        if "active" in spec.fields and not active_in_domain:
            records = [r for r in records if r.get("active", True)]
        if self._restricted(uid, model):
            records = [r for r in records if self._follows(uid, model, int(r["id"]))]
        matched = [r for r in records if self.evaluator.match(model, r, domain)]
        matched = self._sort(model, matched, order or spec.order)
        ids = [int(r["id"]) for r in matched]
        return ids[offset : offset + limit if limit else None]

    def _prefilter(self, model: str, domain: list[Any], records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Cheap narrowing by `field = value` leaves of an AND-only domain (the full match still runs)."""
        if any(isinstance(leaf, str) and leaf in ("|", "!") for leaf in domain):
            return records
        spec = self.models[model]
        for leaf in domain:
            if not isinstance(leaf, list | tuple) or len(leaf) != 3 or leaf[1] != "=":
                continue
            name, _, value = leaf
            f = spec.fields.get(str(name))
            if f is None or not f.store or f.type in ("one2many", "many2many") or value in (False, None):
                continue
            records = [r for r in records if r.get(name) == value]
        return records

    def _sort(self, model: str, records: list[dict[str, Any]], order: str) -> list[dict[str, Any]]:
        spec = self.models[model]
        keys = []
        for part in order.split(","):
            bits = part.strip().split()
            if not bits:
                continue
            name = bits[0]
            desc = len(bits) > 1 and bits[1].lower() == "desc"
            if name != "id" and name not in spec.fields:
                continue
            keys.append((name, desc))
        out = sorted(records, key=lambda r: int(r["id"]))
        for name, desc in reversed(keys):

            def key(r: dict[str, Any], n: str = name) -> tuple[int, Any]:
                return self._sort_key(r.get(n) if n != "id" else r["id"])

            out.sort(key=key, reverse=desc)
        return out

    @staticmethod
    def _sort_key(value: Any) -> tuple[int, Any]:
        if value is False or value is None:
            return (0, "")
        if isinstance(value, bool):
            return (1, int(value))
        if isinstance(value, int | float):
            return (1, value)
        return (2, str(value))

    def _read(
        self, uid: int, model: str, ids: list[int], fields: list[str] | None, load: str, *, check: bool
    ) -> list[dict[str, Any]]:
        if check:
            self.check_acl(uid, model, "read")
        spec = self.models[model]
        names = [f for f in (fields or []) if f != "id"] or [n for n in spec.fields]
        for name in names:
            if name not in spec.fields:
                raise value_error(f"Invalid field {name!r} on model {model!r}")
        out = []
        for rid in ids:
            rec = self.state.get(model, rid)
            if rec is None:
                continue  # as recorded: read of a missing id answers []
            if check and self._restricted(uid, model) and not self._follows(uid, model, rid):
                raise self._rule_error(uid, model, "read")
            row: dict[str, Any] = {"id": rid}
            for name in names:
                row[name] = self._format(model, rec, name, load)
            out.append(row)
        return out

    def _format(self, model: str, rec: dict[str, Any], name: str, load: str) -> Any:
        f = self.models[model].fields[name]
        value = self._value(model, rec, name)
        if f.type == "many2one":
            if not value:
                return False
            if load == "_classic_write":
                return value
            target = self.state.get(f.relation or "", value)
            return [value, self._display(f.relation or "", target or {"id": value})]
        if f.type in ("one2many", "many2many"):
            return list(value or [])
        return value

    def _value(self, model: str, rec: dict[str, Any], name: str) -> Any:
        """A field's value: stored, or computed like Odoo computes it."""
        rid = int(rec["id"])
        if name == "display_name":
            return self._display(model, rec)
        computed, value = self.stock_value(model, rec, name)
        if computed:
            return value
        if name == "message_ids":
            return sorted(
                (m["id"] for m in self.state.all("mail.message") if m["model"] == model and m["res_id"] == rid),
                reverse=True,
            )
        if name == "activity_ids":
            return sorted(
                a["id"] for a in self.state.all("mail.activity") if a["res_model"] == model and a["res_id"] == rid
            )
        if name == "message_follower_ids":
            return [f["id"] for f in self.state.all("mail.followers") if f["res_model"] == model and f["res_id"] == rid]
        if name == "message_partner_ids":
            return self._followers(model, rid)
        if name in ("activity_state", "activity_user_id"):
            acts = sorted(
                (a for a in self.state.all("mail.activity") if a["res_model"] == model and a["res_id"] == rid),
                key=lambda a: a["date_deadline"],
            )
            if not acts:
                return False
            return self._activity_state(acts[0]) if name == "activity_state" else acts[0]["user_id"]
        if model == "mail.activity" and name == "state":
            return self._activity_state(rec)
        if model == "helpdesk.ticket" and name == "closed":
            stage = self.state.get("helpdesk.ticket.stage", rec.get("stage_id") or 0) or {}
            return bool(stage.get("closed"))
        if model == "res.partner" and name == "commercial_partner_id":
            return self._ancestors("res.partner", rid)[-1] if not rec.get("is_company") else rid
        f = self.models[model].fields.get(name)
        if f is not None and f.type == "one2many" and f.relation_field:
            return sorted(r["id"] for r in self.state.all(f.relation or "") if r.get(f.relation_field) == rid)
        return rec.get(name, False)

    def _activity_state(self, activity: dict[str, Any]) -> str:
        return activity_state(activity.get("date_deadline"), self.clock.now().date())

    def _ancestors(self, model: str, rid: int) -> list[int]:
        """The record and its parents through parent_id (for child_of and commercial_partner_id)."""
        chain = [rid]
        seen = {rid}
        rec = self.state.get(model, rid)
        while rec and rec.get("parent_id") and rec["parent_id"] not in seen:
            chain.append(rec["parent_id"])
            seen.add(rec["parent_id"])
            rec = self.state.get(model, rec["parent_id"])
        return chain

    def _display(self, model: str, rec: dict[str, Any]) -> str:
        if not rec:
            return ""
        if model == "helpdesk.ticket":
            if self.edition == "community":
                return f"{rec.get('number')} - {rec.get('name')}"
            return f"{rec.get('name')} (#{rec.get('ticket_ref')})"
        if model == "res.partner" and rec.get("parent_id") and not rec.get("is_company"):
            parent = self.state.get("res.partner", rec["parent_id"]) or {}
            return f"{parent.get('name')}, {rec.get('name')}"
        if model == "purchase.order" and rec.get("partner_ref"):
            return f"{rec.get('name')} ({rec.get('partner_ref')})"
        if model == "product.product" and rec.get("default_code"):
            return f"[{rec['default_code']}] {rec.get('name')}"
        if model == "mail.activity":
            return str(rec.get("summary") or "")
        name = rec.get(self.models[model].rec_name) if model in self.models else None
        return str(name) if name not in (None, False) else f"{model},{rec.get('id')}"
