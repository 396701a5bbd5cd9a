"""The dashboard's Health section and Escalations chart, and the admin's "send failed rows again"
buttons (dashboard and case page), in Streamlit's AppTest over a real triaged home."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.ops.support import outbox_row
from tests.ui.conftest import USERS, TriagedHome, app, texts, triaged, triaged_template  # noqa: F401  (fixtures)
from tools.store import outbox
from tools.store.escalations import EscalationStore
from tools.store.health import record_heartbeat, record_webhook_reject

EMAIL_ERROR = "[user_error] Odoo refused the note or activity: the integration user has no e-mail address."


def seed_operations(home: TriagedHome) -> list[str]:
    """A dispatched-then-failed case and a few escalations over the last days."""
    rt = home.app()
    rt.decisions.accept(USERS["customer_service"], home.ids["weather"])
    # the ticket reached Odoo; its note and activity were refused (integration user without e-mail)
    now = rt.clock.now()
    rows = outbox.claim(rt.engine, "seed", timedelta(minutes=1), now=now, limit=100)
    failed = []
    for row in rows:
        if row.kind == "ticket":
            outbox.mark_sent(rt.engine, row.id, "seed", "helpdesk.ticket", 1, now=now)
        else:
            outbox.mark_needs_person(rt.engine, row.id, "seed", EMAIL_ERROR, now=now)
            failed.append(row.id)
    assert failed
    store = EscalationStore(rt.engine)
    now = datetime.now(UTC)
    for days, key, rule, priority in (
        (3, "customs", "review_overdue", "P2"),
        (2, "address", "review_overdue", "P3"),
        (1, "damaged", "approval_waiting", "P1"),
        (0, "weather", "outbox_needs_person", "P3"),
    ):
        store.record(home.ids[key], rule, "supervisor", rule, timedelta(hours=1), now - timedelta(days=days),
                     priority=priority, due_at=now - timedelta(days=days, hours=1))
    return failed


def test_health_and_escalations_degrade_to_no_data_and_retry_as_admin(triaged: TriagedHome, app: Any) -> None:  # noqa: F811
    failed = seed_operations(triaged)
    at = app("admin").run()
    at.switch_page("views/dashboard.py").run()
    assert not at.exception, at.exception
    page = texts(at)
    for title in ("Health", "Webhook rejects", "Dispatch failures by kind", "Workers", "Escalations"):
        assert title in page
    assert "No webhook rejects recorded in this period." in page
    assert "No data yet: workers report a heartbeat" in page
    assert "Ingestion delay (median)" in page and "Oldest unclaimed case in review" in page
    assert len(at.get("vega_lite_chart")) >= 7 + 3  # + failures by kind, escalations by rule and by priority
    at.button(key="retry_all_failed").click().run()
    assert not at.exception, at.exception
    assert f"Re-queued {len(failed)} row(s) of 1 case(s) for dispatch." in texts(at)
    engine = triaged.app().engine
    assert {outbox_row(engine, i).status for i in failed} == {"pending"}


def test_only_admins_get_the_retry_button(triaged: TriagedHome, app: Any) -> None:  # noqa: F811
    seed_operations(triaged)
    for role in ("ml_owner", "supervisor", "customer_service"):
        at = app(role).run()
        at.switch_page("views/dashboard.py").run()
        assert not at.exception, at.exception
        assert "Dispatch failures by kind" in texts(at)
        assert not [b for b in at.button if b.key == "retry_all_failed"]


def test_case_page_retry_button(triaged: TriagedHome, app: Any) -> None:  # noqa: F811
    failed = seed_operations(triaged)
    case_id = triaged.ids["weather"]
    at = app("supervisor", case=case_id).run()
    at.switch_page("views/case.py").run()
    assert not at.exception, at.exception
    assert not [b for b in at.button if b.key == "retry_case"]
    at = app("admin", case=case_id).run()
    at.switch_page("views/case.py").run()
    assert not at.exception, at.exception
    at.button(key="retry_case").click().run()
    assert f"Re-queued {len(failed)} row(s) of case {case_id} for dispatch." in texts(at)


def test_worker_heartbeats_and_webhook_rejects_show_once_recorded(triaged: TriagedHome, app: Any) -> None:  # noqa: F811
    engine = triaged.app().engine
    now = datetime.now(UTC)
    record_heartbeat(engine, "host-a:123", now - timedelta(minutes=5))
    record_heartbeat(engine, "host-a:123", now)  # the same worker again: one row, the newest time
    for reason in ("signature", "signature", "replay"):
        record_webhook_reject(engine, reason, now)
    at = app("admin").run()
    at.switch_page("views/dashboard.py").run()
    assert not at.exception, at.exception
    page = texts(at)
    assert "No data yet: workers report a heartbeat" not in page and "No webhook rejects" not in page
    frames = [f.value for f in at.dataframe if "worker" in f.value.columns]
    assert frames and list(frames[0]["worker"]) == ["host-a:123"]
