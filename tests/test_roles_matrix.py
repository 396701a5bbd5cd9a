"""Every (role, permission) pair of policies/roles.yaml, exercised through the service-layer functions
(not the UI): a forbidden pair raises PermissionDenied and leaves no trace; an allowed pair does not.
Hiding a button is not enough: this is what stops a customer-service user calling a function directly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from agents.review_service import ReviewService
from agents.state import ROLES, User
from policies.roles import PermissionDenied, allowed, permissions
from tests.ui.conftest import TriagedHome, triaged, triaged_template  # noqa: F401  (fixtures)
from tools.store import schema as t
from tools.store.queries import QueueFilters, ReadService
from ui.services import export_labels, reprocess_quarantined

USER_OF_ROLE = {
    "customer_service": User("cs.anna", "customer_service"),
    "supervisor": User("sup.omar", "supervisor"),
    "ml_owner": User("ml.kim", "ml_owner"),
    "admin": User("admin", "admin"),
}


def _count(home: TriagedHome, table: Any) -> int:
    with home.app().engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _trace(home: TriagedHome) -> tuple[int, ...]:
    """Everything a privileged call could write: a refused call must change none of it."""
    return tuple(
        _count(home, table)
        for table in (t.audit_log, t.approvals, t.outbox, t.raw_access_log, t.labelled_exports, t.users, t.quarantine)
    ) + tuple(sorted((home.app().store.counts()).items()))  # type: ignore[arg-type]


def _pending_reroute(home: TriagedHome) -> str:
    service = home.app().decisions
    service.accept(USER_OF_ROLE["customer_service"], home.ids["refused"])
    with home.app().engine.connect() as conn:
        return str(conn.execute(select(t.approvals.c.id).where(t.approvals.c.status == "pending")).scalar_one())


# permission -> (prepare, act): prepare builds what the act needs (as a privileged user); act runs
# every service function that the permission guards, as `user`.
def _case_view(home: TriagedHome, user: User, _ctx: Any) -> None:
    rt = home.app()
    reads = ReadService(rt.engine, rt.clock)
    assert reads.queue(user, QueueFilters()).total == 6
    assert reads.case(user, home.ids["weather"]) is not None
    reads.filter_options(user)


def _case_decide(home: TriagedHome, user: User, _ctx: Any) -> None:
    service = home.app().decisions
    service.accept(user, home.ids["weather"])
    service.edit(user, home.ids["customs"], priority="P1", comment="storage charges start soon")
    service.reject(user, home.ids["delivered"], "informational")


def _bulk_accept(home: TriagedHome, user: User, _ctx: Any) -> None:
    service = home.app().decisions
    ids = [home.ids["address"], home.ids["damaged"]]
    assert service.plan_bulk_accept(user, ids)
    assert all(r.ok for r in service.bulk_accept(user, ids))


def _raw_view(home: TriagedHome, user: User, _ctx: Any) -> None:
    rt = home.app()
    raw = ReviewService(rt.engine, rt.clock).open_raw(user, home.ids["refused"])
    assert "Katrin Vogel" in raw["body"]


def _approval_decide(home: TriagedHome, user: User, approval_id: Any) -> None:
    rt = home.app()
    assert [a.id for a in ReviewService(rt.engine, rt.clock).pending_approvals(user)] == [approval_id]
    rt.decisions.decide_approval(user, approval_id, True, "approved in the matrix test")


def _dashboard(home: TriagedHome, user: User, _ctx: Any) -> None:
    rt = home.app()
    data = ReadService(rt.engine, rt.clock).dashboard(user)
    assert data["depth"]["cases"].sum() == 6


def _labels_export(home: TriagedHome, user: User, _ctx: Any) -> None:
    home.app().decisions.accept(USER_OF_ROLE["customer_service"], home.ids["weather"])
    out = home.path / "labels.jsonl"
    export_labels(user, home.app().engine, out)
    assert home.ids["weather"] in out.read_text()


def _labels_export_forbidden(home: TriagedHome, user: User, _ctx: Any) -> None:
    export_labels(user, home.app().engine, home.path / "labels.jsonl")


def _labels_export_direct(home: TriagedHome, user: User, _ctx: Any) -> None:
    # the eval engineer's export function checks the role too, not only our wrapper
    from evals.export import export_reviewed

    export_reviewed(home.app().engine, user, home.path / "direct.jsonl")


def _quarantine(home: TriagedHome, user: User, qid: Any) -> None:
    reprocess_quarantined(user, home.app(), qid, triage=False)


def _users(home: TriagedHome, user: User, _ctx: Any) -> None:
    rt = home.app()
    rt.users.add_user(user, "cs.new", "customer_service", "a-long-password")
    assert "cs.new" in {u.username for u in rt.users.list_users(user)}


def _operator(home: TriagedHome) -> Any:
    return home.app().operator


def _approval_view(home: TriagedHome, user: User, approval_id: Any) -> None:
    assert [a["id"] for a in _operator(home).approvals(user)] == [approval_id]


def _outbox_view(home: TriagedHome, user: User, _ctx: Any) -> None:
    assert _operator(home).outbox_rows(user, failed_only=True) == []


def _outbox_retry(home: TriagedHome, user: User, row_ids: Any) -> None:
    assert _operator(home).retry(user, all_failed=True).requeued == len(row_ids)


def _prepare_failed_rows(home: TriagedHome) -> Any:
    from datetime import timedelta

    from tools.store import outbox

    home.app().decisions.accept(USER_OF_ROLE["customer_service"], home.ids["address"])
    engine, now = home.app().engine, home.app().clock.now()
    rows = outbox.claim(engine, "matrix", timedelta(minutes=1), now=now, limit=100)
    for row in rows:
        outbox.mark_needs_person(engine, row.id, "matrix", "[access_denied] give the user Helpdesk rights", now=now)
    assert rows
    return [r.id for r in rows]


def _prepare_approval(home: TriagedHome) -> Any:
    return _pending_reroute(home)


def _prepare_quarantine(home: TriagedHome) -> Any:
    rt = home.app()
    return rt.store.quarantine("inbox/empty.eml", "email", "empty_body", "inbox/empty.eml: empty", b"",
                               datetime.now(UTC))


ACTS: dict[str, tuple[Callable[[TriagedHome], Any] | None, list[Callable[[TriagedHome, User, Any], object]]]] = {
    "case.view": (None, [_case_view]),
    "case.decide": (None, [_case_decide]),
    "case.bulk_accept": (None, [_bulk_accept]),
    "raw.view": (None, [_raw_view]),
    "approval.decide": (_prepare_approval, [_approval_decide]),
    "approval.view": (_prepare_approval, [_approval_view]),
    "outbox.view": (None, [_outbox_view]),
    "outbox.retry": (_prepare_failed_rows, [_outbox_retry]),
    "dashboard.view": (None, [_dashboard]),
    "labels.export": (None, [_labels_export]),
    "quarantine.reprocess": (_prepare_quarantine, [_quarantine]),
    "users.manage": (None, [_users]),
}
# forbidden pairs: each guarded function separately, so one refusal does not hide another
FORBIDDEN_ACTS: dict[str, list[Callable[[TriagedHome, User, Any], object]]] = {
    "case.decide": [
        lambda h, u, _c: h.app().decisions.accept(u, h.ids["weather"]),
        lambda h, u, _c: h.app().decisions.edit(u, h.ids["weather"], priority="P1"),
        lambda h, u, _c: h.app().decisions.reject(u, h.ids["weather"], "no"),
    ],
    "case.bulk_accept": [
        lambda h, u, _c: h.app().decisions.plan_bulk_accept(u, [h.ids["weather"]]),
        lambda h, u, _c: h.app().decisions.bulk_accept(u, [h.ids["weather"]]),
    ],
    "approval.decide": [
        lambda h, u, _c: ReviewService(h.app().engine, h.app().clock).pending_approvals(u),
        lambda h, u, a: h.app().decisions.decide_approval(u, a, True, "sneaky"),
        lambda h, u, a: h.app().decisions.decide_approval(u, a, False, "sneaky"),
        lambda h, u, a: h.app().operator.decide_approval(u, a, True, "sneaky"),
    ],
    "labels.export": [_labels_export_forbidden, _labels_export_direct],
    "users.manage": [
        lambda h, u, _c: h.app().users.add_user(u, "x.y", "admin", "a-long-pass"),
        lambda h, u, _c: h.app().users.list_users(u),
    ],
}

PAIRS = [(role, perm) for perm in sorted(permissions()) for role in ROLES]


def test_the_matrix_covers_every_permission_of_roles_yaml() -> None:
    assert set(ACTS) == set(permissions())
    forbidden = {(r, p) for r, p in PAIRS if not allowed(r, p)}
    assert forbidden, "roles.yaml forbids nothing?"
    assert {p for _r, p in forbidden} <= set(ACTS)


@pytest.mark.parametrize(("role", "permission"), PAIRS, ids=[f"{r}-{p}" for r, p in PAIRS])
def test_role_permission_pair(triaged: TriagedHome, role: str, permission: str) -> None:  # noqa: F811
    user = USER_OF_ROLE[role]
    prepare, acts = ACTS[permission]
    ctx = prepare(triaged) if prepare else None
    if allowed(role, permission):
        for act in acts:
            act(triaged, user, ctx)  # must not raise PermissionDenied
        return
    before = _trace(triaged)
    for act in FORBIDDEN_ACTS.get(permission, acts):
        with pytest.raises(PermissionDenied, match=permission.replace(".", r"\.")):
            act(triaged, user, ctx)
    assert _trace(triaged) == before, "a refused call left a trace"
    # the cases it tried to decide are still waiting for a human
    store = triaged.app().store
    assert store.case_status(triaged.ids["weather"]) == "awaiting_review"
