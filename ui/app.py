"""The review app: `triage ui` runs `streamlit run ui/app.py` on 127.0.0.1.

One multipage app; which pages a user sees follows `policies/roles.yaml`. The page scripts live in `views/`,
not `pages/`: with a `pages/` directory next to the main script, Streamlit runs a server's first session in
its old directory mode, so the first address opened (`/case?id=...`) ran that page without this file (no
sign-in, the wrong navigation). Hiding a page is only
convenience: every page and every action goes through the service layer, which checks the role again.
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:  # `streamlit run ui/app.py` puts ui/ on the path, not the repo
    sys.path.insert(0, str(_ROOT))

import streamlit as st  # noqa: E402

from policies.roles import allowed  # noqa: E402
from ui.session import ROLE_LABELS, current_user, oidc_configured, sign_out  # noqa: E402

st.set_page_config(page_title="Exception triage", page_icon=":material/local_shipping:", layout="wide")

PAGES: dict[str, tuple[str, str, str, str, str | tuple[str, ...]]] = {
    "queue": ("views/queue.py", "Queue", ":material/inbox:", "queue", "case.view"),
    "case": ("views/case.py", "Case", ":material/description:", "case", "case.view"),
    "inbox": ("views/inbox.py", "Supervisor inbox", ":material/approval:", "inbox", "approval.decide"),
    "dashboard": ("views/dashboard.py", "Dashboard", ":material/monitoring:", "dashboard", "dashboard.view"),
    "labels": ("views/labels.py", "Labelled export", ":material/label:", "labels", "labels.export"),
    "admin": (
        "views/admin.py", "Admin", ":material/admin_panel_settings:", "admin", ("users.manage", "quarantine.reprocess"),
    ),
}


def _page(key: str, default: bool = False) -> st.Page:
    path, title, icon, url_path, _perm = PAGES[key]
    return st.Page(path, title=title, icon=icon, url_path=url_path, default=default)


def _allowed(role: str, perm: str | tuple[str, ...]) -> bool:
    perms = (perm,) if isinstance(perm, str) else perm
    return any(allowed(role, p) for p in perms)


def _sign_in_at(url_path: str, default: bool = False) -> st.Page:
    return st.Page("views/sign_in.py", title="Sign in", icon=":material/login:", url_path=url_path, default=default)


user = current_user()
if user is None:
    # Every page's address answers with the sign-in form, so a bookmark or a link (`/case?id=...`, from a
    # chat message or an Odoo ticket) keeps its path and query while signed out; signing in re-runs the app
    # on the same address, which then is the page itself.
    sign_in_pages = [_sign_in_at("sign-in", default=True)] + [_sign_in_at(spec[3]) for spec in PAGES.values()]
    nav = st.navigation(sign_in_pages, position="hidden")
    nav.run()
else:
    pages = [_page(key, default=(key == "queue")) for key, spec in PAGES.items() if _allowed(user.role, spec[4])]
    if not pages:
        st.error(f"Your role ({user.role}) has no pages in this app.")
        st.stop()
    with st.sidebar:
        st.markdown(f"**{user.username}**  \n{ROLE_LABELS.get(user.role, user.role)}")
        if st.button("Sign out", key="sign_out", icon=":material/logout:"):
            sign_out()
            st.rerun()
        if oidc_configured():
            st.caption("Signed in with single sign-on.")
    nav = st.navigation(pages)
    nav.run()
