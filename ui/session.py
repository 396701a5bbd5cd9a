"""Sign-in state and the shared runtime of the review app.

Sign-in is local by default: users with argon2-hashed passwords in the store, created by
`triage users add`. When `.streamlit/secrets.toml` has an `[auth]` section, Streamlit's own OIDC login
(`st.login` / `st.user`) is used instead, and the signed-in e-mail address must also be a local user
(created by an admin with a role) so the role comes from the same place.

The signed-in user lives in `st.session_state[USER_KEY]` as {"username", "role", "via"}. Every page
still goes through the service layer, which checks the role again: this module only decides what is
shown.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import streamlit as st

from agents.app import App, build_app
from agents.settings import load_settings
from agents.state import User
from policies.roles import PermissionDenied, allowed

log = logging.getLogger(__name__)

USER_KEY = "triage_user"
_FAILS_KEY = "triage_signin_failures"
MAX_FAILURES = 5  # then the form waits LOCKOUT_S before it checks another password
LOCKOUT_S = 30.0

ROLE_LABELS = {
    "customer_service": "Customer service",
    "supervisor": "Supervisor",
    "ml_owner": "ML owner",
    "admin": "Admin",
}


# ---------------------------------------------------------------------------------------- the app


@st.cache_resource(show_spinner=False)
def _app(home: str, database_url: str | None, checkpoint_url: str | None) -> App:
    # the arguments are the cache key: one App per store, shared by every session of the server
    return build_app(load_settings())


def app() -> App:
    """The process's composition root, for the store that TRIAGE_HOME / TRIAGE_DATABASE_URL name."""
    settings = load_settings()
    return _app(str(settings.home), settings.database_url, settings.checkpoint_url)


# ---------------------------------------------------------------------------------------- OIDC


def oidc_configured() -> bool:
    """True when secrets.toml has an `[auth]` section (Streamlit's OIDC login is set up)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: local sign-in
        return False


def _oidc_provider() -> str | None:
    """The named provider when `[auth.<name>]` sub-sections exist; None for a single `[auth]`."""
    try:
        auth = st.secrets["auth"]
    except Exception:
        return None
    names = [k for k, v in auth.items() if hasattr(v, "keys")]
    return names[0] if names else None


def _oidc_user() -> User | None:
    """The local user matching the OIDC identity (by e-mail), or None when not signed in / unknown."""
    if not getattr(st.user, "is_logged_in", False):
        return None
    email = str(st.user.get("email") or "").strip().lower()
    if not email:
        return None
    role = app().users.role_of(email)
    return User(username=email, role=role) if role else None  # type: ignore[arg-type]  # roles.yaml names it


# ---------------------------------------------------------------------------------------- user


def current_user() -> User | None:
    data = st.session_state.get(USER_KEY)
    if data:
        return User(username=str(data["username"]), role=data["role"])
    if oidc_configured():
        user = _oidc_user()
        if user is not None:
            st.session_state[USER_KEY] = {"username": user.username, "role": user.role, "via": "oidc"}
        return user
    return None


def sign_in(username: str, password: str) -> User | None:
    """Check a local user's password; on success the session is signed in."""
    fails = st.session_state.get(_FAILS_KEY, (0, 0.0))
    count, since = fails
    if count >= MAX_FAILURES and time.monotonic() - since < LOCKOUT_S:
        raise PermissionDenied(f"too many failed sign-ins; wait {LOCKOUT_S:.0f} seconds and try again")
    user = app().users.authenticate(username.strip(), password)
    if user is None:
        st.session_state[_FAILS_KEY] = (count + 1, time.monotonic())
        return None
    st.session_state.pop(_FAILS_KEY, None)
    st.session_state[USER_KEY] = {"username": user.username, "role": user.role, "via": "local"}
    log.info("local sign-in with role %s", user.role)  # no usernames in logs: they can be e-mails
    return user


def sign_out() -> None:
    via = (st.session_state.get(USER_KEY) or {}).get("via")
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if via == "oidc":
        st.logout()


def can(permission: str) -> bool:
    user = current_user()
    return bool(user and allowed(user.role, permission))


def require_user() -> User:
    """The signed-in user; stops the page (with a message) when nobody is signed in."""
    user = current_user()
    if user is None:
        st.warning("Please sign in first.")
        st.stop()
    return user


def require_page(permission: str) -> User:
    """The signed-in user, when the role has `permission`; otherwise a red message and the page stops."""
    user = require_user()
    if not allowed(user.role, permission):
        st.error(f"Permission denied: your role ({ROLE_LABELS.get(user.role, user.role)}) lacks `{permission}`.")
        st.stop()
    return user


def flash(message: str, kind: str = "success") -> None:
    """A message shown once on the next run (after `st.rerun()`)."""
    st.session_state.setdefault("_flash", []).append((kind, message))


def show_flashes() -> None:
    for kind, message in st.session_state.pop("_flash", []):
        {"success": st.success, "error": st.error, "warning": st.warning, "info": st.info}[kind](message)


# ---------------------------------------------------------------------------------------- services


def read_service() -> Any:
    return app().reads


def review_service() -> Any:
    return app().reviews


def decision_service() -> Any:
    return app().decisions


def operator_service() -> Any:
    return app().operator


def health_reads() -> Any:
    return app().health
