"""Supervisor inbox: approvals waiting (reroute, expedite, ship from another warehouse, credit, write-off)
with their case, the recommendation and its cost or value, and the case's replacement-stock check (free
quantities per warehouse, when read, the transfer); approve or decline with a comment."""

from __future__ import annotations

import streamlit as st

from policies.roles import PermissionDenied
from tools.store.queries import format_age, utc
from ui.components import confidence_text, show_denied, show_error
from ui.session import app, decision_service, flash, read_service, require_page, review_service, show_flashes
from ui.stock_view import show_stock

user = require_page("approval.decide")
st.title("Supervisor inbox")
show_flashes()

try:
    items = review_service().pending_approvals(user)
except PermissionDenied as exc:
    show_denied(exc)
    st.stop()

if not items:
    st.success("No approvals are waiting.")
    st.stop()

st.caption(f"{len(items)} approval(s) waiting, oldest first. Costs are planning values; credits and write-offs "
           "show the value at stake.")
now = app().clock.now()
reads = read_service()
for item in items:
    case = reads.case(user, item.case_id) or {}
    with st.container(border=True, key=f"approval_{item.id}"):
        top = st.columns([3, 1, 1])
        top[0].markdown(f"### {item.approval_kind.replace('_', ' ').title()} · case `{item.case_id}`")
        label = "Value" if item.approval_kind in ("credit", "write_off") else "Cost"
        top[1].metric(label, f"{item.amount:,.2f}" if item.amount is not None else "unknown")
        top[2].metric("Waiting", format_age(now - (utc(item.created_at) or now)))
        detail = f" ({item.action.detail})" if item.action.detail else ""
        st.markdown(f"**Recommendation:** {item.action.title}{detail}")
        st.markdown(
            f"**Case:** {case.get('subject') or '-'}  \n"
            f"Reason **{case.get('reason') or 'needs classification'}** "
            f"({confidence_text(case.get('confidence'))}) · priority **{case.get('priority') or '-'}** · "
            f"carrier {case.get('carrier') or 'unknown'} · requested by {item.requested_by or '-'}"
        )
        if case.get("summary"):
            st.caption(case["summary"])
        show_stock((case.get("erp") or {}).get("stock"), key=f"stock_{item.id}")
        if st.button("Open the case", key=f"open_{item.id}"):
            st.switch_page("views/case.py", query_params={"case": item.case_id})
        comment = st.text_input("Comment", key=f"comment_{item.id}", placeholder="required to decline")
        b1, b2, _ = st.columns([1, 1, 4])
        approve = b1.button("Approve", type="primary", key=f"approve_{item.id}", icon=":material/check:")
        decline = b2.button("Decline", key=f"decline_{item.id}", icon=":material/close:")
        if approve or decline:
            if decline and not comment.strip():
                st.error("Say why you decline: the comment goes into the audit log.")
            else:
                with st.spinner("Recording the decision ..."):
                    try:
                        outbox_id = decision_service().decide_approval(user, item.id, approve, comment.strip())
                    except Exception as exc:
                        show_error(exc, "decide the approval")
                    else:
                        verb = "Approved" if approve else "Declined"
                        extra = " and queued for Odoo" if outbox_id else ""
                        flash(f"{verb} the {item.approval_kind.replace('_', ' ')} for case {item.case_id}{extra}.")
                        st.rerun()
