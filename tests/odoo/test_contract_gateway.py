"""Contract: for each operation, the gateway sends exactly what the recordings show odoorpc sending
to Odoo 17 and 18 (path, JSON-RPC params, in order), and reads the recorded answers and errors right.

A replay server answers each request with the recorded response of the next expected exchange and
records any request that differs from it (the JSON-RPC `id` is random and ignored).
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from agents.state import Reference
from tests.odoo.conftest import recording
from tools.odoo.config import OdooTarget
from tools.odoo.errors import OdooError
from tools.odoo.gateway import OdooGateway
from tools.odoo.reader import OdooErpReader

VERSIONS = [("odoo17-ops", "odoo17ops", 17), ("odoo18-ops", "odoo18ops", 18)]


class Replay:
    def __init__(self) -> None:
        self.expected: list[dict[str, Any]] = []
        self.mismatches: list[str] = []
        self.served = 0
        self.lock = threading.Lock()

    def expect(self, *exchanges: dict[str, Any]) -> None:
        with self.lock:
            self.expected.extend(exchanges)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        body = json.loads(request.get_data(as_text=True) or "null")
        with self.lock:
            if not self.expected:
                self.mismatches.append(f"unexpected request {request.path} {json.dumps(body)[:300]}")
                return Response("no more exchanges", status=500)(environ, start_response)
            exchange = self.expected.pop(0)
        want = exchange["request"]
        problems = []
        if request.path != want["path"]:
            problems.append(f"path {request.path} != {want['path']}")
        if request.headers.get("Content-Type") != want["headers"].get("Content-Type"):
            problems.append("content type differs")
        if body.get("params") != want["body"].get("params") or body.get("method") != want["body"].get("method"):
            problems.append(
                f"params differ:\n  sent:     {json.dumps(body.get('params'))[:600]}\n"
                f"  recorded: {json.dumps(want['body'].get('params'))[:600]}"
            )
        if problems:
            with self.lock:
                self.mismatches.append(f"{exchange['label']}: " + "; ".join(problems))
        answer = copy.deepcopy(exchange["response"]["body"])
        answer["id"] = body.get("id")
        with self.lock:
            self.served += 1
        return Response(json.dumps(answer), status=exchange["response"]["status"], content_type="application/json")(
            environ, start_response
        )


@pytest.fixture
def replay() -> Iterator[tuple[Replay, str]]:
    app = Replay()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def step(folder: str, label: str, *indexes: int) -> list[dict[str, Any]]:
    found = recording(folder, label)
    return [found[i] for i in indexes] if indexes else found


def with_marker_note(exchange: dict[str, Any], note: str) -> dict[str, Any]:
    """The recorded activity create with a marker in its note (the gateway requires one)."""
    patched = copy.deepcopy(exchange)
    patched["request"]["body"]["params"]["args"][5][0]["note"] = note
    return patched


def connected(
    replay: Replay, url: str, folder: str, db: str, login: str = "admin", secret: str = "admin"
) -> OdooGateway:
    """Expect the recorded connect (version_info, login, context_get) and module detection (x12)."""
    version = step(folder, "z01_final_tickets", 1)  # the version_info that opened the x-session
    replay.expect(
        *version, *step(folder, "x01_login_admin", 0, 1), *step(folder, "x12_ir_module_module_installed_only")
    )
    gw = OdooGateway(OdooTarget.from_url(url, db, login, secret, 5))
    gw.connect()
    return gw


def assert_clean(replay: Replay) -> None:
    assert not replay.mismatches, "\n".join(replay.mismatches)
    assert not replay.expected, f"{len(replay.expected)} recorded exchange(s) were not sent: " + ", ".join(
        e["label"] for e in replay.expected
    )


@pytest.mark.parametrize(("folder", "db", "major"), VERSIONS)
def test_connect_and_detect_modules_as_recorded(replay: tuple[Replay, str], folder: str, db: str, major: int) -> None:
    app, url = replay
    gw = connected(app, url, folder, db)
    assert_clean(app)
    assert gw.info is not None
    assert gw.info.major == major and not gw.info.sandbox
    assert gw.info.helpdesk == "oca"  # helpdesk_mgmt installed; Enterprise helpdesk only "uninstallable"
    assert gw.info.approvals is False
    assert gw.info.carrier_tracking is True
    assert gw.fieldmap.team_model == "helpdesk.ticket.team"
    assert gw.fieldmap.rights_method == ("check_access_rights" if major == 17 else "has_access")


@pytest.mark.parametrize(("folder", "db", "major"), VERSIONS)
def test_ticket_note_activity_writes_as_recorded(replay: tuple[Replay, str], folder: str, db: str, major: int) -> None:
    app, url = replay
    gw = connected(app, url, folder, db)
    marker = "[triage:abc123]"

    app.expect(*step(folder, "w02_ir_model_search_helpdesk_ticket"))
    assert gw.model_id("helpdesk.ticket") == (427 if major == 17 else 446)

    app.expect(*step(folder, "w03_dedup_search_marker_before_create"))
    assert gw.find_ticket(marker) == []

    create = step(folder, "w04_ticket_create")
    vals = create[0]["request"]["body"]["params"]["args"][5][0]
    app.expect(*create)
    assert gw.create_ticket(vals) == 1

    note = step(folder, "w06_ticket_message_post_note")
    body = note[0]["request"]["body"]["params"]["args"][6]["body"]
    app.expect(*note)
    assert gw.post_note("helpdesk.ticket", 1, body) == note[0]["response"]["body"]["result"]

    app.expect(*step(folder, "r16_xmlid_todo_check_object_reference"))
    assert gw.xmlid("mail", "mail_activity_data_todo") == 4

    activity = step(folder, "w07_mail_activity_create")
    recorded_vals = activity[1]["request"]["body"]["params"]["args"][5][0]
    note_html = recorded_vals["note"].replace("</p>", f" {marker}</p>")
    app.expect(activity[0], with_marker_note(activity[1], note_html))
    activity_id = gw.create_activity(
        "helpdesk.ticket",
        1,
        summary=recorded_vals["summary"],
        note=note_html,
        user_id=recorded_vals["user_id"],
        deadline=date.fromisoformat(recorded_vals["date_deadline"]),
        activity_type_id=recorded_vals["activity_type_id"],
    )
    assert activity_id == 1
    assert_clean(app)


@pytest.mark.parametrize(("folder", "db", "major"), VERSIONS)
def test_reader_queries_as_recorded(replay: tuple[Replay, str], folder: str, db: str, major: int) -> None:
    app, url = replay
    gw = connected(app, url, folder, db)
    picking_fields_get = step(folder, "s31_picking_write_tracking_ref_and_carrier", 0)
    by_tracking = step(folder, "r30_picking_by_tracking_ref")
    so_fields_get = step(folder, "r34_sale_order_read_by_id", 0)
    so_by_name = step(folder, "r08_sale_order_by_name")
    app.expect(*picking_fields_get, *by_tracking, *so_fields_get, *so_by_name)
    reader = OdooErpReader(gw)
    refs = [Reference(kind="tracking", value="1Z999AA10123456784", start=0, end=18)]
    # stop after the order: the partner read is not a recorded shape (it leaves contact details out)
    reader._customer = lambda partner_id: (None, None)  # type: ignore[method-assign]
    ctx = reader.lookup(refs)
    assert_clean(app)
    assert ctx.error is None, ctx.error
    assert ctx.source == "odoo"
    assert ctx.picking is not None and ctx.picking["name"] == "WH/OUT/00001"
    assert ctx.order is not None and ctx.order["name"] == "S00001" and ctx.order["kind"] == "sale"
    assert ctx.order_value == 2056.2


@pytest.mark.parametrize(("folder", "db", "major"), VERSIONS)
def test_rights_probe_as_recorded(replay: tuple[Replay, str], folder: str, db: str, major: int) -> None:
    app, url = replay
    app.expect(*step(folder, "r19_login_limited"))
    app.expect(*step(folder, "x12_ir_module_module_installed_only"))
    # detection as the limited user: the recorded x12 answer is reused (ir.module.module is readable by it)
    app.expected[-2]["request"]["body"]["params"]["args"][1:3] = [7, "limited-pw-123"]
    app.expected[-1]["request"]["body"]["params"]["args"][1:3] = [7, "limited-pw-123"]
    app.expected[-1]["request"]["body"]["params"]["args"][6]["context"]["uid"] = 7
    gw = OdooGateway(OdooTarget.from_url(url, db, "limited", "limited-pw-123", 5))
    gw.connect()
    probe = (
        "r20_limited_check_access_rights_create_helpdesk_ticket"
        if major == 17
        else ("r24_limited_has_access_create_helpdesk_ticket_18")
    )
    app.expect(*step(folder, probe))
    assert gw.can("helpdesk.ticket", "create") is False
    if major == 17:
        app.expect(*step(folder, "r23_limited_check_access_rights_create_mail_activity"))
        assert gw.can("mail.activity", "create") is True
    assert_clean(app)


ErrorCase = tuple[str, Callable[[OdooGateway], Any], str]


@pytest.mark.parametrize(("folder", "db", "major"), VERSIONS)
def test_recorded_errors_are_classified(replay: tuple[Replay, str], folder: str, db: str, major: int) -> None:
    app, url = replay
    # limited user creating a ticket -> AccessError -> access_denied, permanent, a message naming the groups
    app.expect(*step(folder, "r19_login_limited"), *step(folder, "x12_ir_module_module_installed_only"))
    for exchange in app.expected[-2:]:
        exchange["request"]["body"]["params"]["args"][1:3] = [7, "limited-pw-123"]
    app.expected[-1]["request"]["body"]["params"]["args"][6]["context"]["uid"] = 7
    gw = OdooGateway(OdooTarget.from_url(url, db, "limited", "limited-pw-123", 5))
    gw.connect()
    e01 = step(folder, "e01_limited_create_helpdesk_ticket")
    app.expect(*e01)
    with pytest.raises(OdooError) as err:
        gw.execute_kw("helpdesk.ticket", "create", e01[0]["request"]["body"]["params"]["args"][5], {})
    assert err.value.code == "access_denied" and not err.value.transient
    assert "Helpdesk/User" in err.value.info.message
    assert err.value.info.odoo_exception == "odoo.exceptions.AccessError"

    # the supervisor's password rotated mid-session -> AccessDenied -> auth_failed
    app.expect(*step(folder, "e20_supervisor_login"), *step(folder, "x12_ir_module_module_installed_only"))
    for exchange in app.expected[-2:]:
        exchange["request"]["body"]["params"]["args"][1:3] = [6, "supervisor-pw-123"]
    app.expected[-1]["request"]["body"]["params"]["args"][6]["context"]["uid"] = 6
    sup = OdooGateway(OdooTarget.from_url(url, db, "supervisor", "supervisor-pw-123", 5))
    sup.connect()
    e23 = step(folder, "e23_supervisor_call_after_rotation")
    app.expect(*e23)
    args = e23[0]["request"]["body"]["params"]["args"]
    with pytest.raises(OdooError) as err:
        sup.execute_kw(args[3], args[4], args[5], args[6])
    assert err.value.code == "auth_failed" and not err.value.transient

    # a login with the old password answers false -> auth_failed (no uid)
    app.expect(*step(folder, "e24_supervisor_relogin_old_password"))
    with pytest.raises(OdooError) as err:
        OdooGateway(OdooTarget.from_url(url, db, "supervisor", "supervisor-pw-123", 5)).connect()
    assert err.value.code == "auth_failed"
    assert "ODOO_PASSWORD" in err.value.info.message
    assert "supervisor-pw-123" not in err.value.info.message
    assert_clean(app)


@pytest.mark.parametrize("folder", ["odoo17", "odoo18"])
def test_recorded_basic_errors(replay: tuple[Replay, str], folder: str) -> None:
    app, url = replay
    app.expect(*step(folder, "01_version_info_on_connect"), *step(folder, "05_login_wrong_db"))
    with pytest.raises(OdooError) as err:
        OdooGateway(OdooTarget.from_url(url, "no_such_db", "admin", "admin", 5)).connect()
    assert err.value.code == "wrong_database"
    assert "ODOO_DB" in err.value.info.message
    assert_clean(app)


@pytest.mark.parametrize("folder", ["odoo17", "odoo18"])
def test_recorded_validation_and_missing_model_errors(replay: tuple[Replay, str], folder: str) -> None:
    app, url = replay
    db = folder
    if folder == "odoo17":
        app.expect(*step(folder, "73_connect_login"))
    else:
        app.expect(*step(folder, "61_login_limited_user", 0), *step(folder, "06_login_admin"))
    # module detection is not recorded on these servers: answer it with the -ops recording's shape
    detect = copy.deepcopy(step(f"{folder}-ops", "x12_ir_module_module_installed_only"))
    for exchange in detect:
        exchange["request"]["body"]["params"]["args"][0] = db
    app.expect(*detect)
    gw = OdooGateway(OdooTarget.from_url(url, db, "admin", "admin", 5))
    gw.connect()
    missing_model = step(folder, "42_nonexistent_model")
    app.expect(*missing_model)
    with pytest.raises(OdooError) as err:
        gw.execute_kw("approval.request", "search", [[]], {})
    assert err.value.code == "missing_model" and "approval.request" in err.value.info.message

    required = step(folder, "40_validation_error_missing_required")
    app.expect(*required)
    with pytest.raises(OdooError) as err:
        args = required[0]["request"]["body"]["params"]["args"]
        # the recorded payload has no marker: bypass the gateway's own check to replay it as sent
        gw.allowlist.check_call = lambda *a, **k: None  # type: ignore[method-assign]
        gw.execute_kw("helpdesk.ticket", "create", args[5], args[6])
    assert err.value.code == "validation"
    assert "Field: Description (description)" in err.value.info.message
    assert_clean(app)


MORE = [("odoo17-ops", "odoo17-ops-more", "odoo17ops", 17), ("odoo18-ops", "odoo18-ops-more", "odoo18ops", 18)]
BOT = [8, "triage-bot-pw-123"]


def as_bot(exchanges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A recorded admin exchange as the stock user triage-bot (uid 8) would send it (n29 shows it may)."""
    out = copy.deepcopy(exchanges)
    for exchange in out:
        args = exchange["request"]["body"]["params"]["args"]
        args[1:3] = BOT
        if len(args) > 6 and isinstance(args[6], dict) and "context" in args[6]:
            args[6]["context"]["uid"] = 8
    return out


@pytest.mark.parametrize(("ops", "more", "db", "major"), MORE)
def test_stock_check_queries_as_recorded(replay: tuple[Replay, str], ops: str, more: str, db: str, major: int) -> None:
    """The stock check sends exactly the recorded n-series reads (moves n11, warehouses n12, quants n29), as
    the stock user, and reads their answers: Reno DC has 40 free of the 3 WH/OUT/00002 needs."""
    from tests.support.clock import FakeClock
    from tools.odoo.stock import StockChecker

    app, url = replay
    app.expect(*step(more, "n28_login_triage_bot"), *as_bot(step(ops, "x12_ir_module_module_installed_only")))
    gw = OdooGateway(OdooTarget.from_url(url, db, "triage-bot", "triage-bot-pw-123", 5))
    gw.connect()
    app.expect(*as_bot(step(more, "n11_moves_of_wh_out_00002")))
    app.expect(*as_bot(step(more, "n01_warehouse_create_wh2", 0)), *as_bot(step(more, "n12_warehouse_search_read")))
    app.expect(
        *as_bot(step(more, "n04_quant_create_inventory_quantity_no_inventory_mode", 0)),
        *step(more, "n29_triage_bot_quant_search_read"),
    )
    picking = {"id": 3, "name": "WH/OUT/00002", "picking_type_code": "outgoing", "state": "assigned"}
    stock = StockChecker(gw, FakeClock()).check(picking)
    assert_clean(app)
    assert stock is not None and stock["status"] == "available" and stock["best"] == "Reno DC"
    assert stock["source_warehouses"] == ["My Company"]  # WH/Stock (8) is the moves' source
    assert stock["products"] == [
        {
            "product_id": 2,
            "product": "[NW-WIDGET] Northwind Widget",
            "needed": 3.0,
            "warehouses": [{"warehouse_id": 2, "warehouse": "Reno DC", "free": 40.0, "covers": True}],
        }
    ]
    assert stock["summary"] == "Reno DC, 40 of 3 needed"


@pytest.mark.parametrize(("ops", "more", "db", "major"), MORE)
def test_stock_check_names_a_version_without_a_field(
    replay: tuple[Replay, str], ops: str, more: str, db: str, major: int
) -> None:
    """A recorded "Invalid field" answer (n26: free_qty is not a stock.quant field) becomes "stock unknown"
    naming it, instead of failing the triage."""
    from tests.support.clock import FakeClock
    from tools.odoo.stock import StockChecker

    app, url = replay
    app.expect(*step(more, "n28_login_triage_bot"), *as_bot(step(ops, "x12_ir_module_module_installed_only")))
    gw = OdooGateway(OdooTarget.from_url(url, db, "triage-bot", "triage-bot-pw-123", 5))
    gw.connect()
    error = copy.deepcopy(step(more, "n26_quant_search_read_unknown_field"))
    moves = as_bot(step(more, "n11_moves_of_wh_out_00002"))
    moves[1]["response"] = error[0]["response"]  # the moves' read answered with the recorded ValueError
    app.expect(*moves)
    stock = StockChecker(gw, FakeClock()).check({"id": 3, "name": "WH/OUT/00002", "picking_type_code": "outgoing"})
    assert_clean(app)
    assert stock is not None and stock["status"] == "unknown"
    assert "lacks a field" in stock["note"] and "Invalid field 'free_qty' on model 'stock.quant'" in stock["note"]
