"""UI test fixtures: a real, triaged TRIAGE_HOME per test (copied from a template built once by running
the real graph), and helpers to drive the app with Streamlit's AppTest."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from agents.app import App, build_app
from agents.settings import Settings
from agents.state import User
from agents.user_service import DEMO_USERS
from tests.ui.builder import copy_home, template_home

APP = Path(__file__).resolve().parents[2] / "ui" / "app.py"
PASSWORDS = {name: password for name, _role, password in DEMO_USERS}
USERS = {role: User(username=name, role=role) for name, role, _pw in DEMO_USERS}


@pytest.fixture(scope="session")
def triaged_template(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, str]]:
    cache = getattr(pytestconfig, "cache", None)  # None with -p no:cacheprovider: build once per session
    root = Path(cache.mkdir("ui-triaged-home")) if cache is not None else tmp_path_factory.mktemp("ui-home")
    return template_home(root)


@dataclass
class TriagedHome:
    path: Path
    ids: dict[str, str]  # message key (tests.ui.builder.MESSAGES) -> case id
    _app: App | None = None

    def app(self) -> App:
        """The test process's composition root for this home (built once, closed after the test)."""
        if self._app is None:
            self._app = build_app(Settings())
        return self._app


@pytest.fixture
def triaged(
    triaged_template: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TriagedHome]:
    template, ids = triaged_template
    home = copy_home(template, tmp_path / "home")
    monkeypatch.setenv("TRIAGE_HOME", str(home))
    for var in ("TRIAGE_DATABASE_URL", "TRIAGE_CHECKPOINT_URL", "ODOO_URL", "TRIAGE_REASONER"):
        monkeypatch.delenv(var, raising=False)
    triaged = TriagedHome(home, dict(ids))
    yield triaged
    if triaged._app is not None:
        triaged._app.close()


@pytest.fixture
def app() -> Callable[..., AppTest]:
    """app(role=None, case=None) -> an AppTest of ui/app.py, signed in as the demo user of `role`."""

    def make(role: str | None = None, case: str | None = None, **session: Any) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=180)
        if role is not None:
            user = USERS[role]  # type: ignore[index]  # a role name from the test
            at.session_state["triage_user"] = {"username": user.username, "role": user.role, "via": "local"}
        for key, value in session.items():
            at.session_state[key] = value
        if case is not None:
            at.query_params["case"] = case
        return at

    return make


def texts(at: AppTest) -> str:
    """Everything the page shows as text (markdown, captions, alerts, metrics), for assertions."""
    parts: list[str] = []
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "title", "header", "subheader", "text"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label}: {m.value}" for m in at.metric]
    return "\n".join(parts)


def button(at: AppTest, key: str) -> Any:
    return at.button(key=key)


def table(at: AppTest, *columns: str) -> Any:
    """The first table on the page with all these columns, as a DataFrame (st.dataframe has no key in
    AppTest unless it is selectable, so tables are found by what they show)."""
    for frame in at.dataframe:
        value = frame.value
        if all(c in value.columns for c in columns):
            return value
    raise LookupError(f"no table with columns {columns}")


def has_table(at: AppTest, *columns: str) -> bool:
    try:
        table(at, *columns)
    except LookupError:
        return False
    return True
