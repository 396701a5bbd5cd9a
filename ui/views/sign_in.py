"""Sign in: local users (argon2 hashes in the store), or the configured OIDC provider."""

from __future__ import annotations

import importlib.util

import streamlit as st

from policies.roles import PermissionDenied
from ui.session import _oidc_provider, current_user, oidc_configured, sign_in

st.title("Exception triage")
st.caption("Review the AI's proposals for logistics exceptions. Sign in to continue.")
# Opened at a page's address (a bookmark or a shared link): that page opens once signed in.
_wanted = st.query_params.get("id") or st.query_params.get("case")
if _wanted:
    st.info(f"Sign in to open case {_wanted[:60]}.", icon=":material/link:")

if oidc_configured():
    if getattr(st.user, "is_logged_in", False) and current_user() is None:
        st.error(
            "You are signed in with single sign-on, but no role is assigned to your e-mail address. "
            "An admin adds it with `triage users add EMAIL --role ROLE`."
        )
        if st.button("Sign out of single sign-on"):
            st.logout()
    elif importlib.util.find_spec("authlib") is None:
        st.error(
            "Single sign-on is configured (`[auth]` in secrets.toml) but Authlib is not installed: "
            "install `streamlit[auth]` (Authlib) to use it."
        )
    elif st.button("Sign in with single sign-on", type="primary", key="oidc_login"):
        provider = _oidc_provider()
        if provider:
            st.login(provider)
        else:
            st.login()
else:
    with st.form("sign_in", clear_on_submit=False):
        username = st.text_input("Username", key="signin_username")
        password = st.text_input("Password", type="password", key="signin_password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        try:
            user = sign_in(username, password)
        except PermissionDenied as exc:
            st.error(str(exc))
        else:
            if user is None:
                st.error("Unknown username or wrong password.")
            else:
                st.rerun()
    st.caption("Local users are created with `triage users add USERNAME --role ROLE`.")
