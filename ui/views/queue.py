"""Queue: open cases by priority, then age; filters, search, counts per state, bulk accept."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from agents.state import CHANNELS, LANGUAGE_NAMES, PRIORITIES, REASON_CODES
from policies.roles import PermissionDenied, allowed
from tools.store.queries import ALL_STATUSES, REVIEW_STATUSES, UNASSIGNED, UNKNOWN_LANGUAGE, QueueFilters
from ui.components import show_denied, show_error
from ui.session import decision_service, flash, read_service, require_page, show_flashes

user = require_page("case.view")

# A link from Odoo in the older form (`/?case=ID`) lands here: open that case at its address.
if st.query_params.get("case"):
    st.switch_page("views/case.py", query_params={"id": st.query_params["case"]})

st.title("Review queue")
show_flashes()
reads = read_service()
PAGE_SIZES = (25, 50, 100, 200)
SLA_CHOICES = {"any": None, "breached": True, "within SLA": False}
LISTS = {  # widget key -> (address parameter, allowed values or None for "any value")
    "f_status": ("status", ALL_STATUSES),
    "f_reason": ("reason", tuple(REASON_CODES)),
    "f_priority": ("priority", tuple(PRIORITIES)),
    "f_channel": ("channel", tuple(CHANNELS)),
    "f_carrier": ("carrier", None),
    "f_assignee": ("assignee", None),
}


def _from_address(options: dict[str, list[str]]) -> None:
    """The filters in the address (`?reason=damaged,lost&priority=P1&q=reefer&page=2`) become the widgets'
    first values, so a shared link opens the same view; values that are not options are dropped."""
    if st.session_state.get("_q_from_address"):
        return
    st.session_state["_q_from_address"] = True
    params = st.query_params
    choices = {"f_carrier": options["carriers"], "f_assignee": [UNASSIGNED, *options["assignees"]]}
    for key, (name, allowed_values) in LISTS.items():
        if name in params:
            allowed_set = set(allowed_values if allowed_values is not None else choices[key])
            st.session_state[key] = [v for v in params[name].split(",") if v in allowed_set]
    if "q" in params:
        st.session_state["f_search"] = params["q"][:200]
    if "sla" in params and params["sla"] in SLA_CHOICES:
        st.session_state["f_sla"] = params["sla"]
    if "conf" in params:
        try:
            low, high = (min(max(float(x), 0.0), 1.0) for x in params["conf"].split("-", 1))
            st.session_state["f_conf"] = (min(low, high), max(low, high))
        except ValueError:
            pass
    if params.get("size", "").isdigit() and int(params["size"]) in PAGE_SIZES:
        st.session_state["q_page_size"] = int(params["size"])
    if params.get("page", "").isdigit():
        st.session_state["_q_page_from_address"] = max(1, int(params["page"]))


def _to_address(page_no: int, page_size: int) -> None:
    """The current view in the address, short: only what differs from the default view."""
    out: dict[str, str] = {}
    for key, (name, _allowed) in LISTS.items():
        values = list(st.session_state.get(key) or [])
        if key == "f_status":
            if values != list(REVIEW_STATUSES):
                out[name] = ",".join(values)
        elif values:
            out[name] = ",".join(values)
    if st.session_state.get("f_search", "").strip():
        out["q"] = st.session_state["f_search"].strip()
    if st.session_state.get("f_sla", "any") != "any":
        out["sla"] = st.session_state["f_sla"]
    conf = st.session_state.get("f_conf", (0.0, 1.0))
    if tuple(conf) != (0.0, 1.0):
        out["conf"] = f"{conf[0]:g}-{conf[1]:g}"
    if page_size != 50:
        out["size"] = str(page_size)
    if page_no > 1:
        out["page"] = str(page_no)
    if dict(st.query_params) != out:
        st.query_params.from_dict(out)


# ------------------------------------------------------------------------------------------ filters
options = reads.filter_options(user)
_from_address(options)
# defaults through Session State only (a widget given both a default and a state value warns)
for _key, _default in (("f_status", list(REVIEW_STATUSES)), ("f_conf", (0.0, 1.0)), ("f_sla", "any"),
                       ("q_page_size", 50)):
    st.session_state.setdefault(_key, _default)
with st.sidebar:
    st.subheader("Filters")
    statuses = st.multiselect("Status", ALL_STATUSES, key="f_status")
    reasons = st.multiselect("Reason", [*REASON_CODES], key="f_reason")
    priorities = st.multiselect("Priority", [*PRIORITIES], key="f_priority")
    channels = st.multiselect("Channel", [*CHANNELS], key="f_channel")
    carriers = st.multiselect("Carrier", options["carriers"], key="f_carrier")
    languages = st.multiselect(
        "Language",
        [*LANGUAGE_NAMES, UNKNOWN_LANGUAGE],
        format_func=lambda code: LANGUAGE_NAMES.get(code, code),
        key="f_language",
    )
    manipulation = st.radio(
        "Manipulation", ["any", "suspected", "not suspected"], horizontal=True, key="f_manipulation"
    )
    assignees = st.multiselect("Assignee", [UNASSIGNED, *options["assignees"]], key="f_assignee")
    conf: tuple[float, float] = st.slider("Confidence", 0.0, 1.0, step=0.05, key="f_conf")  # type: ignore[assignment]
    sla = st.radio("SLA", list(SLA_CHOICES), horizontal=True, key="f_sla")

search = st.text_input(
    "Search references and text", key="f_search",
    placeholder="tracking, BOL, PO, container (with or without punctuation), words ...",
)
filters = QueueFilters(
    statuses=statuses,
    reasons=reasons,
    priorities=priorities,
    channels=channels,
    carriers=carriers,
    languages=languages,
    manipulation_suspected={"any": None, "suspected": True, "not suspected": False}[manipulation],
    assignees=assignees,
    min_confidence=conf[0] if conf[0] > 0 else None,
    max_confidence=conf[1] if conf[1] < 1 else None,
    sla_breached=SLA_CHOICES[sla],
    search=search,
)
# a new filter starts again at page 1 (or at the page the address asked for, on the first view)
if st.session_state.get("_last_filters") != filters:
    st.session_state["_last_filters"] = filters
    st.session_state["q_page"] = st.session_state.pop("_q_page_from_address", 1)
    st.session_state["_q_keys"] = {}  # page number -> the last row's queue key, for keyset paging

cols = st.columns([1, 1, 4])
page_size = cols[0].selectbox("Per page", PAGE_SIZES, key="q_page_size")
page_no = cols[1].number_input("Page", min_value=1, step=1, key="q_page")
keys = st.session_state.setdefault("_q_keys", {})
if keys.get("size") != page_size:
    keys.clear()
    keys["size"] = page_size
try:
    # paging on from the page before reads from its last row (keyset), however deep; a jump uses OFFSET
    page = reads.queue(user, filters, page=int(page_no), page_size=int(page_size), after=keys.get(int(page_no) - 1))
except PermissionDenied as exc:
    show_denied(exc)
    st.stop()
keys[page.page] = page.last_key
_to_address(page.page, int(page_size))

# ------------------------------------------------------------------------------------------ counts
metric_cols = st.columns(6)
for col, status in zip(
    metric_cols,
    ("awaiting_review", "needs_classification", "approved", "dispatch_failed", "dispatched", "rejected"),
    strict=True,
):
    col.metric(status.replace("_", " "), page.counts.get(status, 0))

cols[2].markdown(f"**{page.total_text}** matching cases · page {page.page} of {page.pages_text}")

frame = page.frame()
# each case's address, relative to this server: opens it in a new tab, or copy it to share or bookmark
frame.insert(0, "open", [f"case?id={cid}" for cid in frame["case"]])
if frame.empty:
    st.info("No cases match these filters.")
    st.stop()

st.dataframe(
    frame,
    hide_index=True,
    width="stretch",
    column_config={
        "confidence": st.column_config.ProgressColumn("confidence", min_value=0.0, max_value=1.0, format="percent"),
        "SLA": st.column_config.TextColumn("SLA", help="past the review SLA of its priority"),
        "open": st.column_config.LinkColumn(
            "open", help="the case's address: open it, bookmark it or share it", display_text="open"
        ),
        "match": st.column_config.TextColumn("match", help="where the search matched"),
        "manipulation": st.column_config.TextColumn(
            "manipulation", help="the message contains text addressing the assistant or the system"
        ),
        "follow-up": st.column_config.TextColumn(
            "follow-up", help="a new message about the shipment of this open case: it proposes only what is new"
        ),
    },
    key="queue_table",
)

labels = {
    r.id: f"{r.id} · {r.priority or '-'} · {r.reason or 'unclassified'} · {(r.subject or '')[:60]}" for r in page.rows
}

# ------------------------------------------------------------------------------------------ open one
open_cols = st.columns([4, 1])
chosen = open_cols[0].selectbox("Case", list(labels), format_func=labels.__getitem__, key="q_open_case")
if open_cols[1].button("Open case", type="primary", key="q_open"):
    st.session_state["case_id"] = chosen
    st.switch_page("views/case.py", query_params={"id": chosen})

# ------------------------------------------------------------------------------------------ bulk accept
if allowed(user.role, "case.bulk_accept"):
    st.subheader("Bulk accept")
    st.caption("Select cases on this page; you see what acceptance would send before anything is sent.")
    reviewable = [r.id for r in page.rows if r.status in REVIEW_STATUSES]
    selected = st.multiselect("Cases to accept", reviewable, format_func=labels.__getitem__, key="bulk_selected")
    plan = st.session_state.get("bulk_plan")
    if plan and plan["ids"] != selected:
        st.session_state.pop("bulk_plan", None)  # the selection changed: the preview no longer applies
        plan = None
    if st.button("Preview bulk accept", disabled=not selected, key="bulk_preview"):
        try:
            effects = decision_service().plan_bulk_accept(user, selected)
        except Exception as exc:
            show_error(exc, "plan the bulk accept")
        else:
            st.session_state["bulk_plan"] = {
                "ids": list(selected),
                "rows": [
                    {"case": e.case_id, "will send": e.action, "goes to": e.goes_to, "amount": e.amount}
                    for e in effects
                ],
            }
            plan = st.session_state["bulk_plan"]
    if plan:
        by_case = {r.id: r for r in page.rows}
        summary_rows = [
            {
                "case": cid,
                "reason": by_case[cid].reason if cid in by_case else "",
                "priority": by_case[cid].priority if cid in by_case else "",
                "change vs AI proposal": "none (accepted as proposed)",
            }
            for cid in plan["ids"]
        ]
        st.markdown("**What will be sent, per case** (nothing has been sent yet)")
        st.dataframe(pd.DataFrame(summary_rows), hide_index=True, width="stretch", key="bulk_cases")
        st.dataframe(
            pd.DataFrame(plan["rows"], columns=["case", "will send", "goes to", "amount"]),
            hide_index=True,
            width="stretch",
            key="bulk_effects",
        )
        if st.button(f"Accept and send {len(plan['ids'])} case(s)", type="primary", key="bulk_confirm"):
            with st.spinner("Accepting: resuming each case's graph ..."):
                try:
                    results = decision_service().bulk_accept(user, plan["ids"])
                except Exception as exc:
                    show_error(exc, "bulk accept")
                    results = []
            st.session_state.pop("bulk_plan", None)
            if results:
                ok = [r for r in results if r.ok]
                failed = [r for r in results if not r.ok]
                flash(f"Accepted {len(ok)} case(s).")
                for r in failed:
                    flash(f"{r.case_id}: {r.message}", "error")
                st.session_state.pop("bulk_selected", None)
                st.rerun()
