"""Admin: local users (admins) and the quarantine (supervisors and admins)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from agents.state import ROLES
from policies.roles import PermissionDenied, allowed
from ui.components import show_denied, show_error
from ui.services import reprocess_quarantined
from ui.session import ROLE_LABELS, app, flash, require_user, show_flashes

user = require_user()
if not (allowed(user.role, "users.manage") or allowed(user.role, "quarantine.reprocess")):
    st.error(f"Permission denied: your role ({user.role}) lacks `users.manage` and `quarantine.reprocess`.")
    st.stop()

st.title("Admin")
show_flashes()
triage = app()

if allowed(user.role, "users.manage"):
    st.header("Users")
    try:
        users = triage.users.list_users(user)
    except PermissionDenied as exc:
        show_denied(exc)
        users = []
    st.dataframe(
        pd.DataFrame(
            [
                {"username": u.username, "role": ROLE_LABELS.get(u.role, u.role), "name": u.display_name or ""}
                for u in users
            ],
            columns=["username", "role", "name"],
        ),
        hide_index=True,
        key="users_table",
    )
    with st.form("add_user", clear_on_submit=True):
        st.markdown("**Add or update a user** (passwords are stored as argon2 hashes)")
        new_name = st.text_input("Username (an e-mail address for single sign-on users)", key="new_username")
        new_role = st.selectbox("Role", ROLES, format_func=lambda r: ROLE_LABELS[r], key="new_role")
        new_password = st.text_input("Password (8 characters or more)", type="password", key="new_password")
        if st.form_submit_button("Save user"):
            try:
                triage.users.add_user(user, new_name, new_role, new_password, display_name=new_name or None)
            except (PermissionDenied, ValueError) as exc:
                show_error(exc, "save the user")
            else:
                flash(f"User {new_name.strip()} saved as {ROLE_LABELS[new_role]}.")
                st.rerun()

if allowed(user.role, "quarantine.reprocess"):
    st.header("Quarantine")
    items = triage.store.list_quarantine("open")
    if not items:
        st.success("Nothing is in quarantine.")
    else:
        st.caption("Inputs that could not become cases, with what was wrong. Retry one after its cause is fixed.")
        st.dataframe(
            pd.DataFrame(
                [
                    {"id": q.id, "source": q.source, "reason": q.reason, "what was wrong": q.detail, "size": q.size,
                     "since": q.created_at}
                    for q in items
                ]
            ),
            hide_index=True,
            width="stretch",
            key="quarantine_table",
        )
        qid = st.selectbox("Quarantined input", [q.id for q in items], key="q_reprocess_id")
        if st.button("Retry this input", key="q_reprocess"):
            with st.spinner("Re-parsing and triaging ..."):
                try:
                    outcome = reprocess_quarantined(user, triage, qid)
                except Exception as exc:
                    show_error(exc, "retry the input")
                else:
                    if outcome.get("quarantined"):
                        flash(f"Still quarantined: {outcome}", "warning")
                    else:
                        flash(f"Reprocessed: {outcome}")
                    st.rerun()
