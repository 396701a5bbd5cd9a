"""Case view: the redacted message with its references, the AI's reading and proposal, similar past
cases, the Odoo context, and the decision (accept, edit, reject) that resumes the case's graph."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from agents.state import LANGUAGE_NAMES, PRIORITIES, REASON_CODES, Proposal, ProposedAction
from policies.roles import PermissionDenied, allowed
from tools.store.queries import REVIEW_STATUSES, format_age, utc
from ui.components import (
    ACTION_CATALOG,
    action_key,
    action_label,
    actions_frame,
    catalog_action,
    confidence_text,
    diff_frame,
    highlight_references,
    parse_references,
    references_frame,
    show_denied,
    show_error,
)
from ui.session import (
    app,
    decision_service,
    flash,
    operator_service,
    read_service,
    require_page,
    review_service,
    show_flashes,
)
from ui.stock_view import show_stock

user = require_page("case.view")
show_flashes()

# A case's stable address is `/case?id=<case id>` (links in chat, bookmarks, the Odoo ticket); `?case=` is
# the older form, still read.
case_id = st.query_params.get("id") or st.query_params.get("case") or st.session_state.get("case_id")
if not case_id:
    st.info("Open a case from the queue.")
    st.page_link("views/queue.py", label="Back to the queue", icon=":material/arrow_back:")
    st.stop()
st.session_state["case_id"] = case_id
if st.query_params.get("id") != case_id or "case" in st.query_params:
    st.query_params.from_dict({"id": case_id})

try:
    case = read_service().case(user, case_id)
except PermissionDenied as exc:
    show_denied(exc)
    st.stop()
if case is None:
    st.error(f"No case {case_id!r} in the store.")
    st.stop()

now = app().clock.now()
created = utc(case["received_at"]) or utc(case["created_at"]) or now
sla_due = utc(case["sla_due"])
proposal = Proposal.model_validate(case["proposal"]) if case.get("proposal") else None
classification: dict[str, Any] = case.get("classification") or {}
refs = parse_references(case.get("refs"))

st.page_link("views/queue.py", label="Back to the queue", icon=":material/arrow_back:")
st.title(case.get("subject") or f"Case {case_id}")
head = st.columns(5)
head[0].metric("Status", str(case["status"]).replace("_", " "))
head[1].metric("Priority", case.get("priority") or "-")
head[2].metric("Age", format_age(now - created))
sla_text = "-" if sla_due is None else ("breached" if sla_due < now else f"due {sla_due:%d %b %H:%M}")
head[3].metric("SLA", sla_text)
head[4].metric("Channel", case["channel"])
language = case.get("language")
st.caption(
    f"Case `{case_id}` · carrier {case.get('carrier') or 'unknown'} · assignee {case.get('assignee') or '-'}"
    f" · language {LANGUAGE_NAMES.get(language, language) if language else 'unknown'}"
)
if proposal is not None and proposal.followup_of:
    # A follow-up proposes only the update note and what is new: the reviewer reads it against its parent.
    with st.container(border=True, key="followup_banner"):
        st.markdown(
            f":material/forum: **Follow-up to case [{proposal.followup_of}](/case?id={proposal.followup_of})**: "
            "a new message about the same shipment. Approvals and the customer update the shipment already has "
            "are not proposed again."
        )
        for line in proposal.what_changed or ["Nothing new in it: no new ETA, reason, reference or priority."]:
            st.markdown(f"- {line}")
followups: list[dict[str, Any]] = case.get("followups") or []
if followups:
    st.caption(
        "Follow-ups in this case's thread: "
        + ", ".join(f"[{f['id']}](/case?id={f['id']}) ({f['channel']})" for f in followups)
        + (f" · newest ETA {case['eta']}" if case.get("eta") else "")
    )
manipulation: list[dict[str, Any]] = case.get("manipulation") or []
if case.get("manipulation_suspected"):
    st.warning(
        f"**Manipulation suspected.** {len(manipulation)} passage(s) of this message address the assistant or the "
        "system (instructions, fake tool calls, orders to set a priority, approve, skip review or change a record). "
        "They were left out of what the AI read; check the proposal against the rest of the message.",
        icon=":material/gpp_maybe:",
    )
    with st.expander("Passages left out of the AI's reading", expanded=True):
        for span in manipulation:
            st.markdown(f"- `{span.get('field')}` · {span.get('kind', '').replace('_', ' ')}")
            st.code(span.get("text") or "", language=None)

left, right = st.columns([3, 2], gap="large")

# ------------------------------------------------------------------------------------- the message
with left:
    st.subheader("Message (redacted)")
    if case.get("sender_domain"):
        st.caption(f"from @{case['sender_domain']}")
    if case.get("subject"):
        st.markdown(highlight_references(case["subject"], refs, "subject"), unsafe_allow_html=True)
        st.divider()
    st.markdown(highlight_references(case.get("body") or "", refs, "body"), unsafe_allow_html=True)
    redacted = case.get("redacted") or {}
    if redacted.get("structured"):
        st.markdown("**Portal fields**")
        st.json(redacted["structured"], expanded=False)
    counts = (redacted.get("stats") or {}).get("counts") or {}
    if counts:
        st.caption("Redacted: " + ", ".join(f"{k} x{v}" for k, v in sorted(counts.items())))

    st.markdown("**References found**")
    if refs:
        st.dataframe(references_frame(refs), hide_index=True, width="stretch", key="refs_table")
    else:
        st.caption("No shipment references were found in this message.")

    if allowed(user.role, "raw.view"):
        if st.button("Show the raw message (this opening is logged)", key="raw_open", icon=":material/lock_open:"):
            try:
                raw = review_service().open_raw(user, case_id)
            except Exception as exc:
                show_error(exc, "open the raw message")
            else:
                with st.container(border=True):
                    st.markdown("**Raw message** (contains personal data; do not copy it elsewhere)")
                    if raw["purged"]:
                        st.info("The raw text was purged by the retention rule; only the redacted case remains.")
                    else:
                        st.text(f"From: {raw['sender'] or '-'}\nSubject: {raw['subject'] or '-'}\n\n{raw['body']}")
    else:
        st.caption(":material/lock: The raw message is shown only to supervisors and admins.")

# ------------------------------------------------------------------------------------- the AI's reading
with right:
    st.subheader("Reason")
    reason = case.get("reason") or classification.get("reason")
    st.markdown(
        f"**{reason or 'needs classification'}** · confidence {confidence_text(case.get('confidence'))}"
        + (" · the reasoner abstained" if classification.get("abstained") else "")
    )
    at7 = classification.get("at7_codes") or []
    st.caption("AT7 codes: " + (", ".join(at7) if at7 else "-") + f" · reasoner: {classification.get('reasoner', '-')}")
    if classification.get("evidence"):
        st.markdown("Evidence:")
        st.markdown(f"> {classification['evidence']}")
    st.subheader("Summary")
    st.write(case.get("summary") or (proposal.summary if proposal else "-"))
    if proposal:
        st.subheader("Priority")
        st.markdown(f"**{proposal.priority}** - {proposal.priority_explanation}")

if proposal is not None and proposal.customer_draft:
    posted = any(a.kind == "draft_customer_update" for a in proposal.actions)
    st.subheader("Customer update (draft)")
    st.caption(
        "Written from the case's facts only (reason, references, new ETA, the customer's company and language "
        "from Odoo). Edit it below, then accept. "
        + (
            "The approved text lands on the Odoo ticket as a note marked \u201cDraft, not sent\u201d; nothing is "
            "e-mailed to the customer."
            if posted
            else "Not posted: the proposal has no customer update; add \u201cDraft a customer update\u201d to post it."
        )
    )
    with st.container(border=True, key="customer_draft_view"):
        st.text(proposal.customer_draft)

tabs = st.tabs(["Proposed actions", "Similar past cases", "Odoo context", "Approvals & dispatch", "Audit trail"])
with tabs[0]:
    if proposal:
        st.dataframe(actions_frame(proposal.actions), hide_index=True, width="stretch", key="actions_table")
        # the stock check decides between shipping from another warehouse and expediting
        show_stock((case.get("erp") or {}).get("stock"), key="stock_table_actions")
    else:
        st.caption("No proposal yet: the case has not been triaged.")
with tabs[1]:
    similar = case.get("similar") or []
    if similar:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "case": s.get("case_id"),
                        "similarity": s.get("score"),
                        "reason": s.get("reason"),
                        "priority": s.get("priority"),
                        "actions": ", ".join(s.get("actions") or []),
                        "resolution": s.get("resolution") or "",
                        "excerpt": s.get("excerpt") or "",
                    }
                    for s in similar
                ]
            ),
            hide_index=True,
            width="stretch",
            column_config={"similarity": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0, format="%.2f")},
            key="similar_table",
        )
    else:
        st.caption("No similar past cases.")
with tabs[2]:
    erp = case.get("erp") or {}
    if erp.get("source", "none") == "none":
        st.caption("No Odoo context: no ERP is connected, or nothing matched the references.")
    else:
        if erp.get("error"):
            st.warning(f"The Odoo lookup failed: {erp['error']}")
        keys = ("customer_match", "customer_tier", "order_value", "promised_date")  # customer_match: how it was found
        facts = {k: erp.get(k) for k in keys if erp.get(k) is not None}
        if facts:
            st.write(facts)
        show_stock(erp.get("stock"), key="stock_table")
        for key in ("picking", "order", "customer"):
            if erp.get(key):
                st.markdown(f"**{key}**")
                st.json(erp[key], expanded=False)
with tabs[3]:
    if case["approvals"]:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "kind": a["approval_kind"], "status": a["status"], "amount": a["amount"],
                        "decided by": a["decided_by"] or "", "comment": a["comment"] or "",
                    }
                    for a in case["approvals"]
                ]
            ),
            hide_index=True,
            key="approvals_table",
        )
    if case["outbox"]:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "kind": o["kind"], "status": o["status"], "attempts": o["attempts"],
                        "error": o["last_error"] or "",
                        "odoo": f"{o['odoo_model']} {o['odoo_id']}" if o["odoo_id"] else "",
                    }
                    for o in case["outbox"]
                ]
            ),
            hide_index=True,
            key="outbox_table",
        )
        failed = [o["id"] for o in case["outbox"] if o["status"] == "needs_person"]
        if failed and allowed(user.role, "outbox.retry"):
            st.caption("After fixing the cause in Odoo, send the failed rows again (the dispatcher picks them up).")
            if st.button(f"Send {len(failed)} failed row(s) again", key="retry_case", icon=":material/replay:"):
                try:
                    result = operator_service().retry(user, row_ids=failed)
                except Exception as exc:
                    show_error(exc, "re-queue the failed rows")
                else:
                    flash(f"Re-queued {result.requeued} row(s) of case {case_id} for dispatch.")
                    st.rerun()
    if not case["approvals"] and not case["outbox"]:
        st.caption("Nothing queued for this case yet.")
with tabs[4]:
    trail = review_service().audit_trail(case_id)
    if not trail:
        st.caption("No decisions yet.")
    for entry in trail:
        at = utc(entry["at"])
        st.markdown(
            f"**{entry['event']}: {entry.get('decision') or ''}** by {entry['actor']} ({entry['role']}) "
            f"at {at:%Y-%m-%d %H:%M} UTC" + (f" - {entry['comment']}" if entry.get("comment") else "")
        )
        if entry["event"] == "decision":
            st.dataframe(diff_frame(entry.get("proposal"), entry.get("final")), hide_index=True, width="stretch")

# ------------------------------------------------------------------------------------- decision
st.divider()
st.subheader("Decision")


def _decide(kind: str, **kwargs: Any) -> None:
    service = decision_service()
    with st.spinner("Recording the decision and resuming the case ..."):
        try:
            if kind == "accept":
                service.accept(user, case_id)
            elif kind == "edit":
                service.edit(user, case_id, **kwargs)
            else:
                service.reject(user, case_id, kwargs["why"])
        except Exception as exc:
            show_error(exc, f"{kind} the case")
            return
    done = {"accept": "Accepted", "edit": "Edited and accepted", "reject": "Rejected"}[kind]
    flash(f"{done} case {case_id}.")
    st.rerun()


if case["status"] not in REVIEW_STATUSES or proposal is None:
    st.info(f"This case is {str(case['status']).replace('_', ' ')}: there is nothing to decide.")
    st.stop()
if not allowed(user.role, "case.decide"):
    st.caption(f"Your role ({user.role}) can read this case but not decide it.")
    st.stop()

accept_col, reject_col = st.columns([1, 2])
with accept_col:
    st.markdown("Accept the proposal as it is.")
    if st.button("Accept", type="primary", key="accept", icon=":material/check:"):
        _decide("accept")
with reject_col:
    why = st.text_input("Why reject?", key="reject_why", placeholder="e.g. not an exception, wrong shipment")
    if st.button("Reject", key="reject", icon=":material/close:"):
        if not why.strip():
            st.error("Say why you reject the proposal: the reason goes into the audit log.")
        else:
            _decide("reject", why=why.strip())

with st.expander("Edit, then accept", expanded=False), st.form("edit_form"):
    reason_options = [*REASON_CODES]
    e_reason = st.selectbox(
        "Reason",
        reason_options,
        index=reason_options.index(proposal.reason) if proposal.reason in reason_options else None,
        placeholder="choose a reason",
        key="edit_reason",
    )
    e_priority = st.selectbox("Priority", [*PRIORITIES], index=PRIORITIES.index(proposal.priority), key="edit_priority")
    e_summary = st.text_area("Summary", value=proposal.summary, key="edit_summary")
    e_draft = st.text_area(
        "Customer update draft (posted to the Odoo ticket with a customer update action)",
        value=proposal.customer_draft or "",
        height=220,
        key="edit_customer_draft",
    )
    e_assignee = st.text_input("Assignee", value=proposal.assignee or case.get("assignee") or "", key="edit_assignee")
    current = {action_key(a): a for a in proposal.actions}
    keep = st.multiselect(
        "Keep these actions",
        list(current),
        default=list(current),
        format_func=lambda k: action_label(current[k]),
        key="edit_keep",
    )
    add = st.multiselect(
        "Add actions",
        [k for k in ACTION_CATALOG if k not in current],
        format_func=lambda k: action_label(catalog_action(k)),
        key="edit_add",
    )
    e_comment = st.text_input("Comment (goes into the audit log and the case memory)", key="edit_comment")
    submitted = st.form_submit_button("Save edit and accept", type="primary")

if submitted:
    changes: dict[str, Any] = {}
    if e_reason and e_reason != proposal.reason:
        changes["reason"] = e_reason
    if e_priority != proposal.priority:
        changes["priority"] = e_priority
    if e_summary.strip() and e_summary.strip() != proposal.summary:
        changes["summary"] = e_summary.strip()
    if e_draft.strip() and e_draft.strip() != (proposal.customer_draft or "").strip():
        changes["customer_draft"] = e_draft.strip()
    if e_assignee.strip() and e_assignee.strip() != (proposal.assignee or ""):
        changes["assignee"] = e_assignee.strip()
    actions: list[ProposedAction] = [current[k] for k in keep] + [catalog_action(k) for k in add]
    if [action_key(a) for a in actions] != [action_key(a) for a in proposal.actions]:
        changes["actions"] = actions
    if e_comment.strip():
        changes["comment"] = e_comment.strip()
    if not changes:
        st.warning("Nothing was changed: use Accept to accept the proposal as it is.")
    else:
        _decide("edit", **changes)
