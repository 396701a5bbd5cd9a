"""Each page of the app, with AppTest against a real, triaged store: sign-in, queue (filters, search,
pagination, counts), case view (redacted text, references, reason, similar cases, raw view allowed /
refused and logged), dashboard, labelled export, admin."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select

from tests.ui.conftest import PASSWORDS, has_table, table, texts
from tools.store import schema as t

# ------------------------------------------------------------------------------------------ sign-in


def test_sign_in_with_a_local_user(triaged: Any, app: Any) -> None:
    at = app().run()
    assert not at.exception
    assert "Sign in" in [b.label for b in at.button]
    at.text_input(key="signin_username").set_value("cs.anna")
    at.text_input(key="signin_password").set_value("wrong-password")
    at.button[0].click().run()
    assert "Unknown username or wrong password." in texts(at)
    assert "triage_user" not in at.session_state

    at.text_input(key="signin_username").set_value("cs.anna")
    at.text_input(key="signin_password").set_value(PASSWORDS["cs.anna"])
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state["triage_user"]["role"] == "customer_service"
    assert "Review queue" in texts(at)


def test_oidc_is_used_when_auth_is_configured(triaged: Any, app: Any) -> None:
    at = app()
    at.secrets["auth"] = {
        "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
        "cookie_secret": "x" * 32,
        "client_id": "triage",
        "client_secret": "s",
        "server_metadata_url": "https://idp.example/.well-known/openid-configuration",
    }
    at.run()
    assert not at.exception
    import importlib.util

    if importlib.util.find_spec("authlib") is not None:
        assert any(b.key == "oidc_login" for b in at.button)
    else:  # streamlit[auth] missing: a clear message instead of a login that would fail
        assert any("Authlib is not installed" in str(e.value) for e in at.error)
    assert not any(ti.key == "signin_password" for ti in at.text_input)  # no local sign-in then


# ------------------------------------------------------------------------------------------ queue


def test_queue_lists_open_cases_by_priority_then_age_with_counts(triaged: Any, app: Any) -> None:
    at = app("customer_service").run()
    assert not at.exception
    frame = table(at, "case", "SLA")
    assert set(frame["case"]) == set(triaged.ids.values())
    order = list(frame["priority"])
    assert order == sorted(order)  # P1 first
    assert frame.iloc[0]["case"] == triaged.ids["damaged"]  # the P1 case
    assert all(frame["age"].str.match(r"^\d+(d|h|m)"))
    page = texts(at)
    assert "awaiting review: 6" in page and "6** matching cases" in page
    # the queue shows redacted text only
    assert "Katrin Vogel" not in frame.to_string() and "269-555-0176" not in frame.to_string()


def test_queue_filters(triaged: Any, app: Any) -> None:
    at = app("customer_service").run()
    at.multiselect(key="f_reason").set_value(["damaged", "weather"]).run()
    assert set(table(at, "case", "SLA")["case"]) == {triaged.ids["damaged"], triaged.ids["weather"]}
    at.multiselect(key="f_reason").set_value([])
    at.multiselect(key="f_priority").set_value(["P4"]).run()
    assert list(table(at, "case", "SLA")["case"]) == [triaged.ids["delivered"]]
    at.multiselect(key="f_priority").set_value([])
    at.multiselect(key="f_channel").set_value(["portal"]).run()
    assert set(table(at, "case", "SLA")["case"]) == {triaged.ids["weather"], triaged.ids["delivered"]}
    at.multiselect(key="f_channel").set_value([])
    at.multiselect(key="f_carrier").set_value(["MSC"]).run()
    assert list(table(at, "case", "SLA")["case"]) == [triaged.ids["customs"]]
    at.multiselect(key="f_carrier").set_value([])
    at.multiselect(key="f_assignee").set_value(["(unassigned)"]).run()
    assert len(table(at, "case", "SLA")) == 6
    at.multiselect(key="f_assignee").set_value([])
    at.slider(key="f_conf").set_value((0.0, 0.5)).run()
    assert "No cases match these filters." in texts(at)
    at.slider(key="f_conf").set_value((0.0, 1.0))
    at.multiselect(key="f_status").set_value(["rejected"]).run()
    assert "No cases match these filters." in texts(at)


def test_queue_sla_filter(triaged: Any, app: Any) -> None:
    rt = triaged.app()
    rt.store.update_case(triaged.ids["customs"], datetime.now(UTC), sla_due=datetime.now(UTC) - timedelta(hours=1))
    at = app("customer_service").run()
    at.radio(key="f_sla").set_value("breached").run()
    frame = table(at, "case", "SLA")
    assert list(frame["case"]) == [triaged.ids["customs"]] and list(frame["SLA"]) == ["BREACHED"]
    at.radio(key="f_sla").set_value("within SLA").run()
    assert triaged.ids["customs"] not in set(table(at, "case", "SLA")["case"])


def test_queue_search_covers_references_and_text(triaged: Any, app: Any) -> None:
    at = app("customer_service").run()
    at.text_input(key="f_search").set_value("0412-559812").run()  # a PRO number
    assert list(table(at, "case", "SLA")["case"]) == [triaged.ids["weather"]]
    at.text_input(key="f_search").set_value("MSCU1234565").run()  # container, any case
    assert list(table(at, "case", "SLA")["case"]) == [triaged.ids["customs"]]
    at.text_input(key="f_search").set_value("blizzard").run()  # words of the body
    assert list(table(at, "case", "SLA")["case"]) == [triaged.ids["weather"]]
    at.text_input(key="f_search").set_value("Katrin").run()  # redacted away: raw text is not searched
    assert "No cases match these filters." in texts(at)


def _add_cases(triaged: Any, n: int) -> None:
    rt = triaged.app()
    now = datetime.now(UTC)
    with rt.engine.begin() as conn:
        for i in range(n):
            raw_id, case_id = f"raw-page-{i:04d}", f"case-page-{i:04d}"
            conn.execute(
                insert(t.raw_messages).values(
                    id=raw_id, channel="email", source="test", body="x", payload={}, fingerprint=f"fp{i}",
                    created_at=now, purge_after=now + timedelta(days=30),
                )
            )
            conn.execute(
                insert(t.cases).values(
                    id=case_id, raw_id=raw_id, channel="email", status="awaiting_review", priority="P4",
                    reason="capacity_delay", confidence=0.8, subject=f"Missed pickup {i}",
                    created_at=now - timedelta(minutes=i), updated_at=now,
                )
            )


def test_queue_pagination(triaged: Any, app: Any) -> None:
    _add_cases(triaged, 60)
    at = app("customer_service").run()
    at.selectbox(key="q_page_size").set_value(25).run()
    assert len(table(at, "case", "SLA")) == 25
    assert "66** matching cases · page 1 of 3" in texts(at)
    first = set(table(at, "case", "SLA")["case"])
    at.number_input(key="q_page").set_value(3).run()
    last = table(at, "case", "SLA")
    assert len(last) == 16 and not first & set(last["case"])
    assert "page 3 of 3" in texts(at)
    # a filter change starts again at page 1
    at.multiselect(key="f_priority").set_value(["P4"]).run()
    assert "page 1 of 3" in texts(at)


def test_open_case_from_the_queue(triaged: Any, app: Any) -> None:
    at = app("customer_service").run()
    at.selectbox(key="q_open_case").set_value(triaged.ids["customs"])
    at.button(key="q_open").click().run()
    assert not at.exception
    assert at.query_params.get("id") in (triaged.ids["customs"], [triaged.ids["customs"]])
    assert "Message (redacted)" in texts(at)


# ------------------------------------------------------------------------------------------ case view


def test_case_view_shows_the_redacted_message_and_the_proposal(triaged: Any, app: Any) -> None:
    case_id = triaged.ids["refused"]
    at = app("customer_service", case=case_id).run()
    assert not at.exception
    page = texts(at)
    html = "\n".join(str(m.value) for m in at.markdown)
    # redacted text with placeholders; the raw name and phone never reach the page
    assert "Katrin Vogel" not in page and "269-555-0176" not in page
    assert "&lt;PERSON_1&gt;" in html
    # references highlighted in the text, and listed
    assert '<mark class="ref ref-po"' in html and ">PO-55102</mark>" in html
    assert set(table(at, "kind", "value", "where")["value"]) >= {"PO-55102"}
    # reason with confidence, evidence and AT7; summary; priority with its explanation
    assert "**delivery_refused** · confidence" in page
    assert "AT7 codes: BS" in page
    assert "Evidence:" in page
    assert "P2: delivery refused" in page
    # similar past cases, Odoo context, proposed actions
    similar = table(at, "similarity")
    assert len(similar) > 0 and {"reason", "resolution", "similarity"} <= set(similar.columns)
    assert "No Odoo context" in page
    actions = table(at, "decided by")
    assert "request_approval:reroute" in set(actions["action"])
    assert set(actions[actions["action"] == "request_approval:reroute"]["decided by"]) == {"supervisor"}
    # the raw message is not offered to customer service
    assert not any(b.key == "raw_open" for b in at.button)
    assert "shown only to supervisors and admins" in page


def _raw_log(triaged: Any) -> list[tuple[str, str, str]]:
    with triaged.app().engine.connect() as conn:
        rows = conn.execute(select(t.raw_access_log.c.case_id, t.raw_access_log.c.actor, t.raw_access_log.c.role))
        return [tuple(r) for r in rows]


def test_raw_view_for_a_supervisor_is_logged_each_time(triaged: Any, app: Any) -> None:
    case_id = triaged.ids["refused"]
    at = app("supervisor", case=case_id).run()
    assert "Katrin Vogel" not in texts(at)
    at.button(key="raw_open").click().run()
    assert not at.exception
    raw = "\n".join(str(x.value) for x in at.text)
    assert "Katrin Vogel" in raw and "269-555-0176" in raw
    assert _raw_log(triaged) == [(case_id, "sup.omar", "supervisor")]
    # the raw text is shown for that opening only; opening it again is logged again
    at.run()
    assert "Katrin Vogel" not in "\n".join(str(x.value) for x in at.text)
    at.button(key="raw_open").click().run()
    assert len(_raw_log(triaged)) == 2


def test_raw_view_refused_for_customer_service_by_the_service(triaged: Any) -> None:
    import pytest

    from agents.review_service import ReviewService
    from policies.roles import PermissionDenied
    from tests.ui.conftest import USERS

    rt = triaged.app()
    with pytest.raises(PermissionDenied, match=r"raw\.view"):
        ReviewService(rt.engine, rt.clock).open_raw(USERS["customer_service"], triaged.ids["refused"])
    assert _raw_log(triaged) == []


def test_ml_owner_reads_a_case_but_cannot_decide(triaged: Any, app: Any) -> None:
    at = app("ml_owner", case=triaged.ids["weather"]).run()
    assert not at.exception
    assert "can read this case but not decide it" in texts(at)
    assert not any(b.key in ("accept", "reject") for b in at.button)


def test_unknown_case(triaged: Any, app: Any) -> None:
    at = app("customer_service", case="case-does-not-exist").run()
    assert any("No case 'case-does-not-exist'" in str(e.value) for e in at.error)


# ------------------------------------------------------------------------------------------ dashboard


def test_dashboard_charts(triaged: Any, app: Any) -> None:
    from tests.ui.conftest import USERS

    service = triaged.app().decisions
    service.accept(USERS["customer_service"], triaged.ids["weather"])
    service.edit(USERS["customer_service"], triaged.ids["customs"], priority="P1")
    service.accept(USERS["customer_service"], triaged.ids["refused"])
    [item] = service.review.pending_approvals(USERS["supervisor"])
    service.decide_approval(USERS["supervisor"], item.id, True, "ok")

    at = app("ml_owner").run()
    at.switch_page("views/dashboard.py").run()
    assert not at.exception, at.exception
    charts = at.get("vega_lite_chart")
    assert len(charts) >= 7  # depth, ageing, by reason, by carrier, approval cycle, acceptance/edit, dispatch
    page = texts(at)
    for title in ("Queue depth", "Exception ageing", "Cases by reason", "Cases by carrier", "Approval cycle time",
                  "AI acceptance and edit rate", "Dispatch"):
        assert title in page
    assert "Approvals waiting: 0" in page


def test_dashboard_on_an_empty_period(triaged: Any, app: Any) -> None:
    at = app("customer_service").run()
    at.switch_page("views/dashboard.py").run()
    assert not at.exception
    assert "No decided approvals in this period yet." in texts(at)


# ------------------------------------------------------------------------------------------ labelled export


def test_labelled_export_for_ml_owner(triaged: Any, app: Any) -> None:
    from tests.ui.conftest import USERS

    triaged.app().decisions.accept(USERS["customer_service"], triaged.ids["weather"])
    at = app("ml_owner").run()
    at.switch_page("views/labels.py").run()
    assert not at.exception
    assert "Reviewed cases: 1" in texts(at)
    at.button(key="export_labels").click().run()
    assert not at.exception, at.exception
    assert any("Exported 1 labelled case" in str(s.value) for s in at.success), texts(at)
    exports = list((triaged.path / "exports").glob("labelled-*.jsonl"))
    assert len(exports) == 1 and triaged.ids["weather"] in exports[0].read_text()
    assert at.get("download_button")
    with triaged.app().engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.labelled_exports)).scalar_one() == 1


def test_labelled_export_page_is_not_for_customer_service(triaged: Any, app: Any) -> None:
    at = app("customer_service").run()
    import pytest

    with pytest.raises(ValueError):  # not in CS navigation at all
        at.switch_page("views/labels.py")


# ------------------------------------------------------------------------------------------ admin


def test_admin_adds_a_user(triaged: Any, app: Any) -> None:
    at = app("admin").run()
    at.switch_page("views/admin.py").run()
    assert not at.exception
    assert "cs.anna" in set(table(at, "username")["username"])
    at.text_input(key="new_username").set_value("cs.bruno")
    at.selectbox(key="new_role").set_value("customer_service")
    at.text_input(key="new_password").set_value("short")
    at.button(key="FormSubmitter:add_user-Save user").click().run()
    assert any("shorter than 8" in str(e.value) for e in at.error)
    at.text_input(key="new_username").set_value("cs.bruno")
    at.selectbox(key="new_role").set_value("customer_service")
    at.text_input(key="new_password").set_value("a-long-password")
    at.button(key="FormSubmitter:add_user-Save user").click().run()
    assert "User cs.bruno saved" in texts(at)
    assert "cs.bruno" in set(table(at, "username")["username"])


def test_supervisor_sees_the_quarantine_but_not_users(triaged: Any, app: Any) -> None:
    rt = triaged.app()
    rt.store.quarantine("inbox/broken.eml", "email", "empty_body", "inbox/broken.eml: the body is empty", b"x",
                        datetime.now(UTC))
    at = app("supervisor").run()
    at.switch_page("views/admin.py").run()
    assert not at.exception
    assert not has_table(at, "username")
    q = table(at, "what was wrong")
    assert list(q["reason"]) == ["empty_body"]


def _with_oidc(at: Any, email: str) -> Any:
    at.secrets["auth"] = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "x" * 32,
                          "client_id": "triage", "client_secret": "s",
                          "server_metadata_url": "https://idp.example/.well-known/openid-configuration"}
    at.user = {"is_logged_in": True, "email": email}
    return at


def test_an_oidc_identity_takes_its_role_from_the_local_user(triaged: Any, app: Any) -> None:
    triaged.app().users.store.upsert("sso.sup@example.com", "supervisor", "unused-password")
    at = _with_oidc(app(), "SSO.Sup@example.com").run()
    assert not at.exception
    assert at.session_state["triage_user"] == {"username": "sso.sup@example.com", "role": "supervisor", "via": "oidc"}
    assert "Review queue" in texts(at)


def test_an_oidc_identity_without_a_local_role_gets_nothing(triaged: Any, app: Any) -> None:
    at = _with_oidc(app(), "stranger@example.com").run()
    assert not at.exception
    assert "triage_user" not in at.session_state
    assert any("no role is assigned" in str(e.value) for e in at.error)
