"""Dashboard: queue depth and ageing, cases by reason and carrier over time, approval cycle time,
AI acceptance and edit rates per reason, dispatch failures. Charts are Altair."""

from __future__ import annotations

from datetime import timedelta

import altair as alt
import pandas as pd
import streamlit as st

from policies.roles import PermissionDenied, allowed
from tools.store.queries import format_age, pending_approval_count, status_counts
from ui.components import show_denied
from ui.session import app, flash, health_reads, operator_service, read_service, require_page, show_flashes

user = require_page("dashboard.view")
st.title("Dashboard")
show_flashes()
days = st.selectbox("Period", (7, 30, 90, 365), index=1, format_func=lambda d: f"last {d} days", key="dash_days")

with st.spinner("Aggregating ..."):
    try:
        data = read_service().dashboard(user, days=int(days))
    except PermissionDenied as exc:
        show_denied(exc)
        st.stop()

engine = app().engine
counts = status_counts(engine)
ageing = data["ageing"]
m = st.columns(5)
m[0].metric("Waiting for review", counts.get("awaiting_review", 0) + counts.get("needs_classification", 0))
m[1].metric("Older than a day", int(ageing[ageing["age"].isin(["1-3d", "> 3d"])]["cases"].sum()) if len(ageing) else 0)
m[2].metric("Approvals waiting", pending_approval_count(engine))
m[3].metric("Dispatched", counts.get("dispatched", 0))
m[4].metric("Dispatch failed", counts.get("dispatch_failed", 0))


def _empty(what: str) -> None:
    st.caption(f"No {what} in this period yet.")


def _by_priority(frame: pd.DataFrame, x: alt.X, key: str, what: str) -> None:
    """Cases as bars along `x`, stacked by priority."""
    if not len(frame):
        _empty(what)
        return
    st.altair_chart(
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y("sum(cases):Q", title="cases"),
            color=alt.Color("priority:N", sort=["P1", "P2", "P3", "P4", "-"]),
            tooltip=[key, "priority", "cases"],
        ),
        width="stretch",
    )


row1 = st.columns(2)
with row1[0]:
    st.subheader("Queue depth")
    _by_priority(data["depth"], alt.X("status:N", title=None, sort="-y"), "status", "open cases")
with row1[1]:
    st.subheader("Exception ageing")
    age_axis = alt.X("age:N", sort=["< 1h", "1-4h", "4-24h", "1-3d", "> 3d"], title="waiting for review")
    _by_priority(ageing.astype({"age": str}) if len(ageing) else ageing, age_axis, "age", "cases waiting")


def _over_time(frame: pd.DataFrame, by: str) -> None:
    if not len(frame):
        _empty("cases")
        return
    st.altair_chart(
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("day:T", title=None),
            y=alt.Y("sum(cases):Q", title="cases"),
            color=alt.Color(f"{by}:N"),
            tooltip=["day:T", by, "cases"],
        ),
        width="stretch",
    )


row2 = st.columns(2)
with row2[0]:
    st.subheader("Cases by reason")
    _over_time(data["by_reason"], "reason")
with row2[1]:
    st.subheader("Cases by carrier")
    _over_time(data["by_carrier"], "carrier")

row3 = st.columns(2)
with row3[0]:
    st.subheader("Approval cycle time")
    approvals = data["approvals"]
    if len(approvals):
        st.altair_chart(
            alt.Chart(approvals)
            .mark_boxplot(extent="min-max")
            .encode(x=alt.X("kind:N", title=None), y=alt.Y("hours:Q", title="hours to decide"), color="kind:N"),
            width="stretch",
        )
        st.caption(f"Median {approvals['hours'].median():.1f} h over {len(approvals)} decided approvals.")
    else:
        _empty("decided approvals")
with row3[1]:
    st.subheader("AI acceptance and edit rate")
    outcomes = data["outcomes"]
    if len(outcomes):
        rates = outcomes.melt(
            id_vars=["reason", "decisions"], value_vars=["acceptance_rate", "edit_rate"], var_name="rate",
            value_name="share",
        )
        st.altair_chart(
            alt.Chart(rates)
            .mark_bar()
            .encode(
                y=alt.Y("reason:N", title=None),
                x=alt.X("share:Q", axis=alt.Axis(format="%"), title=None),
                color=alt.Color("rate:N"),
                yOffset="rate:N",
                tooltip=["reason", "rate", alt.Tooltip("share:Q", format=".0%"), "decisions"],
            ),
            width="stretch",
        )
    else:
        _empty("reviews")

st.subheader("Dispatch")
row4 = st.columns(2)
with row4[0]:
    dispatch = data["dispatch"]
    if len(dispatch):
        st.altair_chart(
            alt.Chart(dispatch)
            .mark_bar()
            .encode(
                x=alt.X("kind:N", title=None),
                y=alt.Y("sum(rows):Q", title="outbox rows"),
                color=alt.Color(
                    "status:N",
                    scale=alt.Scale(
                        domain=["sent", "pending", "sending", "needs_person"],
                        range=["#2e7d32", "#9e9e9e", "#1976d2", "#c62828"],
                    ),
                ),
                tooltip=["kind", "status", "rows"],
            ),
            width="stretch",
        )
    else:
        _empty("dispatches")
with row4[1]:
    failures = data["failures"]
    if len(failures):
        st.altair_chart(
            alt.Chart(failures)
            .mark_bar(color="#c62828")
            .encode(x=alt.X("day:T", title=None), y=alt.Y("count():Q", title="failed or retrying"), color="status:N"),
            width="stretch",
        )
        st.dataframe(failures.drop(columns=["day"]), hide_index=True, width="stretch", key="failures_table")
    else:
        st.success("No dispatch failures in this period.")

# ------------------------------------------------------------------------------------- health
st.divider()
st.header("Health")
try:
    health = health_reads().health(user, days=int(days))
except PermissionDenied as exc:
    show_denied(exc)
    st.stop()


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "no data yet"
    return format_age(timedelta(seconds=seconds)) if seconds >= 60 else f"{seconds:.0f}s"


delay = health["ingest_delay"]
oldest = health["oldest"]
h = st.columns(4)
h[0].metric(
    "Ingestion delay (median)",
    _duration(float(delay["seconds"].median()) if len(delay) else None),
    help="From the message's own date to stored, over the period",
)
h[1].metric("Ingestion delay (p95)", _duration(float(delay["seconds"].quantile(0.95)) if len(delay) else None))
triage_wait = oldest.get("triage")
h[2].metric(
    "Oldest case waiting for a worker",
    _duration(triage_wait["seconds"]) if triage_wait else "none",
    help=f"case {triage_wait['case']}" if triage_wait else "every stored case has been triaged",
)
review_wait = oldest.get("review")
h[3].metric(
    "Oldest unclaimed case in review",
    _duration(review_wait["seconds"]) if review_wait else "none",
    help=(f"case {review_wait['case']} ({review_wait['priority'] or '-'})" if review_wait
          else "no unassigned case waits"),
)

hrow = st.columns(3)
with hrow[0]:
    st.subheader("Webhook rejects")
    rejects = health["webhook_rejects"]
    if not len(rejects):
        st.success("No webhook rejects recorded in this period.")
    else:
        st.altair_chart(
            alt.Chart(rejects).mark_bar().encode(
                y=alt.Y("reason:N", title=None), x=alt.X("rejects:Q", title="rejects"), tooltip=["reason", "rejects"]
            ),
            width="stretch",
        )
with hrow[1]:
    st.subheader("Dispatch failures by kind")
    by_kind = health["dispatch_failures"]
    if not len(by_kind):
        st.success("No outbox row waits for a person.")
    else:
        st.altair_chart(
            alt.Chart(by_kind).mark_bar(color="#c62828").encode(
                x=alt.X("kind:N", title=None), y=alt.Y("sum(rows):Q", title="rows waiting for a person"),
                color=alt.Color("code:N", title="error"), tooltip=["kind", "code", "rows"],
            ),
            width="stretch",
        )
        if allowed(user.role, "outbox.retry") and st.button(
            "Send failed rows again", key="retry_all_failed", icon=":material/replay:",
            help="After fixing the cause: every row that needs a person goes back to the dispatcher",
        ):
            try:
                result = operator_service().retry(user, all_failed=True)
            except PermissionDenied as exc:
                show_denied(exc)
            except ValueError as exc:
                st.error(str(exc))
            else:
                flash(f"Re-queued {result.requeued} row(s) of {len(result.case_ids)} case(s) for dispatch.")
                st.rerun()
with hrow[2]:
    st.subheader("Workers")
    beats = health["heartbeats"]
    if not len(beats):
        st.caption("No data yet: workers report a heartbeat once `triage worker` runs.")
    else:
        shown = beats.assign(ago=[_duration(s) for s in beats["seconds_ago"]])[["worker", "last_heartbeat", "ago"]]
        st.dataframe(shown, hide_index=True, width="stretch", key="heartbeats_table")

st.subheader("Escalations")
esc = health["escalations"]
if not len(esc):
    st.caption("No SLA breaches escalated in this period (`triage reconcile`, or the worker every 5 minutes).")
else:
    erow = st.columns(2)
    with erow[0]:
        st.altair_chart(
            alt.Chart(esc).mark_bar().encode(
                x=alt.X("yearmonthdate(day):O", title=None), y=alt.Y("sum(escalations):Q", title="breaches"),
                color=alt.Color("rule:N"), tooltip=["day:T", "rule", "priority", "escalations"],
            ),
            width="stretch",
        )
    with erow[1]:
        st.altair_chart(
            alt.Chart(esc).mark_bar().encode(
                x=alt.X("yearmonthdate(day):O", title=None), y=alt.Y("sum(escalations):Q", title="breaches"),
                color=alt.Color("priority:N", sort=["P1", "P2", "P3", "P4", "-"]),
                tooltip=["day:T", "rule", "priority", "escalations"],
            ),
            width="stretch",
        )
