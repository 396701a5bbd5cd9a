"""Addresses that work: a case's stable address, the queue's filters in the address, the older `?case=` form
through sign-in, and the Odoo ticket's link (Streamlit AppTest on a real triaged home)."""

from __future__ import annotations

from typing import Any

from tests.ui.conftest import PASSWORDS, table, texts
from tools.store.outbox import dispatch_case_from_row


def _params(at: Any) -> dict[str, str]:
    return {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}


def test_a_case_opens_at_its_address(triaged: Any, app: Any) -> None:
    at = app("customer_service")
    at.query_params["id"] = triaged.ids["customs"]
    at.switch_page("views/case.py").run()
    assert not at.exception
    assert "Message (redacted)" in texts(at) and triaged.ids["customs"] in texts(at)
    assert _params(at) == {"id": triaged.ids["customs"]}


def test_the_older_link_form_signs_in_then_opens_the_case(triaged: Any, app: Any) -> None:
    at = app(None, case=triaged.ids["damaged"]).run()  # signed out, `/?case=ID` as older tickets have it
    assert not at.exception and "Message (redacted)" not in texts(at)
    at.text_input(key="signin_username").set_value("cs.anna")
    at.text_input(key="signin_password").set_value(PASSWORDS["cs.anna"])
    at.button[0].click().run()
    assert not at.exception
    assert "Message (redacted)" in texts(at) and triaged.ids["damaged"] in texts(at)
    assert _params(at) == {"id": triaged.ids["damaged"]}


def test_the_queue_reads_its_filters_from_the_address(triaged: Any, app: Any) -> None:
    at = app("customer_service")
    at.query_params["reason"] = "damaged,weather,not_a_reason"
    at.query_params["priority"] = "P1,P2,P3,P4"
    at.run()
    assert not at.exception
    assert at.multiselect(key="f_reason").value == ["damaged", "weather"]  # unknown values are dropped
    assert set(table(at, "case", "SLA")["case"]) == {triaged.ids["damaged"], triaged.ids["weather"]}
    assert _params(at) == {"reason": "damaged,weather", "priority": "P1,P2,P3,P4"}  # the view, cleaned


def test_the_queue_writes_its_filters_to_the_address(triaged: Any, app: Any) -> None:
    at = app("customer_service").run()
    assert _params(at) == {}  # the default view has a short address
    at.text_input(key="f_search").set_value("blizzard").run()
    at.multiselect(key="f_channel").set_value(["portal"]).run()
    at.radio(key="f_sla").set_value("within SLA").run()
    assert _params(at) == {"q": "blizzard", "channel": "portal", "sla": "within SLA"}
    assert list(table(at, "case", "SLA")["case"]) == [triaged.ids["weather"]]
    frame = table(at, "case", "match")
    assert "«blizzard»" in frame.iloc[0]["match"].lower()
    assert list(frame["open"]) == [f"case?id={triaged.ids['weather']}"]  # the row's link is the case's address
    # the same address in a new session shows the same view
    shared = app("customer_service")
    for key, value in _params(at).items():
        shared.query_params[key] = value
    shared.run()
    assert list(table(shared, "case", "SLA")["case"]) == [triaged.ids["weather"]]
    assert shared.radio(key="f_sla").value == "within SLA"


def test_the_odoo_ticket_links_to_the_case_address(triaged: Any) -> None:
    from sqlalchemy import select

    from tools.store import schema as t

    engine = triaged.app().engine
    with engine.connect() as conn:
        row = conn.execute(select(t.cases).where(t.cases.c.id == triaged.ids["refused"])).one()
    case = dispatch_case_from_row(row, "http://127.0.0.1:8501/")
    assert case.case_url == f"http://127.0.0.1:8501/case?id={triaged.ids['refused']}"
